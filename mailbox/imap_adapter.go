package mailbox

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/mailwire/mailwire/imap"
	"github.com/mailwire/mailwire/imap/imapserver"
)

// IMAPAnalyze is the analyzer to put in Options.Analyze for stores served
// over IMAP: it caches each message's ENVELOPE, BODYSTRUCTURE and part
// offsets when the message is stored, so that FETCH never re-parses bodies,
// and the header fields SORT and THREAD need (References included), so
// that they never open message files (the blob format is documented at
// imapserver.Analyze).
var IMAPAnalyze = imapserver.Analyze

// IMAPBackend makes a Store an imapserver.Backend. Sessions see mailboxes
// through the store's change feed (Store.Watch), which drives the untagged
// EXISTS, EXPUNGE and FETCH responses of every session.
type IMAPBackend struct {
	Store Store
	// StructureCacheSize bounds the memory kept for cached message
	// structures shared by all sessions (default 64 MiB): FETCH ENVELOPE
	// and BODYSTRUCTURE of recently used messages then cost no store read.
	StructureCacheSize int

	cacheOnce sync.Once
	cache     *blobCache
	lists     *listCache
}

// listCache shares the message list of recently fetched mailboxes between
// FETCH commands and sessions, keyed by HIGHESTMODSEQ (which every append,
// flag change and expunge increases), so a FETCH of a few messages does
// not copy the whole index.
type listCache struct {
	mu sync.Mutex
	m  map[listKey]listEntry
}

type listKey struct{ user, mailbox string }

type listEntry struct {
	uidValidity uint32
	modseq      uint64
	list        []MessageInfo
}

const listCacheEntries = 64

func (c *listCache) get(k listKey, uidValidity uint32, modseq uint64) []MessageInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || e.modseq != modseq || e.uidValidity != uidValidity {
		return nil
	}
	return e.list
}

func (c *listCache) put(k listKey, uidValidity uint32, modseq uint64, list []MessageInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[listKey]listEntry)
	}
	if len(c.m) >= listCacheEntries {
		for old := range c.m { // evict one at random
			delete(c.m, old)
			break
		}
	}
	c.m[k] = listEntry{uidValidity, modseq, list}
}

// NewIMAPBackend returns a backend serving s.
func NewIMAPBackend(s Store) *IMAPBackend { return &IMAPBackend{Store: s} }

func (b *IMAPBackend) blobs() *blobCache {
	b.cacheOnce.Do(func() {
		max := b.StructureCacheSize
		if max <= 0 {
			max = 64 << 20
		}
		b.cache = &blobCache{m: make(map[blobKey][]byte), max: max}
		b.lists = &listCache{}
	})
	return b.cache
}

// blobCache keeps analysis blobs by (user, mailbox, UIDVALIDITY, UID),
// which never change for a stored message; FIFO eviction bounds it.
type blobCache struct {
	mu    sync.Mutex
	m     map[blobKey][]byte
	order []blobKey
	head  int
	size  int
	max   int
}

type blobKey struct {
	user, mailbox    string
	uidValidity, uid uint32
}

func (c *blobCache) get(k blobKey) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.m[k]
	return b, ok
}

func (c *blobCache) put(k blobKey, b []byte) {
	cost := len(b) + len(k.user) + len(k.mailbox) + 64
	if cost > c.max/16 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; ok {
		return
	}
	c.m[k] = b
	c.order = append(c.order, k)
	c.size += cost
	for c.size > c.max && c.head < len(c.order) {
		old := c.order[c.head]
		c.order[c.head] = blobKey{}
		c.head++
		if ob, ok := c.m[old]; ok {
			c.size -= len(ob) + len(old.user) + len(old.mailbox) + 64
			delete(c.m, old)
		}
	}
	if c.head > len(c.order)/2 && c.head > 1024 {
		c.order = append(c.order[:0], c.order[c.head:]...)
		c.head = 0
	}
}

var _ imapserver.Backend = (*IMAPBackend)(nil)

// NewSession implements imapserver.Backend.
func (b *IMAPBackend) NewSession(ctx context.Context, _ imapserver.ConnInfo) (imapserver.Session, error) {
	return &imapSession{store: b.Store, cache: b.blobs(), lists: b.lists}, nil
}

type imapSession struct {
	store Store
	cache *blobCache
	lists *listCache
	sasl  imapserver.SASLServer
}

var _ imapserver.SASLSession = (*imapSession)(nil)

