package mailbox

import (
	"context"
	"errors"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"
)

// engine implements Store over a backend. Lock order: engine.mu →
// userState.mu → mbox.mu (two mboxes: by name) → userState.qmu.
type engine struct {
	opts Options
	be   backend

	mu     sync.Mutex
	db     *userDB
	users  map[string]*userState
	closed bool
}

type userState struct {
	name  string
	mu    sync.Mutex
	rec   *userRec // shared with engine.db; written under engine.mu + mu
	boxes map[string]*mbox

	qmu        sync.Mutex
	usageKnown bool
	usedBytes  int64
	usedMsgs   int64
}

type mbox struct {
	user *userState
	name string

	mu   sync.Mutex
	st   *mstate
	be   mbBackend
	gone bool
	feed Feed

	qmu        sync.Mutex
	queue      []*appendReq
	committing bool
}

type appendReq struct {
	item appendItem
	kws  []string
	uid  uint32
	err  error
	done chan struct{}
}

func newEngine(be backend, opts Options) (*engine, error) {
	if opts.ScramIterations <= 0 {
		opts.ScramIterations = 4096
	}
	if opts.MaxMessageSize <= 0 {
		opts.MaxMessageSize = 64 << 20
	}
	if opts.EventBuffer <= 0 {
		opts.EventBuffer = 1024
	}
	if opts.Tombstones <= 0 {
		opts.Tombstones = 100000
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	db, err := be.loadDB()
	if err != nil {
		return nil, err
	}
	db.fill()
	return &engine{opts: opts, be: be, db: db, users: map[string]*userState{}}, nil
}

// ---- users ----

// userLocked returns the state of an existing user; caller holds e.mu.
func (e *engine) userLocked(name string) (*userState, error) {
	if e.closed {
		return nil, ErrClosed
	}
	name = normUser(name)
	rec := e.db.Users[name]
	if rec == nil {
		return nil, ErrNoSuchUser
	}
	u := e.users[name]
	if u == nil {
		u = &userState{name: name, rec: rec}
		e.users[name] = u
	}
	return u, nil
}

func (e *engine) user(name string) (*userState, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.userLocked(name)
}

// loadBoxes fills u.boxes from the backend; caller holds u.mu.
func (e *engine) loadBoxes(u *userState) error {
	names, err := e.be.listMailboxes(u.name)
	if err != nil {
		return err
	}
	if u.boxes == nil {
		u.boxes = map[string]*mbox{}
	}
	seen := map[string]bool{}
	for _, n := range names {
		seen[n] = true
		if u.boxes[n] == nil {
			u.boxes[n] = &mbox{user: u, name: n}
		}
	}
	for n, mb := range u.boxes {
		if !seen[n] {
			e.markGone(mb)
			delete(u.boxes, n)
		}
	}
	return nil
}

func (e *engine) markGone(mb *mbox) {
	mb.mu.Lock()
	mb.gone = true
	if mb.be != nil {
		mb.be.close()
	}
	mb.feed.Publish(Event{Kind: EventGone})
	mb.mu.Unlock()
}

func (e *engine) CreateUser(ctx context.Context, user, password string) error {
	if !validUserName(user) {
		return ErrInvalidName
	}
	name := normUser(user)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return ErrClosed
	}
	if e.db.Users[name] != nil {
		return ErrUserExists
	}
	rec := &userRec{Scram: NewScramCredentials(password, nil, e.opts.ScramIterations), SpecialUse: map[string]string{}}
	if err := e.be.createUser(name); err != nil {
		return err
	}
	rec.Subscribed = []string{"INBOX"}
	for _, f := range DefaultFolders {
		if err := e.be.createMailbox(name, f.Name); err != nil {
			return err
		}
		rec.SpecialUse[f.Name] = f.SpecialUse
		rec.Subscribed = append(rec.Subscribed, f.Name)
	}
	e.db.Users[name] = rec
	if err := e.be.saveDB(e.db); err != nil {
		delete(e.db.Users, name)
		return err
	}
	return nil
}

func (e *engine) DeleteUser(ctx context.Context, user string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, err := e.userLocked(user)
	if err != nil {
		return err
	}
	u.mu.Lock()
	for _, mb := range u.boxes {
		e.markGone(mb)
	}
	u.boxes = nil
	u.mu.Unlock()
	delete(e.users, u.name)
	delete(e.db.Users, u.name)
	for a, t := range e.db.Aliases {
		if t == u.name {
			delete(e.db.Aliases, a)
		}
	}
	for d, t := range e.db.CatchAll {
		if t == u.name {
			delete(e.db.CatchAll, d)
		}
	}
	if err := e.be.saveDB(e.db); err != nil {
		return err
	}
	return e.be.deleteUser(u.name)
}

