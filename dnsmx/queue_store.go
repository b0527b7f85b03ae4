package dnsmx

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/mailwire/mailwire/smtp"
)

// On-disk layout of a queue directory:
//
//	tmp/        files being written; removed at start
//	msg/<id>    one file per message: the message as received, then the
//	            envelope record (JSON), then a 12-octet trailer: "MWQ1" and
//	            the message length (uint64, big endian)
//	state/<id>  delivery state (JSON), written atomically after attempts
//
// A message file appears in msg/ only by rename after it was fsync'd, and
// the directory is fsync'd before Enqueue returns (ARCHITECTURE rule 3), so
// msg/ never holds a partial message and holds every acknowledged one.
const (
	trailerMagic = "MWQ1"
	trailerLen   = 12
	// headerScanLimit bounds how much of a message's header is examined
	// for the Message-ID and kept track of for RET=HDRS.
	headerScanLimit = 64 << 10
)

// writerPool recycles the 64 KiB buffers that queue files are written
// through.
var writerPool = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 64<<10) }}

// record is a message's immutable envelope.
type record struct {
	ID         string
	From       string
	Rcpts      []Recipient
	EnvelopeID string         `json:",omitempty"`
	Return     smtp.DSNReturn `json:",omitempty"`
	BodyType   smtp.BodyType  `json:",omitempty"`
	SMTPUTF8   bool           `json:",omitempty"`
	Created    time.Time
	// MessageID is the message's Message-ID without angle brackets.
	MessageID string
	// AddMessageID: the message had no Message-ID; one is prepended when
	// it is sent, the same on every attempt.
	AddMessageID bool `json:",omitempty"`
	// Size is the length of the stored message; HeaderLen the length of
	// its header including the blank line (0 when not found within
	// headerScanLimit).
	Size      int64
	HeaderLen int64
}

// rcptState is one recipient's mutable delivery state.
type rcptState struct {
	Status        Status      `json:",omitempty"` // 0 while pending
	Attempts      int         `json:",omitempty"`
	Next          time.Time   `json:",omitzero"`
	LastAttempt   time.Time   `json:",omitzero"`
	Reply         *smtp.Error `json:",omitempty"`
	RemoteMTA     string      `json:",omitempty"`
	DelayNotified bool        `json:",omitempty"`
}

type stateFile struct {
	Rcpts []rcptState
}

type store struct {
	dir      string
	msgDir   string
	stateDir string
	tmpDir   string
	msgSync  groupSync // fsyncs of msg/
}

func openStore(dir string) (*store, error) {
	s := &store{
		dir:      dir,
		msgDir:   filepath.Join(dir, "msg"),
		stateDir: filepath.Join(dir, "state"),
		tmpDir:   filepath.Join(dir, "tmp"),
	}
	for _, d := range []string{s.msgDir, s.stateDir, s.tmpDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	// Leftovers of writes interrupted by a crash were never acknowledged.
	if ents, err := os.ReadDir(s.tmpDir); err == nil {
		for _, e := range ents {
			_ = os.Remove(filepath.Join(s.tmpDir, e.Name()))
		}
	}
	s.msgSync.dir = s.msgDir
	return s, nil
}

// newID returns a unique, time-ordered queue id: 16 hex digits of
// nanoseconds and 8 of randomness.
func newID(now time.Time) string {
	var b [12]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixNano()))
	_, _ = rand.Read(b[8:])
	return hex.EncodeToString(b[:])
}

func validID(id string) bool {
	if len(id) != 24 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil
}

var errTooLarge = errors.New("dnsmx: message exceeds the queue's size limit")

// writeMessage stores body and rec durably under msg/<rec.ID>. It fills in
// rec.Size, rec.HeaderLen and rec.MessageID (when the message has one).
// A message without one gets rec.ID@host as its Message-ID.
func (s *store) writeMessage(rec *record, body io.Reader, maxSize int64, host string) error {
	tmp := filepath.Join(s.tmpDir, rec.ID)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	scan := &headerScan{}
	bw := writerPool.Get().(*bufio.Writer)
	bw.Reset(f)
	defer func() {
		bw.Reset(nil)
		writerPool.Put(bw)
	}()
	n, err := io.Copy(bw, io.TeeReader(io.LimitReader(body, maxSize+1), scan))
	if err != nil {
		return err
	}
	if n > maxSize {
		return errTooLarge
	}
	rec.Size = n
	rec.HeaderLen = scan.headerLen()
	if id := scan.messageID(); id != "" {
		rec.MessageID = id
	} else {
		rec.MessageID, rec.AddMessageID = rec.ID+"@"+host, true
	}
	meta, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	bw.Write(meta)
	var trailer [trailerLen]byte
	copy(trailer[:], trailerMagic)
	binary.BigEndian.PutUint64(trailer[4:], uint64(n))
	bw.Write(trailer[:])
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	ok = true
	if err := os.Rename(tmp, filepath.Join(s.msgDir, rec.ID)); err != nil {
		os.Remove(tmp)
		return err
	}
	return s.msgSync.sync()
}

// readRecord loads the envelope of msg/<id>.
func (s *store) readRecord(id string) (*record, error) {
	f, err := os.Open(filepath.Join(s.msgDir, id))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.Size() < trailerLen {
		return nil, fmt.Errorf("dnsmx: queue file %s: too short", id)
	}
	var trailer [trailerLen]byte
	if _, err := f.ReadAt(trailer[:], st.Size()-trailerLen); err != nil {
		return nil, err
	}
	size := int64(binary.BigEndian.Uint64(trailer[4:]))
	if string(trailer[:4]) != trailerMagic || size < 0 || size > st.Size()-trailerLen {
		return nil, fmt.Errorf("dnsmx: queue file %s: bad trailer", id)
	}
	meta := make([]byte, st.Size()-trailerLen-size)
	if _, err := f.ReadAt(meta, size); err != nil {
		return nil, err
	}
	rec := &record{}
	if err := json.Unmarshal(meta, rec); err != nil {
		return nil, fmt.Errorf("dnsmx: queue file %s: %w", id, err)
	}
	if rec.ID != id || rec.Size != size {
		return nil, fmt.Errorf("dnsmx: queue file %s: envelope does not match", id)
	}
	return rec, nil
}