// Mechanisms implements imapserver.SASLSession: passwords are stored as
// SCRAM keys, from which all three can be verified.
func (s *imapSession) Mechanisms(imapserver.ConnInfo) []string {
	return []string{"PLAIN", "LOGIN", "SCRAM-SHA-256"}
}

func (s *imapSession) Authenticate(ctx context.Context, mech string) (imapserver.SASLServer, error) {
	check := func(authzid, user, pass string) error {
		if authzid != "" && !strings.EqualFold(authzid, user) {
			return imapserver.ErrSASLAuthFailed
		}
		if err := s.store.VerifyPassword(ctx, user, pass); err != nil {
			if errors.Is(err, ErrAuthFailed) || errors.Is(err, ErrNoSuchUser) {
				return imapserver.ErrSASLAuthFailed
			}
			return err
		}
		return nil
	}
	switch strings.ToUpper(mech) {
	case "PLAIN":
		s.sasl = imapserver.NewPlainServer(check)
	case "LOGIN":
		s.sasl = imapserver.NewLoginServer(check)
	case "SCRAM-SHA-256":
		s.sasl = imapserver.NewScramSHA256Server(func(user string) (imapserver.ScramCredentials, error) {
			cr, err := s.store.ScramCredentials(ctx, user)
			if errors.Is(err, ErrNoSuchUser) {
				return cr, imapserver.ErrSASLAuthFailed
			}
			return cr, err
		})
	default:
		return nil, imapserver.ErrAuthFailed
	}
	return s.sasl, nil
}

func (s *imapSession) Authenticated(ctx context.Context) (imapserver.User, error) {
	if s.sasl == nil {
		return nil, imapserver.ErrAuthFailed
	}
	authzid, user := s.sasl.Identity()
	s.sasl = nil
	if authzid != "" && !strings.EqualFold(authzid, user) {
		return nil, imapserver.ErrAuthFailed
	}
	return &imapUser{store: s.store, cache: s.cache, lists: s.lists, name: user}, nil
}

func (s *imapSession) Login(ctx context.Context, username, password string) (imapserver.User, error) {
	if err := s.store.VerifyPassword(ctx, username, password); err != nil {
		if errors.Is(err, ErrAuthFailed) || errors.Is(err, ErrNoSuchUser) {
			return nil, imapserver.ErrAuthFailed
		}
		return nil, err
	}
	return &imapUser{store: s.store, cache: s.cache, lists: s.lists, name: username}, nil
}

func (s *imapSession) Close() error { return nil }

type imapUser struct {
	store Store
	cache *blobCache
	lists *listCache
	name  string
}

// imapErr maps store errors to the errors imapserver turns into response
// codes (RFC 5530).
func imapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrNoSuchMailbox):
		return imapserver.ErrNoSuchMailbox
	case errors.Is(err, ErrMailboxExists):
		return imapserver.ErrMailboxExists
	case errors.Is(err, ErrOverQuota):
		return imapserver.ErrQuota
	case errors.Is(err, ErrHasChildren):
		return imap.ErrNo(imap.CodeHasChildren, "Mailbox has children")
	case errors.Is(err, ErrInvalidName):
		return imap.ErrNo(imap.CodeCannot, "Invalid mailbox name")
	case errors.Is(err, ErrTooBig):
		return imap.ErrNo(imap.CodeTooBig, "Message too big")
	case errors.Is(err, ErrInvalidFlag):
		return imap.ErrNo(imap.CodeLimit, "Invalid or too many keywords")
	}
	return err
}

func (u *imapUser) Username() string { return u.name }
func (u *imapUser) Close() error     { return nil }

func (u *imapUser) ListMailboxes(ctx context.Context) ([]imapserver.MailboxInfo, error) {
	list, err := u.store.ListMailboxes(ctx, u.name)
	if err != nil {
		return nil, imapErr(err)
	}
	out := make([]imapserver.MailboxInfo, len(list))
	for i, m := range list {
		out[i] = imapserver.MailboxInfo{Name: m.Name, Subscribed: m.Subscribed}
		if m.SpecialUse != "" {
			out[i].SpecialUse = []string{m.SpecialUse}
		}
	}
	return out, nil
}

func (u *imapUser) Create(ctx context.Context, name string, specialUse []string) error {
	use := ""
	if len(specialUse) > 0 {
		use = specialUse[0]
	}
	return imapErr(u.store.CreateMailbox(ctx, u.name, name, use))
}

func (u *imapUser) Delete(ctx context.Context, name string) error {
	return imapErr(u.store.DeleteMailbox(ctx, u.name, name))
}

