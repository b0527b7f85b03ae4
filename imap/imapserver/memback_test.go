package imapserver

import (
	"bytes"
	"context"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// memBackend is a small in-memory Backend for the server's own tests (the
// real target is the mailbox store's adapter). One user, "user"/"pass".
type memBackend struct {
	mu     sync.Mutex
	boxes  map[string]*memBox
	subs   map[string]bool
	uidval uint32
}

type memMsg struct {
	uid    uint32
	flags  []string
	modseq uint64
	date   time.Time
	body   []byte
	blob   []byte
}

type memBox struct {
	name    string
	uidval  uint32
	uidnext uint32
	modseq  uint64
	msgs    []*memMsg
	use     []string
	watch   map[*memMailbox]struct{}
}

func newMemBackend() *memBackend {
	b := &memBackend{boxes: map[string]*memBox{}, subs: map[string]bool{}, uidval: 1000}
	b.create("INBOX", nil)
	b.create("Sent", []string{`\Sent`})
	b.create("Trash", []string{`\Trash`})
	return b
}

func (b *memBackend) create(name string, use []string) *memBox {
	b.uidval++
	mb := &memBox{name: name, uidval: b.uidval, uidnext: 1, modseq: 1, use: use, watch: map[*memMailbox]struct{}{}}
	b.boxes[name] = mb
	return mb
}

func (b *memBackend) NewSession(ctx context.Context, conn ConnInfo) (Session, error) {
	return &memSession{b: b}, nil
}

type memSession struct{ b *memBackend }

func (s *memSession) Login(ctx context.Context, user, pass string) (User, error) {
	if user != "user" || pass != "pass" {
		return nil, ErrAuthFailed
	}
	return &memUser{b: s.b}, nil
}

func (s *memSession) Close() error { return nil }

type memUser struct{ b *memBackend }

func (u *memUser) Username() string { return "user" }
func (u *memUser) Close() error     { return nil }

func (u *memUser) ListMailboxes(ctx context.Context) ([]MailboxInfo, error) {
	u.b.mu.Lock()
	defer u.b.mu.Unlock()
	var out []MailboxInfo
	for name, mb := range u.b.boxes {
		out = append(out, MailboxInfo{Name: name, Subscribed: u.b.subs[name], SpecialUse: mb.use})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (u *memUser) Create(ctx context.Context, name string, use []string) error {
	u.b.mu.Lock()
	defer u.b.mu.Unlock()
	if _, ok := u.b.boxes[name]; ok {
		return ErrMailboxExists
	}
	u.b.create(name, use)
	return nil
}

func (u *memUser) Delete(ctx context.Context, name string) error {
	u.b.mu.Lock()
	defer u.b.mu.Unlock()
	if _, ok := u.b.boxes[name]; !ok {
		return ErrNoSuchMailbox
	}
	delete(u.b.boxes, name)
	return nil
}

func (u *memUser) Rename(ctx context.Context, from, to string) error {
	u.b.mu.Lock()
	defer u.b.mu.Unlock()
	mb, ok := u.b.boxes[from]
	if !ok {
		return ErrNoSuchMailbox
	}
	if _, ok := u.b.boxes[to]; ok {
		return ErrMailboxExists
	}
	delete(u.b.boxes, from)
	mb.name = to
	u.b.boxes[to] = mb
	return nil
}

func (u *memUser) SetSubscribed(ctx context.Context, name string, sub bool) error {
	u.b.mu.Lock()
	defer u.b.mu.Unlock()
	u.b.subs[name] = sub
	return nil
}

func (u *memUser) box(name string) (*memBox, error) {
	mb, ok := u.b.boxes[name]
	if !ok {
		return nil, ErrNoSuchMailbox
	}
	return mb, nil
}

func (u *memUser) Status(ctx context.Context, name string) (MailboxStatus, error) {
	u.b.mu.Lock()
	defer u.b.mu.Unlock()
	mb, err := u.box(name)
	if err != nil {
		return MailboxStatus{}, err
	}
	return mb.status(), nil
}

func (mb *memBox) status() MailboxStatus {
	st := MailboxStatus{Messages: uint32(len(mb.msgs)), UIDNext: mb.uidnext, UIDValidity: mb.uidval, HighestModSeq: mb.modseq}
	for _, m := range mb.msgs {
		if !slices.Contains(m.flags, `\Seen`) {
			st.Unseen++
		}
		if slices.Contains(m.flags, `\Deleted`) {
			st.Deleted++
		}
		st.Size += int64(len(m.body))
	}
	return st
}

func (mb *memBox) publish(ch Change) {
	for w := range mb.watch {
		w.push(ch)
	}
}

func (mb *memBox) add(body []byte, flags []string, date time.Time) *memMsg {
	mb.modseq++
	if date.IsZero() {
		date = time.Date(2026, 11, 26, 1, 2, 3, 0, time.UTC)
	}
	blob, _ := Analyze(bytes.NewReader(body))
	m := &memMsg{uid: mb.uidnext, flags: normFlags(flags), modseq: mb.modseq, date: date, body: body, blob: blob}
	mb.uidnext++
	mb.msgs = append(mb.msgs, m)
	mb.publish(Change{Kind: ChangeAppend, UID: m.uid, ModSeq: m.modseq, Flags: m.flags})
	return m
}

func normFlags(f []string) []string {
	out := slices.Clone(f)
	slices.Sort(out)
	return slices.Compact(out)
}

func (u *memUser) Append(ctx context.Context, name string, msg AppendMessage, body io.Reader) (AppendResult, error) {
	data, err := io.ReadAll(body)
	if err != nil {
		return AppendResult{}, err
	}
	u.b.mu.Lock()
	defer u.b.mu.Unlock()
	mb, err := u.box(name)
	if err != nil {
		return AppendResult{}, err
	}
	m := mb.add(data, msg.Flags, msg.InternalDate)
	return AppendResult{UIDValidity: mb.uidval, UID: m.uid}, nil
}

func (u *memUser) Select(ctx context.Context, name string, readOnly bool) (Mailbox, error) {
	u.b.mu.Lock()
	defer u.b.mu.Unlock()
	mb, err := u.box(name)
	if err != nil {
		return nil, err
	}
	w := &memMailbox{b: u.b, mb: mb, ready: make(chan struct{}, 1), st: mb.status()}
	for _, m := range mb.msgs {
		w.snap = append(w.snap, MessageMeta{UID: m.uid, ModSeq: m.modseq, Flags: m.flags})
	}
	mb.watch[w] = struct{}{}
	return w, nil
}

type memMailbox struct {
	b       *memBackend
	mb      *memBox
	st      MailboxStatus
	snap    []MessageMeta
	ready   chan struct{}
	pmu     sync.Mutex
	pending []Change
	over    bool
}

func (w *memMailbox) push(ch Change) {
	w.pmu.Lock()
	if len(w.pending) > 100000 {
		w.over = true
		w.pending = nil
	} else {
		w.pending = append(w.pending, ch)
	}
	w.pmu.Unlock()
	select {
	case w.ready <- struct{}{}:
	default:
	}
}

func (w *memMailbox) Status() MailboxStatus    { return w.st }
func (w *memMailbox) PermanentFlags() []string { return nil }

func (w *memMailbox) Snapshot(ctx context.Context, fn func(MessageMeta) error) error {
	for _, m := range w.snap {
		if err := fn(m); err != nil {
			return err
		}
	}
	w.snap = nil
	return nil
}

func (w *memMailbox) Resync(ctx context.Context, fn func(MessageMeta) error) error {
	w.b.mu.Lock()
	var list []MessageMeta
	for _, m := range w.mb.msgs {
		list = append(list, MessageMeta{UID: m.uid, ModSeq: m.modseq, Flags: m.flags})
	}
	w.b.mu.Unlock()
	for _, m := range list {
		if err := fn(m); err != nil {
			return err
		}
	}
	return nil
}

type memMessage struct{ m memMsg }

func (x *memMessage) UID() uint32             { return x.m.uid }
func (x *memMessage) Flags() []string         { return x.m.flags }
func (x *memMessage) ModSeq() uint64          { return x.m.modseq }
func (x *memMessage) InternalDate() time.Time { return x.m.date }
func (x *memMessage) Size() int64             { return int64(len(x.m.body)) }
func (x *memMessage) Structure() []byte       { return x.m.blob }
func (x *memMessage) Open() (MessageReader, error) {
	return nopCloser{bytes.NewReader(x.m.body)}, nil
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

func (w *memMailbox) Fetch(ctx context.Context, uids []uint32, fn func(Message) error) error {
	w.b.mu.Lock()
	var sel []memMsg
	for _, m := range w.mb.msgs {
		if _, ok := slices.BinarySearch(uids, m.uid); ok {
			sel = append(sel, *m)
		}
	}
	w.b.mu.Unlock()
	for i := range sel {
		if err := fn(&memMessage{sel[i]}); err != nil {
			return err
		}
	}
	return nil
}

func (w *memMailbox) Store(ctx context.Context, uids []uint32, op StoreOp, flags []string, unchangedSince uint64, fn func(MessageMeta)) ([]uint32, error) {
	w.b.mu.Lock()
	var failed []uint32
	var res []MessageMeta
	for _, m := range w.mb.msgs {
		if _, ok := slices.BinarySearch(uids, m.uid); !ok {
			continue
		}
		if unchangedSince != 0 && m.modseq > unchangedSince {
			failed = append(failed, m.uid)
			continue
		}
		var nf []string
		switch op {
		case StoreReplace:
			nf = normFlags(flags)
		case StoreAdd:
			nf = normFlags(append(slices.Clone(m.flags), flags...))
		case StoreRemove:
			for _, f := range m.flags {
				if !slices.ContainsFunc(flags, func(x string) bool { return strings.EqualFold(x, f) }) {
					nf = append(nf, f)
				}
			}
		}
		if !slices.Equal(nf, m.flags) {
			w.mb.modseq++
			m.modseq = w.mb.modseq
			m.flags = nf
			w.mb.publish(Change{Kind: ChangeFlags, UID: m.uid, ModSeq: m.modseq, Flags: m.flags})
		}
		res = append(res, MessageMeta{UID: m.uid, ModSeq: m.modseq, Flags: m.flags})
	}
	w.b.mu.Unlock()
	for _, r := range res {
		fn(r)
	}
	return failed, nil
}

func (w *memMailbox) expungeLocked(uids []uint32) []uint32 {
	var removed []uint32
	kept := w.mb.msgs[:0]
	for _, m := range w.mb.msgs {
		if _, ok := slices.BinarySearch(uids, m.uid); ok {
			removed = append(removed, m.uid)
			w.mb.modseq++
			w.mb.publish(Change{Kind: ChangeExpunge, UID: m.uid, ModSeq: w.mb.modseq})
			continue
		}
		kept = append(kept, m)
	}
	w.mb.msgs = kept
	return removed
}

func (w *memMailbox) Expunge(ctx context.Context, uids []uint32) ([]uint32, error) {
	w.b.mu.Lock()
	defer w.b.mu.Unlock()
	return w.expungeLocked(uids), nil
}

func (w *memMailbox) copy(uids []uint32, dest string, move bool) (CopyResult, error) {
	w.b.mu.Lock()
	defer w.b.mu.Unlock()
	dst, ok := w.b.boxes[dest]
	if !ok {
		return CopyResult{}, ErrNoSuchMailbox
	}
	res := CopyResult{UIDValidity: dst.uidval}
	for _, m := range w.mb.msgs {
		if _, ok := slices.BinarySearch(uids, m.uid); ok {
			n := dst.add(m.body, m.flags, m.date)
			res.SourceUIDs = append(res.SourceUIDs, m.uid)
			res.DestUIDs = append(res.DestUIDs, n.uid)
		}
	}
	if move {
		w.expungeLocked(res.SourceUIDs)
	}
	return res, nil
}

func (w *memMailbox) Copy(ctx context.Context, uids []uint32, dest string) (CopyResult, error) {
	return w.copy(uids, dest, false)
}

func (w *memMailbox) Move(ctx context.Context, uids []uint32, dest string) (CopyResult, error) {
	return w.copy(uids, dest, true)
}

func (w *memMailbox) Updates() <-chan struct{} { return w.ready }

func (w *memMailbox) Changes() ([]Change, bool) {
	w.pmu.Lock()
	defer w.pmu.Unlock()
	ch, over := w.pending, w.over
	w.pending, w.over = nil, false
	return ch, over
}

func (w *memMailbox) Close() error {
	w.b.mu.Lock()
	delete(w.mb.watch, w)
	w.b.mu.Unlock()
	return nil
}

// appendMsg adds a message directly to a mailbox (delivery).
func (b *memBackend) appendMsg(box string, body string, flags ...string) uint32 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.boxes[box].add([]byte(body), flags, time.Time{}).uid
}
