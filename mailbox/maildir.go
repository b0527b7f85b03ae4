package mailbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Maildir is the on-disk store: standard Maildir++ under a data directory.
//
//	<data>/.mailwire/users.json      accounts, domains, aliases, subscriptions, metadata
//	<data>/.mailwire/uidvalidity     last UIDVALIDITY handed out
//	<data>/<user>/Maildir/           INBOX: cur/ new/ tmp/ + mailwire.index, mailwire.lock
//	<data>/<user>/Maildir/.A.B/      mailbox "A/B" (Maildir++ folder, with a maildirfolder file)
//
// Mailbox name levels are joined with '.'; a '.' or '%' inside a level is
// written %2E / %25. Message files are named
// "<savetime>.V<uidvalidity>U<uid>.mailwire,S=<size>" in new/ (delivered,
// never flagged) or with ":2,<flags>" in cur/ (flags D F R S T), so other
// Maildir tools can read them and a lost index can be rebuilt with the
// same UIDs.
type Maildir struct{ *engine }

// OpenMaildir opens (creating if needed) a Maildir store in dir.
func OpenMaildir(dir string, opts Options) (*Maildir, error) {
	if err := os.MkdirAll(filepath.Join(dir, ".mailwire", "trash"), 0o700); err != nil {
		return nil, err
	}
	be := &mdBackend{root: dir, pid: os.Getpid()}
	e, err := newEngine(be, opts)
	if err != nil {
		return nil, err
	}
	be.opts = &e.opts
	return &Maildir{e}, nil
}

// EnsureUser creates user with password unless it exists (then it only
// sets the password): handy for servers that provision a fixed account.
func (m *Maildir) EnsureUser(user, password string) error {
	return ensureUser(m.engine, user, password)
}

// EnsureUser is the memory store's EnsureUser.
func (m *Memory) EnsureUser(user, password string) error { return ensureUser(m.engine, user, password) }

func ensureUser(e *engine, user, password string) error {
	err := e.CreateUser(context.Background(), user, password)
	if errors.Is(err, ErrUserExists) {
		return e.SetPassword(context.Background(), user, password)
	}
	return err
}

type mdBackend struct {
	root    string
	pid     int
	opts    *Options
	counter atomic.Uint64
	uvMu    sync.Mutex
}

func (b *mdBackend) metaPath(name string) string { return filepath.Join(b.root, ".mailwire", name) }

func (b *mdBackend) loadDB() (*userDB, error) {
	data, err := os.ReadFile(b.metaPath("users.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return newUserDB(), nil
	}
	if err != nil {
		return nil, err
	}
	db := newUserDB()
	if err := json.Unmarshal(data, db); err != nil {
		return nil, fmt.Errorf("mailbox: %s: %w", b.metaPath("users.json"), err)
	}
	return db, nil
}

// writeFileDurable writes path atomically: temp file, fsync, rename, fsync dir.
func writeFileDurable(path string, data []byte) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	d.Close()
	return err
}

func (b *mdBackend) saveDB(db *userDB) error {
	data, err := json.Marshal(db)
	if err != nil {
		return err
	}
	return writeFileDurable(b.metaPath("users.json"), data)
}

func (b *mdBackend) userDir(user string) string { return filepath.Join(b.root, user, "Maildir") }

// encodeLevel escapes the Maildir++ separator in one name level.
func encodeLevel(l string) string {
	if !strings.ContainsAny(l, ".%") {
		return l
	}
	l = strings.ReplaceAll(l, "%", "%25")
	return strings.ReplaceAll(l, ".", "%2E")
}

func decodeLevel(l string) string {
	if !strings.Contains(l, "%") {
		return l
	}
	l = strings.ReplaceAll(l, "%2E", ".")
	l = strings.ReplaceAll(l, "%2e", ".")
	return strings.ReplaceAll(l, "%25", "%")
}

// folderDir maps a canonical mailbox name to its directory name ("" for INBOX).
func folderDir(name string) string {
	if name == "INBOX" {
		return ""
	}
	levels := strings.Split(name, "/")
	for i, l := range levels {
		levels[i] = encodeLevel(l)
	}
	return "." + strings.Join(levels, ".")
}

func folderName(dir string) string {
	levels := strings.Split(dir[1:], ".")
	for i, l := range levels {
		levels[i] = decodeLevel(l)
	}
	return strings.Join(levels, "/")
}