func (u *imapUser) Rename(ctx context.Context, oldName, newName string) error {
	return imapErr(u.store.RenameMailbox(ctx, u.name, oldName, newName))
}

func (u *imapUser) SetSubscribed(ctx context.Context, name string, subscribed bool) error {
	return imapErr(u.store.SetSubscribed(ctx, u.name, name, subscribed))
}

func toIMAPStatus(st MailboxStatus) imapserver.MailboxStatus {
	return imapserver.MailboxStatus{
		Messages:      st.Messages,
		Unseen:        st.Unseen,
		UIDNext:       st.UIDNext,
		UIDValidity:   st.UIDValidity,
		HighestModSeq: st.HighestModSeq,
		Size:          st.Size,
		Deleted:       st.Deleted,
	}
}

func (u *imapUser) Status(ctx context.Context, name string) (imapserver.MailboxStatus, error) {
	st, err := u.store.Status(ctx, u.name, name)
	if err != nil {
		return imapserver.MailboxStatus{}, imapErr(err)
	}
	return toIMAPStatus(st), nil
}

func (u *imapUser) Append(ctx context.Context, name string, msg imapserver.AppendMessage, body io.Reader) (imapserver.AppendResult, error) {
	uid, err := u.store.Append(ctx, u.name, name, body, msg.Flags, msg.InternalDate)
	if err != nil {
		return imapserver.AppendResult{}, imapErr(err)
	}
	st, err := u.store.Status(ctx, u.name, name)
	if err != nil {
		return imapserver.AppendResult{}, imapErr(err)
	}
	return imapserver.AppendResult{UIDValidity: st.UIDValidity, UID: uid}, nil
}

func (u *imapUser) Select(ctx context.Context, name string, readOnly bool) (imapserver.Mailbox, error) {
	// Subscribe before listing: every change after the listing reaches
	// the feed; changes in both are deduplicated by the server.
	sub, err := u.store.Watch(ctx, u.name, name)
	if err != nil {
		return nil, imapErr(err)
	}
	if ss, ok := u.store.(Snapshotter); ok {
		// Compact arrays shared with every session that selects the
		// same state, and counters taken at the same instant.
		snap, err := ss.Snapshot(ctx, u.name, name)
		if err != nil {
			sub.Close()
			return nil, imapErr(err)
		}
		return &imapMailbox{u: u, name: name, sub: sub, status: toIMAPStatus(snap.Status), snap: snap}, nil
	}
	st, err := u.store.Status(ctx, u.name, name)
	if err != nil {
		sub.Close()
		return nil, imapErr(err)
	}
	list, err := u.store.List(ctx, u.name, name)
	if err != nil {
		sub.Close()
		return nil, imapErr(err)
	}
	return &imapMailbox{u: u, name: name, sub: sub, status: toIMAPStatus(st), list: list}, nil
}

type imapMailbox struct {
	u      *imapUser
	name   string
	sub    *Subscription
	mu     sync.Mutex
	status imapserver.MailboxStatus
	list   []MessageInfo    // the snapshot, released after Snapshot
	snap   *MailboxSnapshot // or this one, from a Snapshotter store
	events []Event
	// arrays is the snapshot whose arrays the session's view holds: they
	// may live in a mapping of the index snapshot file, which stays
	// mapped as long as the snapshot is referenced.
	arrays *MailboxSnapshot
}

var _ imapserver.SharedSnapshot = (*imapMailbox)(nil)

// SnapshotArrays implements imapserver.SharedSnapshot with the store's
// shared, read-only snapshot arrays (nil ones for a store that is not a
// Snapshotter: the list is converted). Like Snapshot it is called once.
func (m *imapMailbox) SnapshotArrays() (uids []uint32, modseqs []uint64, flagIDs []uint32, flagSets [][]string) {
	snap := m.snap
	m.snap = nil
	if snap == nil {
		list := m.list
		m.list = nil
		uids = make([]uint32, len(list))
		modseqs = make([]uint64, len(list))
		flagIDs = make([]uint32, len(list))
		for i := range list {
			uids[i], modseqs[i] = list[i].UID, list[i].ModSeq
			flagIDs[i] = uint32(len(flagSets))
			flagSets = append(flagSets, list[i].Flags)
		}
		return uids, modseqs, flagIDs, flagSets
	}
	m.arrays = snap
	return snap.UIDs, snap.ModSeqs, snap.FlagIDs, snap.FlagSets
}

func (m *imapMailbox) Status() imapserver.MailboxStatus {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.status
}