func (e *engine) RenameUser(ctx context.Context, oldName, newName string) error {
	if !validUserName(newName) {
		return ErrInvalidName
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	u, err := e.userLocked(oldName)
	if err != nil {
		return err
	}
	nn := normUser(newName)
	if e.db.Users[nn] != nil {
		return ErrUserExists
	}
	u.mu.Lock()
	for _, mb := range u.boxes {
		e.markGone(mb)
	}
	u.boxes = nil
	u.mu.Unlock()
	if err := e.be.renameUser(u.name, nn); err != nil {
		return err
	}
	delete(e.users, u.name)
	e.db.Users[nn] = e.db.Users[u.name]
	delete(e.db.Users, u.name)
	for a, t := range e.db.Aliases {
		if t == u.name {
			e.db.Aliases[a] = nn
		}
	}
	for d, t := range e.db.CatchAll {
		if t == u.name {
			e.db.CatchAll[d] = nn
		}
	}
	return e.be.saveDB(e.db)
}

func (e *engine) SetPassword(ctx context.Context, user, password string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, err := e.userLocked(user)
	if err != nil {
		return err
	}
	u.mu.Lock()
	u.rec.Scram = NewScramCredentials(password, nil, e.opts.ScramIterations)
	u.mu.Unlock()
	return e.be.saveDB(e.db)
}

func (e *engine) ListUsers(ctx context.Context) ([]string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]string, 0, len(e.db.Users))
	for n := range e.db.Users {
		out = append(out, n)
	}
	sort.Strings(out)
	return out, nil
}

func (e *engine) ScramCredentials(ctx context.Context, user string) (ScramCredentials, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, err := e.userLocked(user)
	if err != nil {
		return ScramCredentials{}, err
	}
	return u.rec.Scram, nil
}

// dummyScram makes VerifyPassword for unknown users cost the same PBKDF2.
var dummyScram = sync.OnceValue(func() ScramCredentials {
	return NewScramCredentials("", []byte("mailwire-dummy-salt"), 4096)
})

func (e *engine) VerifyPassword(ctx context.Context, user, password string) error {
	creds, err := e.ScramCredentials(ctx, user)
	if errors.Is(err, ErrNoSuchUser) {
		verifyScram(dummyScram(), password)
		return ErrNoSuchUser
	}
	if err != nil {
		return err
	}
	if !verifyScram(creds, password) {
		return ErrAuthFailed
	}
	return nil
}

// ---- addresses ----

func normDomain(d string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
}

func (e *engine) AddDomain(ctx context.Context, domain string) error {
	d := normDomain(domain)
	if d == "" {
		return ErrInvalidName
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.db.Domains[d] = true
	return e.be.saveDB(e.db)
}

func (e *engine) RemoveDomain(ctx context.Context, domain string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.db.Domains, normDomain(domain))
	return e.be.saveDB(e.db)
}

func (e *engine) Domains(ctx context.Context) ([]string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]string, 0, len(e.db.Domains))
	for d := range e.db.Domains {
		out = append(out, d)
	}
	sort.Strings(out)
	return out, nil
}

func (e *engine) SetAlias(ctx context.Context, alias, user string) error {
	local, domain := splitAddr(alias)
	if local == "" || domain == "" {
		return ErrInvalidName
	}
	key := strings.ToLower(local) + "@" + domain
	e.mu.Lock()
	defer e.mu.Unlock()
	if user == "" {
		delete(e.db.Aliases, key)
	} else {
		if e.db.Users[normUser(user)] == nil {
			return ErrNoSuchUser
		}
		e.db.Aliases[key] = normUser(user)
	}
	return e.be.saveDB(e.db)
}

func (e *engine) Aliases(ctx context.Context) (map[string]string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make(map[string]string, len(e.db.Aliases))
	for k, v := range e.db.Aliases {
		out[k] = v
	}
	return out, nil
}

func (e *engine) SetCatchAll(ctx context.Context, domain, user string) error {
	d := normDomain(domain)
	e.mu.Lock()
	defer e.mu.Unlock()
	if user == "" {
		delete(e.db.CatchAll, d)
	} else {
		if e.db.Users[normUser(user)] == nil {
			return ErrNoSuchUser
		}
		e.db.CatchAll[d] = normUser(user)
	}
	return e.be.saveDB(e.db)
}

func (e *engine) ResolveRecipient(ctx context.Context, addr string) (string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.db.resolve(addr)
}

// ---- quotas and metadata ----

// ensureUsage computes the user's usage once by loading every mailbox.
func (e *engine) ensureUsage(u *userState) error {
	u.qmu.Lock()
	known := u.usageKnown
	u.qmu.Unlock()
	if known {
		return nil
	}
	u.mu.Lock()
	if u.boxes == nil {
		if err := e.loadBoxes(u); err != nil {
			u.mu.Unlock()
			return err
		}
	}
	boxes := make([]*mbox, 0, len(u.boxes))
	for _, mb := range u.boxes {
		boxes = append(boxes, mb)
	}
	u.mu.Unlock()
	var bytes, msgs int64
	// Hold every mailbox lock while summing so no commit slips between.
	sort.Slice(boxes, func(i, j int) bool { return boxes[i].name < boxes[j].name })
	for _, mb := range boxes {
		mb.mu.Lock()
	}
	defer func() {
		for _, mb := range boxes {
			mb.mu.Unlock()
		}
	}()
	for _, mb := range boxes {
		if mb.gone {
			continue
		}
		if err := e.loadLocked(mb); err != nil {
			return err
		}
		bytes += mb.st.size
		msgs += int64(len(mb.st.msgs))
	}
	u.qmu.Lock()
	if !u.usageKnown {
		u.usageKnown, u.usedBytes, u.usedMsgs = true, bytes, msgs
	}
	u.qmu.Unlock()
	return nil
}

