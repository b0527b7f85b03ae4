package imapserver

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
)

// sharedBackend wraps the test memBackend so that its mailboxes implement
// SharedSnapshot the way the mailbox store does: every session that
// selects a mailbox while it is unchanged gets the very same arrays, and
// the backend never writes into arrays it has handed out.
type sharedBackend struct {
	*memBackend
	mu     sync.Mutex
	arrays map[*memBox]*sharedArrays
	builds int              // arrays built so far
	opened []*sharedMailbox // every Select, in order
}

func newSharedBackend(b *memBackend) *sharedBackend {
	return &sharedBackend{memBackend: b, arrays: map[*memBox]*sharedArrays{}}
}

// sharedArrays is one published snapshot of a memBox.
type sharedArrays struct {
	modseq, n uint64 // the box's modseq and length when built
	st        MailboxStatus
	uids      []uint32
	modseqs   []uint64
	flagIDs   []uint32
	flagSets  [][]string
}

// arraysFor returns the box's current arrays, built again only when the
// box changed. The caller holds b.mu.
func (sb *sharedBackend) arraysFor(mb *memBox) *sharedArrays {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	if a := sb.arrays[mb]; a != nil && a.modseq == mb.modseq && a.n == uint64(len(mb.msgs)) {
		return a
	}
	a := &sharedArrays{modseq: mb.modseq, n: uint64(len(mb.msgs)), st: mb.status()}
	ids := map[string]uint32{}
	for _, m := range mb.msgs {
		key := strings.Join(m.flags, " ")
		id, ok := ids[key]
		if !ok {
			id = uint32(len(a.flagSets))
			ids[key] = id
			a.flagSets = append(a.flagSets, m.flags)
		}
		a.uids = append(a.uids, m.uid)
		a.modseqs = append(a.modseqs, m.modseq)
		a.flagIDs = append(a.flagIDs, id)
	}
	sb.arrays[mb] = a
	sb.builds++
	return a
}

func (sb *sharedBackend) NewSession(ctx context.Context, ci ConnInfo) (Session, error) {
	s, err := sb.memBackend.NewSession(ctx, ci)
	return sharedSession{s, sb}, err
}

type sharedSession struct {
	Session
	sb *sharedBackend
}

func (s sharedSession) Login(ctx context.Context, user, pass string) (User, error) {
	u, err := s.Session.Login(ctx, user, pass)
	if err != nil {
		return nil, err
	}
	return sharedUser{u.(*memUser), s.sb}, nil
}

type sharedUser struct {
	*memUser
	sb *sharedBackend
}

// Select is memUser.Select without the per-message snapshot list.
func (u sharedUser) Select(ctx context.Context, name string, readOnly bool) (Mailbox, error) {
	u.b.mu.Lock()
	defer u.b.mu.Unlock()
	mb, err := u.box(name)
	if err != nil {
		return nil, err
	}
	a := u.sb.arraysFor(mb)
	w := &memMailbox{b: u.b, mb: mb, ready: make(chan struct{}, 1), st: a.st}
	mb.watch[w] = struct{}{}
	m := &sharedMailbox{memMailbox: w, a: a}
	u.sb.mu.Lock()
	u.sb.opened = append(u.sb.opened, m)
	u.sb.mu.Unlock()
	return m, nil
}

// lastOpened is the mailbox of the latest Select.
func (sb *sharedBackend) lastOpened() *sharedMailbox {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	return sb.opened[len(sb.opened)-1]
}

type sharedMailbox struct {
	*memMailbox
	a *sharedArrays
	// deaf holds changes back from the session (they queue up until it
	// is cleared); overflow makes the next Changes report an overflow,
	// so the session resyncs.
	deaf, overflow atomic.Bool
}

func (m *sharedMailbox) Changes() ([]Change, bool) {
	if m.deaf.Load() {
		return nil, false
	}
	if m.overflow.CompareAndSwap(true, false) {
		m.memMailbox.Changes() // dropped
		return nil, true
	}
	return m.memMailbox.Changes()
}

func (m *sharedMailbox) SnapshotArrays() ([]uint32, []uint64, []uint32, [][]string) {
	return m.a.uids, m.a.modseqs, m.a.flagIDs, m.a.flagSets
}
