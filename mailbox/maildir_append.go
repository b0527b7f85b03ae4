package mailbox

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// ---- staging and commits ----

type mdStaged struct {
	path     string
	n        int64
	unsynced bool // staged with syncNow=false and not synced yet

	// For the group flush (maildir_flush.go): a directory on the body's
	// file system and that file system's device.
	fsys  *os.File
	dev   uint64
	devOK bool
}

func (s *mdStaged) size() int64                    { return s.n }
func (s *mdStaged) reader() (io.ReadCloser, error) { return os.Open(s.path) }

func (s *mdStaged) discard() { os.Remove(s.path) }

// sync makes a body staged without syncNow durable. It reopens the file
// (fsync works per inode) so a big batch does not hold a descriptor per
// message.
func (s *mdStaged) sync() error {
	if !s.unsynced {
		return nil
	}
	f, err := os.Open(s.path)
	if err != nil {
		return err
	}
	err = datasync(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		s.unsynced = false
	}
	return err
}

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 64<<10); return &b }}

func (m *mdBox) stage(r io.Reader, limit int64, mtime time.Time, syncNow bool) (staged, error) {
	name := strconv.FormatInt(time.Now().UnixNano(), 10) + ".P" + strconv.Itoa(m.b.pid) + "Q" + strconv.FormatUint(m.b.counter.Add(1), 10) + ".mailwire"
	p := filepath.Join(m.dir, "tmp", name)
	f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, err
	}
	bp := copyBufs.Get().(*[]byte)
	n, err := io.CopyBuffer(f, io.LimitReader(r, limit+1), *bp)
	copyBufs.Put(bp)
	if err == nil && n > limit {
		err = ErrTooBig
	}
	if err == nil && !mtime.IsZero() && time.Since(mtime).Abs() > 2*time.Second {
		// Dovecot's convention: the file's mtime is the internal date,
		// which lets a rebuild recover it.
		err = os.Chtimes(p, mtime, mtime)
	}
	if err == nil && syncNow {
		err = datasync(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(p)
		return nil, err
	}
	s := &mdStaged{path: p, n: n, unsynced: !syncNow, fsys: m.dirs[dirNew]}
	if s.unsynced {
		s.dev, s.devOK = fileSystemID(s.fsys)
	}
	return s, nil
}

func (m *mdBox) syncDirs(touched [2]bool) error {
	for i, t := range touched {
		if t {
			if err := m.dirs[i].Sync(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (m *mdBox) commitAppend(st *mstate, items []*appendItem) error {
	var touched [2]bool
	done := 0
	var err error
	for _, it := range items {
		if it.rec.sys == 0 && it.rec.kwset == 0 {
			it.rec.bits |= bitInNew
		}
		d, name := m.fileName(st, &it.rec)
		touched[d] = true
		if err = os.Rename(it.st.(*mdStaged).path, filepath.Join(m.dir, subdirs[d], name)); err != nil {
			break
		}
		done++
	}
	var derr error
	if err == nil {
		// The directory fsync and the index append run in parallel; success
		// needs both. A crash after the index record is durable but before
		// the renames are leaves a record whose file is still in tmp/: the
		// next open expunges it, and it was never acknowledged.
		dirErr := make(chan error, 1)
		go func() { dirErr <- m.syncDirs(touched) }()
		buf := m.kwRecords(nil, st)
		for _, it := range items {
			start := len(buf)
			buf = appendRecord(buf, encAppend(nil, &it.rec, st.kw.set(it.rec.kwset), it.cache))
			it.rec.loc, it.rec.reclen = m.off+int64(start), uint32(len(buf)-start)
		}
		err = m.write(buf)
		derr = <-dirErr
	}
	if err != nil {
		// Put renamed files back so that nothing unacknowledged stays visible.
		for _, it := range items[:done] {
			os.Rename(m.path(st, &it.rec), it.st.(*mdStaged).path)
		}
		return err
	}
	m.loggedKw = len(st.kw.names)
	for _, it := range items {
		m.live += int64(it.rec.reclen)
	}
	m.noteChange()
	if derr != nil {
		// Logged but maybe not durable: the engine keeps the records (they
		// are in the log) and reports failure.
		return &notDurableError{derr}
	}
	return nil
}
