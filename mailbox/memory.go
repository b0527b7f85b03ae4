package mailbox

import (
	"bytes"
	"encoding/json"
	"io"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Memory is a Store that keeps everything in memory: for tests and for
// users' tests. It honours the same contract as the Maildir store, minus
// persistence.
type Memory struct{ *engine }

// NewMemory returns an empty in-memory store.
func NewMemory(opts Options) *Memory {
	e, err := newEngine(&memBackend{users: map[string]map[string]*memBox{}}, opts)
	if err != nil { // memBackend.loadDB cannot fail
		panic(err)
	}
	return &Memory{e}
}

var memUIDValidity atomic.Uint32

type memBackend struct {
	mu    sync.Mutex
	db    []byte
	users map[string]map[string]*memBox
}

type memBox struct {
	st     *mstate
	bodies map[uint32]*memBody
	caches map[uint32][]byte
}

type memBody struct{ b []byte }

func (m *memBackend) loadDB() (*userDB, error) { return newUserDB(), nil }

func (m *memBackend) saveDB(db *userDB) error {
	// Serialise anyway so the memory store exercises the same encoding.
	b, err := json.Marshal(db)
	m.mu.Lock()
	m.db = b
	m.mu.Unlock()
	return err
}

func (m *memBackend) createUser(user string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.users[user] = map[string]*memBox{"INBOX": newMemBox()}
	return nil
}

func newMemBox() *memBox {
	return &memBox{st: newMState(memUIDValidity.Add(1), 0), bodies: map[uint32]*memBody{}, caches: map[uint32][]byte{}}
}

func (m *memBackend) deleteUser(user string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.users, user)
	return nil
}

func (m *memBackend) renameUser(o, n string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.users[n] = m.users[o]
	delete(m.users, o)
	return nil
}

func (m *memBackend) listMailboxes(user string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for n := range m.users[user] {
		out = append(out, n)
	}
	sort.Strings(out)
	return out, nil
}

func (m *memBackend) createMailbox(user, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.users[user][name] == nil {
		m.users[user][name] = newMemBox()
	}
	return nil
}

func (m *memBackend) deleteMailbox(user, name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.users[user], name)
	return nil
}

func (m *memBackend) renameMailbox(user, o, n string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	boxes := m.users[user]
	for name, b := range boxes {
		if name == o || isChildOf(name, o) {
			delete(boxes, name)
			boxes[n+name[len(o):]] = b
		}
	}
	return nil
}

func (m *memBackend) openMailbox(user, name string) (mbBackend, *mstate, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := m.users[user][name]
	if b == nil {
		return nil, nil, ErrNoSuchMailbox
	}
	return b, b.st, nil
}

func (m *memBackend) close() error { return nil }

type memStaged struct{ b []byte }

func (s *memStaged) size() int64                    { return int64(len(s.b)) }
func (s *memStaged) reader() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(s.b)), nil }
func (s *memStaged) discard()                       {}
func (s *memStaged) sync() error                    { return nil }

func (b *memBox) stage(r io.Reader, max int64, _ time.Time, _ bool) (staged, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, ErrTooBig
	}
	return &memStaged{data}, nil
}

func (b *memBox) begin(st *mstate) ([]Event, error)   { return nil, nil }
func (b *memBox) end()                                {}
func (b *memBox) refresh(st *mstate) ([]Event, error) { return nil, nil }

func (b *memBox) commitAppend(st *mstate, items []*appendItem) error {
	for _, it := range items {
		b.bodies[it.rec.uid] = &memBody{it.st.(*memStaged).b}
		if it.cache != nil {
			b.caches[it.rec.uid] = it.cache
		}
	}
	return nil
}

func (b *memBox) commitFlags(st *mstate, changes []flagChange, modseq uint64) error { return nil }

func (b *memBox) commitExpunge(st *mstate, recs []msgRec, modseq uint64) error {
	for _, r := range recs {
		delete(b.bodies, r.uid)
		delete(b.caches, r.uid)
	}
	return nil
}

func (b *memBox) commitCopy(dst *mstate, dstRecs []msgRec, src mbBackend, srcSt *mstate, srcRecs []msgRec, moveModseq uint64) error {
	sb := src.(*memBox)
	for i, r := range srcRecs {
		b.bodies[dstRecs[i].uid] = sb.bodies[r.uid]
		if c := sb.caches[r.uid]; c != nil {
			b.caches[dstRecs[i].uid] = c
		}
	}
	if moveModseq != 0 {
		sb.commitExpunge(srcSt, srcRecs, moveModseq)
	}
	return nil
}

func (b *memBox) open(st *mstate, r *msgRec) (Message, error) {
	body := b.bodies[r.uid]
	if body == nil {
		return nil, ErrNoSuchMessage
	}
	return &memMessage{bytes.NewReader(body.b)}, nil
}

func (b *memBox) cached(st *mstate, r *msgRec) ([]byte, error) {
	return b.caches[r.uid], nil
}

func (b *memBox) close() error { return nil }

type memMessage struct{ *bytes.Reader }

func (m *memMessage) Close() error { return nil }