func (m *imapMailbox) PermanentFlags() []string { return nil }

func (m *imapMailbox) Snapshot(ctx context.Context, fn func(imapserver.MessageMeta) error) error {
	if snap := m.snap; snap != nil {
		m.snap = nil
		for i, uid := range snap.UIDs {
			if err := fn(imapserver.MessageMeta{UID: uid, ModSeq: snap.ModSeqs[i], Flags: snap.FlagSets[snap.FlagIDs[i]]}); err != nil {
				return err
			}
		}
		return nil
	}
	list := m.list
	m.list = nil
	for i := range list {
		if err := fn(imapserver.MessageMeta{UID: list[i].UID, ModSeq: list[i].ModSeq, Flags: list[i].Flags}); err != nil {
			return err
		}
	}
	return nil
}

func (m *imapMailbox) Resync(ctx context.Context, fn func(imapserver.MessageMeta) error) error {
	list, err := m.u.store.List(ctx, m.u.name, m.name)
	if err != nil {
		return imapErr(err)
	}
	for i := range list {
		if err := fn(imapserver.MessageMeta{UID: list[i].UID, ModSeq: list[i].ModSeq, Flags: list[i].Flags}); err != nil {
			return err
		}
	}
	return nil
}

// messages returns the mailbox's current index, shared through the
// backend's list cache while HIGHESTMODSEQ is unchanged.
func (m *imapMailbox) messages(ctx context.Context) ([]MessageInfo, error) {
	st, err := m.u.store.Status(ctx, m.u.name, m.name)
	if err != nil {
		return nil, err
	}
	k := listKey{m.u.name, m.name}
	if m.u.lists != nil {
		if l := m.u.lists.get(k, st.UIDValidity, st.HighestModSeq); l != nil {
			return l, nil
		}
	}
	list, err := m.u.store.List(ctx, m.u.name, m.name)
	if err != nil {
		return nil, err
	}
	if m.u.lists != nil && len(list) > 0 {
		// HIGHESTMODSEQ may have moved between Status and List; the
		// entry is then simply never hit.
		m.u.lists.put(k, st.UIDValidity, st.HighestModSeq, list)
	}
	return list, nil
}

func (m *imapMailbox) Fetch(ctx context.Context, uids []uint32, fn func(imapserver.Message) error) error {
	list, err := m.messages(ctx)
	if err != nil {
		return imapErr(err)
	}
	msg := &imapMessage{m: m, ctx: ctx}
	if bb, ok := m.u.store.(blobBatcher); ok && len(uids) >= blobBatchMin {
		msg.win = &blobWindow{store: bb, user: m.u.name, mailbox: m.name, uids: uids}
	}
	k := 0
	for _, uid := range uids {
		for k < len(list) && list[k].UID < uid {
			k++
		}
		if k == len(list) {
			break
		}
		if list[k].UID != uid {
			continue
		}
		msg.info = &list[k]
		if err := fn(msg); err != nil {
			return err
		}
	}
	return nil
}

func (m *imapMailbox) Store(ctx context.Context, uids []uint32, op imapserver.StoreOp, flags []string, unchangedSince uint64, fn func(imapserver.MessageMeta)) ([]uint32, error) {
	fop := FlagsSet
	switch op {
	case imapserver.StoreAdd:
		fop = FlagsAdd
	case imapserver.StoreRemove:
		fop = FlagsRemove
	}
	ups, err := m.u.store.StoreFlags(ctx, m.u.name, m.name, uids, fop, flags, unchangedSince)
	var failed []uint32
	var me *ModifiedError
	if errors.As(err, &me) {
		failed = me.UIDs
		err = nil
	}
	for _, up := range ups {
		fn(imapserver.MessageMeta{UID: up.UID, ModSeq: up.ModSeq, Flags: up.Flags})
	}
	return failed, imapErr(err)
}

func (m *imapMailbox) Expunge(ctx context.Context, uids []uint32) ([]uint32, error) {
	removed, err := m.u.store.Expunge(ctx, m.u.name, m.name, uids)
	return removed, imapErr(err)
}

func (m *imapMailbox) copyMove(ctx context.Context, uids []uint32, dest string, move bool) (imapserver.CopyResult, error) {
	var src, dst []uint32
	var err error
	if move {
		src, dst, err = m.u.store.Move(ctx, m.u.name, m.name, uids, dest)
	} else {
		src, dst, err = m.u.store.Copy(ctx, m.u.name, m.name, uids, dest)
	}
	if err != nil {
		return imapserver.CopyResult{}, imapErr(err)
	}
	st, err := m.u.store.Status(ctx, m.u.name, dest)
	if err != nil {
		return imapserver.CopyResult{}, imapErr(err)
	}
	return imapserver.CopyResult{UIDValidity: st.UIDValidity, SourceUIDs: src, DestUIDs: dst}, nil
}