func (b *mdBackend) mailboxDir(user, name string) string {
	return filepath.Join(b.userDir(user), folderDir(name))
}

func (b *mdBackend) createUser(user string) error {
	dir := b.userDir(user)
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return err
	}
	return b.createMailbox(user, "INBOX")
}

func (b *mdBackend) trashPath() string {
	return b.metaPath(filepath.Join("trash", strconv.FormatInt(time.Now().UnixNano(), 36)+"."+strconv.FormatUint(b.counter.Add(1), 36)))
}

// removeDir makes dir disappear atomically (rename into .mailwire/trash)
// and then deletes it.
func (b *mdBackend) removeDir(dir string) error {
	t := b.trashPath()
	if err := os.Rename(dir, t); err != nil {
		return err
	}
	syncDir(filepath.Dir(dir))
	return os.RemoveAll(t)
}

func (b *mdBackend) deleteUser(user string) error {
	err := b.removeDir(filepath.Join(b.root, user))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

func (b *mdBackend) renameUser(o, n string) error {
	if err := os.Rename(filepath.Join(b.root, o), filepath.Join(b.root, n)); err != nil {
		return err
	}
	return syncDir(b.root)
}

func (b *mdBackend) listMailboxes(user string) ([]string, error) {
	ents, err := os.ReadDir(b.userDir(user))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return []string{"INBOX"}, nil
		}
		return nil, err
	}
	out := []string{"INBOX"}
	for _, e := range ents {
		n := e.Name()
		if len(n) < 2 || n[0] != '.' || n == ".." || !e.IsDir() {
			continue
		}
		name, err := canonName(folderName(n))
		if err != nil || name == "INBOX" {
			continue
		}
		out = append(out, name)
	}
	return out, nil
}

// nextUIDValidity hands out strictly increasing UIDVALIDITY values (at
// least the current time), so a re-created mailbox never reuses one
// (RFC 9051 §2.3.1.1).
func (b *mdBackend) nextUIDValidity() uint32 {
	b.uvMu.Lock()
	defer b.uvMu.Unlock()
	p := b.metaPath("uidvalidity")
	var last uint64
	if data, err := os.ReadFile(p); err == nil {
		last, _ = strconv.ParseUint(strings.TrimSpace(string(data)), 10, 32)
	}
	v := max(uint32(last)+1, uint32(time.Now().Unix()))
	writeFileDurable(p, []byte(strconv.FormatUint(uint64(v), 10)))
	return v
}

func (b *mdBackend) createMailbox(user, name string) error {
	dir := b.mailboxDir(user, name)
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return err
		}
	}
	if name != "INBOX" {
		os.WriteFile(filepath.Join(dir, "maildirfolder"), nil, 0o600)
	}
	// Write the index with a fresh UIDVALIDITY now, so that a deleted and
	// re-created mailbox never gets the old one back.
	idx := filepath.Join(dir, indexName)
	if _, err := os.Stat(idx); err == nil {
		return nil
	}
	st := newMState(b.nextUIDValidity(), 0)
	data := appendRecord([]byte(idxMagic), encValidity(st))
	if err := writeFileDurable(idx, data); err != nil {
		return err
	}
	return syncDir(filepath.Dir(dir))
}

func (b *mdBackend) deleteMailbox(user, name string) error {
	err := b.removeDir(b.mailboxDir(user, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

func (b *mdBackend) renameMailbox(user, o, n string) error {
	udir := b.userDir(user)
	ents, err := os.ReadDir(udir)
	if err != nil {
		return err
	}
	od, nd := folderDir(o), folderDir(n)
	for _, e := range ents {
		name := e.Name()
		if name != od && !strings.HasPrefix(name, od+".") {
			continue
		}
		if err := os.Rename(filepath.Join(udir, name), filepath.Join(udir, nd+name[len(od):])); err != nil {
			return err
		}
	}
	return syncDir(udir)
}

func (b *mdBackend) openMailbox(user, name string) (mbBackend, *mstate, error) {
	dir := b.mailboxDir(user, name)
	if _, err := os.Stat(dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, ErrNoSuchMailbox
		}
		return nil, nil, err
	}
	return openMDBox(b, dir)
}

func (b *mdBackend) close() error { return nil }