func (s *store) openBody(id string) (*os.File, error) {
	return os.Open(filepath.Join(s.msgDir, id))
}

func (s *store) readState(id string, n int) (stateFile, error) {
	st := stateFile{Rcpts: make([]rcptState, n)}
	b, err := os.ReadFile(filepath.Join(s.stateDir, id))
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	var loaded stateFile
	if err := json.Unmarshal(b, &loaded); err != nil || len(loaded.Rcpts) != n {
		// A damaged state file costs at most a repeated attempt.
		return st, nil
	}
	return loaded, nil
}

// writeState replaces state/<id> atomically. The file is fsync'd so that a
// recipient marked failed (and bounced) is not bounced again after a crash;
// losing the rename itself only repeats an attempt (at-least-once).
func (s *store) writeState(id string, st *stateFile) error {
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	tmp := filepath.Join(s.tmpDir, id+".state")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
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
	return os.Rename(tmp, filepath.Join(s.stateDir, id))
}

// remove deletes a finished message: first the message (so a crash leaves
// at most an orphan state file, which load discards), then its state.
func (s *store) remove(id string) error {
	err := os.Remove(filepath.Join(s.msgDir, id))
	if errors.Is(err, os.ErrNotExist) {
		err = nil
	}
	if e := os.Remove(filepath.Join(s.stateDir, id)); e != nil && !errors.Is(e, os.ErrNotExist) && err == nil {
		err = e
	}
	return err
}

// list returns the ids in msg/ and removes state files without a message.
func (s *store) list() ([]string, error) {
	ents, err := os.ReadDir(s.msgDir)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(ents))
	have := make(map[string]bool, len(ents))
	for _, e := range ents {
		if validID(e.Name()) {
			ids = append(ids, e.Name())
			have[e.Name()] = true
		}
	}
	if sts, err := os.ReadDir(s.stateDir); err == nil {
		for _, e := range sts {
			if !have[e.Name()] {
				_ = os.Remove(filepath.Join(s.stateDir, e.Name()))
			}
		}
	}
	return ids, nil
}

// groupSync fsyncs a directory on behalf of many concurrent callers: each
// caller needs an fsync that started after its rename, and one fsync
// serves every caller waiting when it starts (group commit).
type groupSync struct {
	dir      string
	mu       sync.Mutex
	cond     *sync.Cond
	started  uint64
	finished uint64
	running  bool
	errs     map[uint64]error
}

func (g *groupSync) sync() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cond == nil {
		g.cond = sync.NewCond(&g.mu)
		g.errs = map[uint64]error{}
	}
	need := g.started + 1
	for g.finished < need {
		if g.running {
			g.cond.Wait()
			continue
		}
		g.running = true
		g.started++
		gen := g.started
		g.mu.Unlock()
		err := syncDir(g.dir)
		g.mu.Lock()
		g.running = false
		g.finished = gen
		if err != nil {
			g.errs[gen] = err
		}
		g.cond.Broadcast()
	}
	// Any fsync from need on covers us; report a failure of the one that did.
	err := g.errs[g.finished]
	if len(g.errs) > 64 {
		clear(g.errs)
	}
	return err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// headerScan watches the first headerScanLimit octets of a message to find
// where its header ends and its Message-ID.
type headerScan struct {
	buf  bytes.Buffer
	done bool
}

func (h *headerScan) Write(p []byte) (int, error) {
	if !h.done {
		room := headerScanLimit - h.buf.Len()
		if len(p) < room {
			room = len(p)
		}
		h.buf.Write(p[:room])
		if h.buf.Len() >= headerScanLimit || bytes.Contains(h.buf.Bytes(), []byte("\n\r\n")) || bytes.Contains(h.buf.Bytes(), []byte("\n\n")) {
			h.done = true
		}
	}
	return len(p), nil
}

// headerLen is the length of the header through the blank line, 0 when no
// blank line was seen.
func (h *headerScan) headerLen() int64 {
	b := h.buf.Bytes()
	best := -1
	if i := bytes.Index(b, []byte("\n\r\n")); i >= 0 {
		best = i + 3
	}
	if i := bytes.Index(b, []byte("\n\n")); i >= 0 && (best < 0 || i+2 < best) {
		best = i + 2
	}
	if best < 0 {
		return 0
	}
	return int64(best)
}

// messageID returns the Message-ID (RFC 5322 §3.6.4) without brackets, or
// "" when the header has none.
func (h *headerScan) messageID() string {
	hdr := h.buf.Bytes()
	if n := h.headerLen(); n > 0 {
		hdr = hdr[:n]
	}
	lines := strings.Split(strings.ReplaceAll(string(hdr), "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		name, value, ok := strings.Cut(lines[i], ":")
		if !ok || !strings.EqualFold(strings.TrimSpace(name), "Message-ID") {
			continue
		}
		for i+1 < len(lines) && len(lines[i+1]) > 0 && (lines[i+1][0] == ' ' || lines[i+1][0] == '\t') {
			i++
			value += lines[i]
		}
		value = strings.TrimSpace(value)
		if l, r := strings.IndexByte(value, '<'), strings.LastIndexByte(value, '>'); l >= 0 && r > l {
			value = value[l+1 : r]
		}
		if value != "" && len(value) < 1000 {
			return value
		}
	}
	return ""
}
