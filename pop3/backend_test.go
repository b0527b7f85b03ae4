package pop3

import (
	"bytes"
	"context"
	"crypto/subtle"
	"fmt"
	"io"
	"slices"
	"sync"
)

// memBackend is the test backend: users with passwords and APOP secrets,
// each with a maildrop of raw messages.
type memBackend struct {
	mu       sync.Mutex
	users    map[string]string // user → password (also the APOP secret)
	drops    map[string][]memMsg
	locked   map[string]bool
	commits  int
	policy   *Policy
	openErr  error // returned by Maildrop when set
	sessions int   // open sessions
	uidNext  int
	opened   map[string]int // Maildrop.Open calls per message UID
}

type memMsg struct {
	uid  string
	body []byte
	utf8 bool
	open func() io.ReadCloser // overrides body when set (streamed messages)
	size int64
}

func newMemBackend() *memBackend {
	return &memBackend{users: map[string]string{}, drops: map[string][]memMsg{}, locked: map[string]bool{}}
}

func (b *memBackend) addUser(user, pass string) { b.mu.Lock(); b.users[user] = pass; b.mu.Unlock() }

func (b *memBackend) add(user string, bodies ...string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, body := range bodies {
		b.uidNext++
		m := memMsg{uid: fmt.Sprintf("uid-%d", b.uidNext), body: []byte(body)}
		m.size, _ = MessageSize(bytes.NewReader(m.body))
		b.drops[user] = append(b.drops[user], m)
	}
}

// opens returns how often message uid was opened.
func (b *memBackend) opens(uid string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.opened[uid]
}

func (b *memBackend) count(user string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.drops[user])
}

func (b *memBackend) isLocked(user string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.locked[user]
}

func (b *memBackend) openSessions() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.sessions
}

func (b *memBackend) NewSession(ctx context.Context, c *Conn) (Session, error) {
	b.mu.Lock()
	b.sessions++
	b.mu.Unlock()
	return &memSession{b: b}, nil
}

type policyBackend struct{ *memBackend }

func (b policyBackend) Policy() Policy { return *b.policy }

type memSession struct{ b *memBackend }

func (s *memSession) CheckPassword(ctx context.Context, user, pass string) error {
	s.b.mu.Lock()
	want, ok := s.b.users[user]
	s.b.mu.Unlock()
	if !ok || subtle.ConstantTimeCompare([]byte(want), []byte(pass)) != 1 {
		return ErrAuthFailed
	}
	return nil
}

func (s *memSession) APOPSecret(ctx context.Context, user string) (string, error) {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	p, ok := s.b.users[user]
	if !ok {
		return "", ErrAuthFailed
	}
	return p, nil
}

func (s *memSession) Maildrop(ctx context.Context, user string) (Maildrop, error) {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	if s.b.openErr != nil {
		return nil, s.b.openErr
	}
	if s.b.locked[user] {
		return nil, ErrInUse
	}
	s.b.locked[user] = true
	return &memDrop{b: s.b, user: user, msgs: slices.Clone(s.b.drops[user])}, nil
}

func (s *memSession) Close() error {
	s.b.mu.Lock()
	s.b.sessions--
	s.b.mu.Unlock()
	return nil
}

type memDrop struct {
	b      *memBackend
	user   string
	msgs   []memMsg
	closed bool
}

func (d *memDrop) List(ctx context.Context) ([]MessageInfo, error) {
	out := make([]MessageInfo, len(d.msgs))
	for i, m := range d.msgs {
		out[i] = MessageInfo{UID: m.uid, Size: m.size, UTF8: m.utf8}
	}
	return out, nil
}

func (d *memDrop) Open(ctx context.Context, i int) (io.ReadCloser, error) {
	d.b.mu.Lock()
	if d.b.opened == nil {
		d.b.opened = map[string]int{}
	}
	d.b.opened[d.msgs[i].uid]++
	d.b.mu.Unlock()
	if d.msgs[i].open != nil {
		return d.msgs[i].open(), nil
	}
	return io.NopCloser(bytes.NewReader(d.msgs[i].body)), nil
}

func (d *memDrop) Commit(ctx context.Context, deleted []int) error {
	d.b.mu.Lock()
	defer d.b.mu.Unlock()
	d.b.commits++
	gone := map[string]bool{}
	for _, i := range deleted {
		gone[d.msgs[i].uid] = true
	}
	d.b.drops[d.user] = slices.DeleteFunc(d.b.drops[d.user], func(m memMsg) bool { return gone[m.uid] })
	return nil
}

func (d *memDrop) Close() error {
	d.b.mu.Lock()
	defer d.b.mu.Unlock()
	if d.closed {
		panic("maildrop closed twice")
	}
	d.closed = true
	delete(d.b.locked, d.user)
	return nil
}

func (d *memDrop) Policy() Policy {
	if d.b.policy != nil {
		return *d.b.policy
	}
	return Policy{}
}