func (m *imapMailbox) Copy(ctx context.Context, uids []uint32, dest string) (imapserver.CopyResult, error) {
	return m.copyMove(ctx, uids, dest, false)
}

func (m *imapMailbox) Move(ctx context.Context, uids []uint32, dest string) (imapserver.CopyResult, error) {
	return m.copyMove(ctx, uids, dest, true)
}

func (m *imapMailbox) Updates() <-chan struct{} { return m.sub.Ready() }

// SetUpdateFunc implements imapserver.UpdateFuncSetter: a session in IDLE
// is woken by the feed itself instead of a goroutine waiting on Updates.
func (m *imapMailbox) SetUpdateFunc(fn func()) { m.sub.OnReady(fn) }

func (m *imapMailbox) Changes() ([]imapserver.Change, bool) {
	m.events = m.sub.Drain(m.events[:0])
	if len(m.events) == 0 {
		return nil, false
	}
	out := make([]imapserver.Change, 0, len(m.events))
	overflow := false
	for _, ev := range m.events {
		switch ev.Kind {
		case EventAppend:
			out = append(out, imapserver.Change{Kind: imapserver.ChangeAppend, UID: ev.UID, ModSeq: ev.ModSeq, Flags: ev.Flags})
		case EventFlags:
			out = append(out, imapserver.Change{Kind: imapserver.ChangeFlags, UID: ev.UID, ModSeq: ev.ModSeq, Flags: ev.Flags})
		case EventExpunge:
			out = append(out, imapserver.Change{Kind: imapserver.ChangeExpunge, UID: ev.UID, ModSeq: ev.ModSeq})
		case EventOverflow, EventGone:
			overflow = true
		}
		m.mu.Lock()
		if ev.ModSeq > m.status.HighestModSeq {
			m.status.HighestModSeq = ev.ModSeq
		}
		m.mu.Unlock()
	}
	clear(m.events)
	if cap(m.events) > keptPending {
		m.events = nil // a burst: an idle session keeps no large buffer
	}
	return out, overflow
}

func (m *imapMailbox) Close() error { return m.sub.Close() }

// imapMessage is reused for every message of one Fetch call.
type imapMessage struct {
	m    *imapMailbox
	ctx  context.Context
	info *MessageInfo
	win  *blobWindow // batched blob reads of a big Fetch, or nil
}

func (x *imapMessage) UID() uint32             { return x.info.UID }
func (x *imapMessage) Flags() []string         { return x.info.Flags }
func (x *imapMessage) ModSeq() uint64          { return x.info.ModSeq }
func (x *imapMessage) InternalDate() time.Time { return x.info.InternalDate }
func (x *imapMessage) Size() int64             { return x.info.Size }

func (x *imapMessage) Open() (imapserver.MessageReader, error) {
	msg, err := x.m.u.store.Open(x.ctx, x.m.u.name, x.m.name, x.info.UID)
	if err != nil {
		return nil, imapErr(err)
	}
	return msg, nil
}

func (x *imapMessage) Structure() []byte {
	if x.win != nil {
		if b, ok := x.win.blob(x.info.UID); ok {
			return b
		}
	}
	k := blobKey{user: x.m.u.name, mailbox: x.m.name, uidValidity: x.m.status.UIDValidity, uid: x.info.UID}
	if x.m.u.cache != nil {
		if b, ok := x.m.u.cache.get(k); ok {
			return b
		}
	}
	blob, err := x.m.u.store.Cached(x.ctx, x.m.u.name, x.m.name, x.info.UID)
	if err != nil || blob == nil {
		return nil
	}
	if x.m.u.cache != nil {
		x.m.u.cache.put(k, blob)
	}
	return blob
}

// VanishedSince implements imapserver.VanishedSincer with the store's
// expunge tombstones, so QRESYNC names only what was expunged since the
// client's MODSEQ (RFC 7162 §3.2.5.1).
func (m *imapMailbox) VanishedSince(ctx context.Context, modseq uint64) ([]uint32, error) {
	uids, err := m.u.store.VanishedSince(ctx, m.u.name, m.name, modseq)
	return uids, imapErr(err)
}
