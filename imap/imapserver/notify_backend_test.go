package imapserver

import (
	"context"
	"io"
	"sync"
	"testing"
)

// notifyBackend is memBackend whose users implement NotifyUser: message
// events come from a read-only Select of each watched mailbox, list events
// from the users' own Create/Delete/Rename/SetSubscribed, broadcast to the
// other sessions' notifiers (a session is not told about its own changes).
type notifyBackend struct {
	*memBackend
	mu        sync.Mutex
	notifiers map[*fakeNotifier]struct{}
	meta      map[string]map[string][]byte // METADATA by mailbox (notify_metadata_test.go)
	// during runs once inside the next APPEND, COPY or MOVE, before it
	// stores anything: what another session does meanwhile
	// (notify_own_test.go).
	during func()
}

// duringNext sets the function the next APPEND, COPY or MOVE runs.
func (b *notifyBackend) duringNext(fn func()) {
	b.mu.Lock()
	b.during = fn
	b.mu.Unlock()
}

// runDuring runs and clears the function of duringNext, if any.
func (b *notifyBackend) runDuring() {
	b.mu.Lock()
	fn := b.during
	b.during = nil
	b.mu.Unlock()
	if fn != nil {
		fn()
	}
}

func newNotifyBackend() *notifyBackend {
	return &notifyBackend{memBackend: newMemBackend(), notifiers: map[*fakeNotifier]struct{}{}}
}

func (b *notifyBackend) NewSession(ctx context.Context, ci ConnInfo) (Session, error) {
	return &notifySession{memSession: memSession{b: b.memBackend}, nb: b}, nil
}

type notifySession struct {
	memSession
	nb *notifyBackend
}

func (s *notifySession) Login(ctx context.Context, user, pass string) (User, error) {
	u, err := s.memSession.Login(ctx, user, pass)
	if err != nil {
		return nil, err
	}
	return &notifyUser{memUser: u.(*memUser), nb: s.nb}, nil
}

type notifyUser struct {
	*memUser
	nb *notifyBackend
}

var (
	_ NotifyUser      = (*notifyUser)(nil)
	_ MultiAppendUser = (*notifyUser)(nil)
)

func (u *notifyUser) Append(ctx context.Context, name string, msg AppendMessage, body io.Reader) (AppendResult, error) {
	u.nb.runDuring()
	return u.memUser.Append(ctx, name, msg, body)
}

// AppendMany stores the messages one by one (not all or nothing: the
// tests that use it do not fail midway).
func (u *notifyUser) AppendMany(ctx context.Context, name string, next func() (AppendMessage, io.Reader, error)) ([]AppendResult, error) {
	var res []AppendResult
	for {
		msg, body, err := next()
		if err == io.EOF {
			return res, nil
		}
		if err != nil {
			return nil, err
		}
		r, err := u.Append(ctx, name, msg, body)
		if err != nil {
			return nil, err
		}
		res = append(res, r)
	}
}

// Select returns the mailbox with COPY and MOVE that run duringNext's
// function first.
func (u *notifyUser) Select(ctx context.Context, name string, readOnly bool) (Mailbox, error) {
	mb, err := u.memUser.Select(ctx, name, readOnly)
	if err != nil {
		return nil, err
	}
	return &notifyMailbox{memMailbox: mb.(*memMailbox), nb: u.nb}, nil
}

type notifyMailbox struct {
	*memMailbox
	nb *notifyBackend
}

func (w *notifyMailbox) Copy(ctx context.Context, uids []uint32, dest string) (CopyResult, error) {
	w.nb.runDuring()
	return w.memMailbox.Copy(ctx, uids, dest)
}

func (w *notifyMailbox) Move(ctx context.Context, uids []uint32, dest string) (CopyResult, error) {
	w.nb.runDuring()
	return w.memMailbox.Move(ctx, uids, dest)
}

func (u *notifyUser) Notify(ctx context.Context, queueSize int) (Notifier, error) {
	n := &fakeNotifier{u: u, max: queueSize, ready: make(chan struct{}, 1), boxes: map[string]*fakeWatch{}}
	u.nb.mu.Lock()
	u.nb.notifiers[n] = struct{}{}
	u.nb.mu.Unlock()
	return n, nil
}

// broadcast delivers a list event to every other session's notifier.
func (u *notifyUser) broadcast(ev NotifyEvent) {
	u.nb.mu.Lock()
	defer u.nb.mu.Unlock()
	for n := range u.nb.notifiers {
		if n.u != u {
			n.pushList(ev)
		}
	}
}

// notifierCount is the number of open notifiers (closed ones are gone).
func (b *notifyBackend) notifierCount() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.notifiers)
}

