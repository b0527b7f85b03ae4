package mailbox

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// ---- staging and commits ----

type mdStaged struct {
	path     string
	n        int64
	unsynced bool // staged with syncNow=false and not synced yet

	// f is the body's descriptor, kept open from staging until the body is
	// durable (release) so that neither its flush nor its analysis reopens
	// it by path; nil when maxOpenStaged bodies are open already.
	f *os.File

	// For the group flush (maildir_flush.go): a directory on the body's
	// file system and that file system's device.
	fsys  *os.File
	dev   uint64
	devOK bool
}

// maxOpenStaged bounds the descriptors of staged bodies kept open (a big
// AppendMany stages many bodies before it flushes them).
const maxOpenStaged = 256

var openStaged atomic.Int32

func (s *mdStaged) size() int64 { return s.n }

func (s *mdStaged) reader() (io.ReadCloser, error) {
	if s.f != nil {
		return io.NopCloser(io.NewSectionReader(s.f, 0, s.n)), nil
	}
	return os.Open(s.path)
}

// release closes the body's descriptor; the owner calls it once the body
// is durable and analysed (the file stays, by path).
func (s *mdStaged) release() {
	if s.f != nil {
		s.f.Close()
		s.f = nil
		openStaged.Add(-1)
	}
}

func (s *mdStaged) discard() {
	s.release()
	os.Remove(s.path)
}

// sync makes a body staged without syncNow durable: through its open
// descriptor, or by reopening the file (fsync works per inode).
func (s *mdStaged) sync() error {
	if !s.unsynced {
		return nil
	}
	if s.f != nil {
		err := datasync(s.f)
		if err == nil {
			s.unsynced = false
		}
		return err
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
	f := m.claimSpare(p) // an expunged message's inode (maildir_spare.go)
	if f == nil {
		var err error
		if f, err = os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_RDWR, 0o600); err != nil {
			return nil, err
		}
	}
	bp := copyBufs.Get().(*[]byte)
	n, err := copyFull(f, io.LimitReader(r, limit+1), *bp)
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
	keep := err == nil && !syncNow && openStaged.Add(1) <= maxOpenStaged
	if err == nil && !syncNow && !keep {
		openStaged.Add(-1)
	}
	if !keep {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		f = nil
	}
	if err != nil {
		os.Remove(p)
		return nil, err
	}
	s := &mdStaged{path: p, n: n, unsynced: !syncNow, f: f, fsys: m.dirs[dirNew]}
	if s.unsynced {
		s.dev, s.devOK = fileSystemID(s.fsys)
	}
	return s, nil
}

// copyFull copies r to w, filling buf before each write: a delivery's body
// arrives as trace fields plus protocol-sized chunks, and a message that
// fits in buf costs one write instead of one per chunk.
func copyFull(w io.Writer, r io.Reader, buf []byte) (int64, error) {
	var n int64
	for {
		k, err := io.ReadFull(r, buf)
		if k > 0 {
			if _, werr := w.Write(buf[:k]); werr != nil {
				return n, werr
			}
			n += int64(k)
		}
		switch err {
		case nil:
		case io.EOF, io.ErrUnexpectedEOF:
			return n, nil
		default:
			return n, err
		}
	}
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