func (u *userState) addUsage(bytes, msgs int64) {
	u.qmu.Lock()
	if u.usageKnown {
		u.usedBytes += bytes
		u.usedMsgs += msgs
	}
	u.qmu.Unlock()
}

// reserve checks the quota and charges it (RFC 9208 §5.1: the operation
// fails if it would exceed any limit).
func (u *userState) reserve(limBytes, limMsgs, bytes, msgs int64) bool {
	u.qmu.Lock()
	defer u.qmu.Unlock()
	if limBytes > 0 && u.usedBytes+bytes > limBytes || limMsgs > 0 && u.usedMsgs+msgs > limMsgs {
		return false
	}
	u.usedBytes += bytes
	u.usedMsgs += msgs
	return true
}

func (e *engine) limits(u *userState) (int64, int64) {
	u.qmu.Lock()
	defer u.qmu.Unlock()
	return u.rec.StorageLimit, u.rec.MessageLimit
}

func (e *engine) GetQuota(ctx context.Context, user string) (Quota, error) {
	u, err := e.user(user)
	if err != nil {
		return Quota{}, err
	}
	if err := e.ensureUsage(u); err != nil {
		return Quota{}, err
	}
	u.qmu.Lock()
	defer u.qmu.Unlock()
	return Quota{StorageUsed: u.usedBytes, StorageLimit: u.rec.StorageLimit, MessagesUsed: u.usedMsgs, MessageLimit: u.rec.MessageLimit}, nil
}

func (e *engine) SetQuota(ctx context.Context, user string, storageLimit, messageLimit int64) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, err := e.userLocked(user)
	if err != nil {
		return err
	}
	u.qmu.Lock()
	u.rec.StorageLimit, u.rec.MessageLimit = max(storageLimit, 0), max(messageLimit, 0)
	u.qmu.Unlock()
	return e.be.saveDB(e.db)
}

func (e *engine) GetMetadata(ctx context.Context, user, mailbox string) (map[string][]byte, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, err := e.userLocked(user)
	if err != nil {
		return nil, err
	}
	src := u.rec.Meta
	if mailbox != "" {
		name, err := canonName(mailbox)
		if err != nil {
			return nil, err
		}
		if err := e.mustExist(u, name); err != nil {
			return nil, err
		}
		src = u.rec.MailboxMeta[name]
	}
	out := make(map[string][]byte, len(src))
	for k, v := range src {
		out[k] = append([]byte(nil), v...)
	}
	return out, nil
}

func (e *engine) SetMetadata(ctx context.Context, user, mailbox, key string, value []byte) error {
	if key == "" || len(key) > 1024 {
		return ErrInvalidName
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	u, err := e.userLocked(user)
	if err != nil {
		return err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	m := &u.rec.Meta
	if mailbox != "" {
		name, err := canonName(mailbox)
		if err != nil {
			return err
		}
		if err := e.mustExistLocked(u, name); err != nil {
			return err
		}
		if u.rec.MailboxMeta == nil {
			u.rec.MailboxMeta = map[string]map[string][]byte{}
		}
		mm := u.rec.MailboxMeta[name]
		m = &mm
		defer func() { u.rec.MailboxMeta[name] = mm }()
	}
	old, existed := (*m)[key]
	if value == nil {
		delete(*m, key)
	} else {
		if *m == nil {
			*m = map[string][]byte{}
		}
		(*m)[key] = append([]byte(nil), value...)
	}
	if err := e.be.saveDB(e.db); err != nil {
		return err
	}
	if changed := value == nil && existed || value != nil && (!existed || string(old) != string(value)); changed {
		// NOTIFY MailboxMetadataChange / ServerMetadataChange (feed_user.go).
		ev := ListEvent{Kind: ListMetadata, Entry: key}
		if mailbox != "" {
			ev.Name, _ = canonName(mailbox)
		}
		e.publishList(ctx, u.name, ev)
	}
	return nil
}

func (e *engine) mustExist(u *userState, name string) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	return e.mustExistLocked(u, name)
}

func (e *engine) mustExistLocked(u *userState, name string) error {
	if u.boxes == nil {
		if err := e.loadBoxes(u); err != nil {
			return err
		}
	}
	if u.boxes[name] == nil {
		return ErrNoSuchMailbox
	}
	return nil
}

func (e *engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return nil
	}
	e.closed = true
	for _, u := range e.users {
		u.mu.Lock()
		for _, mb := range u.boxes {
			mb.mu.Lock()
			if mb.be != nil {
				mb.be.close()
			}
			mb.gone = true
			mb.mu.Unlock()
		}
		u.mu.Unlock()
	}
	return e.be.close()
}