// overflowAll makes every notifier report lost events.
func (b *notifyBackend) overflowAll() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for n := range b.notifiers {
		n.mu.Lock()
		n.overflow = true
		n.mu.Unlock()
		n.signal()
	}
}

func (u *notifyUser) Create(ctx context.Context, name string, use []string) error {
	if err := u.memUser.Create(ctx, name, use); err != nil {
		return err
	}
	u.broadcast(NotifyEvent{Kind: NotifyCreate, Name: name})
	return nil
}

func (u *notifyUser) Delete(ctx context.Context, name string) error {
	if err := u.memUser.Delete(ctx, name); err != nil {
		return err
	}
	u.broadcast(NotifyEvent{Kind: NotifyDelete, Name: name})
	return nil
}

func (u *notifyUser) Rename(ctx context.Context, from, to string) error {
	if err := u.memUser.Rename(ctx, from, to); err != nil {
		return err
	}
	u.broadcast(NotifyEvent{Kind: NotifyRename, Name: to, OldName: from})
	return nil
}

func (u *notifyUser) SetSubscribed(ctx context.Context, name string, sub bool) error {
	if err := u.memUser.SetSubscribed(ctx, name, sub); err != nil {
		return err
	}
	k := NotifySubscribe
	if !sub {
		k = NotifyUnsubscribe
	}
	u.broadcast(NotifyEvent{Kind: k, Name: name})
	return nil
}

type fakeNotifier struct {
	u     *notifyUser
	max   int
	ready chan struct{}

	mu       sync.Mutex
	boxes    map[string]*fakeWatch
	list     []NotifyEvent
	overflow bool
	closed   bool
}

type fakeWatch struct {
	mb   Mailbox
	stop chan struct{}
	done chan struct{}
}

func (n *fakeNotifier) signal() {
	select {
	case n.ready <- struct{}{}:
	default:
	}
}

func (n *fakeNotifier) pushList(ev NotifyEvent) {
	n.mu.Lock()
	if len(n.list) >= n.max {
		n.overflow = true
		n.list = nil
	} else {
		n.list = append(n.list, ev)
	}
	n.mu.Unlock()
	n.signal()
}

func (n *fakeNotifier) Watch(ctx context.Context, names []string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	want := map[string]bool{}
	for _, name := range names {
		want[name] = true
		if n.boxes[name] != nil {
			continue
		}
		mb, err := n.u.memUser.Select(ctx, name, true)
		if err != nil {
			continue
		}
		mb.Snapshot(ctx, func(MessageMeta) error { return nil })
		w := &fakeWatch{mb: mb, stop: make(chan struct{}), done: make(chan struct{})}
		go func() {
			defer close(w.done)
			for {
				select {
				case <-w.stop:
					return
				case <-mb.Updates():
					n.signal()
				}
			}
		}()
		n.boxes[name] = w
	}
	for name, w := range n.boxes {
		if !want[name] {
			w.close()
			delete(n.boxes, name)
		}
	}
	return nil
}

func (w *fakeWatch) close() {
	close(w.stop)
	<-w.done
	w.mb.Close()
}

func (n *fakeNotifier) Updates() <-chan struct{} { return n.ready }

func (n *fakeNotifier) Events() ([]NotifyEvent, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	out := n.list
	n.list = nil
	over := n.overflow
	n.overflow = false
	for name, w := range n.boxes {
		changes, lost := w.mb.Changes()
		seen := map[ChangeKind]bool{}
		if lost {
			seen[ChangeAppend], seen[ChangeExpunge], seen[ChangeFlags] = true, true, true
		}
		for _, ch := range changes {
			seen[ch.Kind] = true
		}
		for _, k := range []ChangeKind{ChangeAppend, ChangeExpunge, ChangeFlags} {
			if seen[k] {
				out = append(out, NotifyEvent{Kind: NotifyMessages, Name: name, Change: k})
			}
		}
	}
	return out, over
}

func (n *fakeNotifier) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	for name, w := range n.boxes {
		w.close()
		delete(n.boxes, name)
	}
	n.mu.Unlock()
	n.u.nb.mu.Lock()
	delete(n.u.nb.notifiers, n)
	n.u.nb.mu.Unlock()
	return nil
}

// startNotifyServer starts a server over a notifyBackend.
func startNotifyServer(t *testing.T, cfg func(*Server)) (*testServer, *notifyBackend) {
	t.Helper()
	nb := newNotifyBackend()
	ts := startServer(t, func(s *Server) {
		s.Backend = nb
		if cfg != nil {
			cfg(s)
		}
	})
	ts.b = nb.memBackend
	return ts, nb
}
