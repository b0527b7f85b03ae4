package mailbox

import (
	"bufio"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

const (
	indexName = "mailwire.index"
	lockName  = "mailwire.lock"
	bitInNew  = 1 // msgRec.bits: the file is in new/ without an info suffix
)

// compactThreshold is the garbage (bytes of superseded log records) that
// triggers a compaction of an index.
var compactThreshold int64 = 4 << 20

// mdBox is the Maildir backend of one mailbox.
type mdBox struct {
	b        *mdBackend
	dir      string
	lockf    *os.File
	idx      *os.File // O_APPEND
	idxIno   uint64
	off      int64 // end of the log applied so far
	live     int64 // bytes of live 'A' records, to decide compaction
	loggedKw int   // keywords already defined in the log
	dirs     [2]*os.File
	locked   bool
	lastF    []uint32  // UIDs of the log's final record if it is an 'F': renames may be unfinished
	sp       sparePool // recycled message files (maildir_spare.go)

	// Snapshot bookkeeping (maildir_snapshot.go).
	lastOff  int64   // offset of the last record of the log applied so far
	logGen   uint64  // generation of the log (its first 'V' record)
	snapOff  int64   // m.off when the last snapshot was written or read
	snapSize int64   // its approximate size: the next one waits for as much log growth
	st       *mstate // the state the log is replayed into, for end's snapshot

	// Sync markers: an 'S' record stores the mtimes of new/ and cur/ at a
	// moment the index described them exactly; an open that finds the
	// same mtimes (and no unfinished flag change) skips the directory scan.
	syncMt  [2]int64    // from the log's last 'S' record
	knownMt [2]int64    // right after our own last change or scan
	lock    sync.Locker // the engine's mailbox lock, for the marker timer
	timer   *time.Timer
	closed  bool

	fl mdFlags // deferred flag renames and keyword letters (maildir_pending.go)
}

// Sync marker timing: written syncDelay after the last change, once the
// directories are at least syncAge old (mtimes are coarse, so a change in
// the same clock tick as ours must not hide behind an equal mtime).
var (
	syncDelay = 2 * time.Second
	syncAge   = time.Second
)

// setLocker gives the box the engine's mailbox lock (held around every
// mdBox call) so the marker timer can take it too.
func (m *mdBox) setLocker(l sync.Locker) {
	m.lock = l
	if m.knownMt != m.syncMt {
		m.noteChange()
	}
}

func (m *mdBox) dirMtimes() [2]int64 {
	var mt [2]int64
	for i, d := range m.dirs {
		if fi, err := d.Stat(); err == nil {
			mt[i] = fi.ModTime().UnixNano()
		}
	}
	return mt
}

// noteChange records the directories' state after our own change and
// schedules the timer that applies pending renames and then writes a sync
// marker.
func (m *mdBox) noteChange() {
	m.knownMt = m.dirMtimes()
	d := syncDelay
	if len(m.fl.pending) > 0 {
		// A busy mailbox is never quiet: renames wait renameMaxDelay at most.
		if m.fl.since.IsZero() {
			m.fl.since = time.Now()
		}
		d = min(d, max(time.Until(m.fl.since.Add(renameMaxDelay)), 0))
	}
	m.schedule(d)
}

func (m *mdBox) schedule(d time.Duration) {
	if m.lock == nil || m.closed {
		return
	}
	if m.timer == nil {
		m.timer = time.AfterFunc(d, m.writeSyncMarker)
	} else {
		m.timer.Reset(d)
	}
}

func (m *mdBox) writeSyncMarker() {
	m.lock.Lock()
	defer m.lock.Unlock()
	if !m.closed {
		m.trySyncMarker(true)
	}
}

// trySyncMarker applies pending flag renames, then writes an 'S' record if
// the directories are exactly as our last change or scan left them and
// every flag change since the last marker is in the file names (lock
// held). With retry it re-arms the timer when it has to wait.
func (m *mdBox) trySyncMarker(retry bool) {
	cur := m.dirMtimes()
	st, dirty := m.flagState()
	if st != nil && m.needRecords(st) != nil {
		return
	}
	if !dirty && (cur != m.knownMt || cur == m.syncMt) {
		return // nothing to do, or someone else changed the directories: the next open scans
	}
	unlock, err := m.lockIndex()
	if err != nil {
		return
	}
	defer unlock()
	if !m.applyRenames(st, true) || st == nil && dirty {
		if retry && len(m.fl.pending) > 0 {
			m.schedule(syncDelay) // a rename failed or waits for a refresh: try again
		}
		return
	}
	cur = m.dirMtimes()
	if cur != m.knownMt || cur[0] == 0 || cur[1] == 0 {
		return
	}
	if age := time.Since(time.Unix(0, max(cur[0], cur[1]))); age < syncAge {
		if retry {
			m.schedule(syncAge - age + 10*time.Millisecond)
		}
		return
	}
	if !m.current() {
		return // another process wrote: it may have changed the directories
	}
	p := []byte{'S'}
	p = le.AppendUint64(p, uint64(cur[0]))
	p = le.AppendUint64(p, uint64(cur[1]))
	if m.write(appendRecord(nil, p)) == nil {
		m.syncMt = cur
		if st != nil {
			m.clearChanged(st)
		}
	}
}

const (
	dirNew = 0
	dirCur = 1
)

var subdirs = [2]string{"new", "cur"}

func openMDBox(b *mdBackend, dir string) (*mdBox, *mstate, error) {
	m := &mdBox{b: b, dir: dir}
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return nil, nil, err
		}
	}
	var err error
	if m.lockf, err = os.OpenFile(filepath.Join(dir, lockName), os.O_CREATE|os.O_RDWR, 0o600); err != nil {
		return nil, nil, err
	}
	for i, sub := range subdirs {
		if m.dirs[i], err = os.Open(filepath.Join(dir, sub)); err != nil {
			m.close()
			return nil, nil, err
		}
	}
	if err := flock(m.lockf); err != nil {
		m.close()
		return nil, nil, err
	}
	m.locked = true
	st, err := m.load(true)
	m.st = st
	if err == nil {
		if mt := m.dirMtimes(); mt == m.syncMt && len(m.lastF) == 0 && st.uidValidity != 0 && mt[0] != 0 {
			m.knownMt = mt // unchanged since the index last matched: no scan
		} else if err = m.needRecords(st); err == nil {
			if err = m.reconcile(st); err == nil {
				m.knownMt = m.dirMtimes()
			}
		}
	}
	if err == nil {
		m.maybeSnapshot(st, true)
	}
	m.end()
	if err != nil {
		m.close()
		return nil, nil, err
	}
	return m, st, nil
}

func (m *mdBox) idxPath() string { return filepath.Join(m.dir, indexName) }

// load (re)opens the index and replays it into a fresh mstate. With
// repair (lock held) a torn tail is truncated away.
func (m *mdBox) load(repair bool) (*mstate, error) {
	if m.idx != nil {
		m.idx.Close()
		m.idx = nil
	}
	f, err := os.OpenFile(m.idxPath(), os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	m.idx, m.idxIno, m.off, m.live, m.loggedKw = f, inode(fi), 0, 0, 0
	m.lastOff, m.logGen, m.snapOff, m.snapSize, m.lastF = 0, 0, 0, 0, nil
	st := newMState(0, 0)
	var magic [len(idxMagic)]byte
	if _, err := io.ReadFull(f, magic[:]); err != nil || string(magic[:]) != idxMagic {
		if !repair {
			return st, nil
		}
		// Missing or unreadable index: start a new log; reconcile
		// rebuilds it from the Maildir.
		if err := f.Truncate(0); err != nil {
			return nil, err
		}
		if _, err := f.Write([]byte(idxMagic)); err != nil {
			return nil, err
		}
		m.off = int64(len(idxMagic))
		return st, nil
	}
	m.off = int64(len(idxMagic))
	snap, err := m.readSnapshot(fi.Size())
	if err == nil && snap.unverified != nil && fi.Size() > m.off {
		// A tail to replay onto the records: check them first.
		if err = snap.unverified.verify(snap); err == nil {
			snap.unverified = nil
		}
	}
	if err == nil {
		// A checkpoint of a prefix of this log: replay only the rest.
		st = snap
	} else {
		m.off, m.lastOff, m.live, m.loggedKw, m.lastF, m.syncMt = int64(len(idxMagic)), 0, 0, 0, nil, [2]int64{}
		if gen, err := m.readGen(fi.Size()); err == nil {
			m.logGen = gen
		}
	}
	snapOff := m.off
	_, err = m.replay(st, repair, false)
	if m.off != snapOff {
		st.snap = nil // the SELECT arrays built with the snapshot are stale
	}
	return st, err
}

// replay applies the records after m.off, returning their events if emit.
func (m *mdBox) replay(st *mstate, repair, emit bool) ([]Event, error) {
	fi, err := m.idx.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() <= m.off {
		return nil, nil
	}
	lr := &logReader{r: bufio.NewReaderSize(io.NewSectionReader(m.idx, m.off, fi.Size()-m.off), 64<<10), off: m.off}
	var evs []Event
	var emitFn func(Event)
	if emit {
		emitFn = func(e Event) { evs = append(evs, e) }
	}
	for {
		off, p, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if repair {
				// Torn tail of a crashed writer: nothing after it was
				// acknowledged; the Maildir scan recovers files.
				if err := m.idx.Truncate(lr.off); err != nil {
					return evs, err
				}
				datasync(m.idx)
			}
			break
		}
		m.apply(st, off, p, emitFn)
		m.off, m.lastOff = lr.off, off
	}
	return evs, nil
}

// apply replays one record into st.
func (m *mdBox) apply(st *mstate, off int64, p []byte, emit func(Event)) {
	m.lastF = nil
	m.observeRecord(st, p) // flag-rename bookkeeping (maildir_pending.go)
	switch p[0] {
	case 'V':
		d := dec{b: p[1:]}
		uv, next, hms := d.u32(), d.u32(), d.u64()
		if d.bad {
			return
		}
		st.uidValidity = uv
		st.uidNext = max(st.uidNext, next)
		st.highestModSeq = max(st.highestModSeq, hms)
		if gen := d.u64(); !d.bad && off == int64(len(idxMagic)) {
			m.logGen = gen
		}
	case 'K':
		d := dec{b: p[1:]}
		id := d.u16()
		if d.bad || int(id) >= maxKeywords {
			return
		}
		st.kw.define(id, string(d.b))
		m.loggedKw = max(m.loggedKw, int(id)+1)
	case 'A':
		a, err := decAppend(p)
		// UIDs ascend in the log; a compacted log starts with a 'V'
		// record whose UIDNEXT is already past them.
		if err != nil || len(st.msgs) > 0 && a.rec.uid <= st.msgs[len(st.msgs)-1].uid {
			return
		}
		a.rec.loc, a.rec.reclen = off, uint32(8+len(p))
		a.rec.kwset = st.kw.setID(st.kw.known(a.kw))
		st.add(a.rec)
		m.live += int64(a.rec.reclen)
		if emit != nil {
			emit(Event{Kind: EventAppend, UID: a.rec.uid, ModSeq: a.rec.modseq, Flags: st.kw.flagStrings(a.rec.sys, a.rec.kwset)})
		}
	case 'F':
		d := dec{b: p[1:]}
		modseq, n := d.u64(), int(d.u32())
		for range n {
			uid, sys, kw := d.u32(), d.u8(), d.kws()
			if d.bad {
				return
			}
			i := st.find(uid)
			if i < 0 {
				continue
			}
			m.lastF = append(m.lastF, uid)
			set := st.kw.setID(st.kw.known(kw))
			st.setFlags(i, sys, set, modseq)
			st.msgs[i].bits &^= bitInNew
			if emit != nil {
				emit(Event{Kind: EventFlags, UID: uid, ModSeq: modseq, Flags: st.kw.flagStrings(sys, set)})
			}
		}
	case 'X':
		d := dec{b: p[1:]}
		modseq, n := d.u64(), int(d.u32())
		if n > len(d.b)/4 {
			return
		}
		set := make(map[uint32]bool, n)
		for range n {
			uid := d.u32()
			if i := st.find(uid); i >= 0 {
				set[uid] = true
				m.live -= int64(st.msgs[i].reclen)
				if emit != nil {
					emit(Event{Kind: EventExpunge, UID: uid, ModSeq: modseq})
				}
			} else {
				st.tombs = append(st.tombs, tombstone{uid, modseq})
			}
		}
		st.expunge(set, modseq)
	case 'S':
		d := dec{b: p[1:]}
		a, b := int64(d.u64()), int64(d.u64())
		if !d.bad {
			m.syncMt = [2]int64{a, b}
		}
	case 'D':
		d := dec{b: p[1:]}
		if f := d.u64(); !d.bad {
			st.tombFloor = max(st.tombFloor, f)
		}
	}
}

func (m *mdBox) begin(st *mstate) ([]Event, error) {
	if err := flock(m.lockf); err != nil {
		return nil, err
	}
	m.locked = true
	m.st = st
	evs, err := m.refreshLocked(st, true)
	if err != nil {
		return evs, err
	}
	if m.off > compactThreshold && m.off > 2*m.live+compactThreshold {
		if err := m.compact(st); err != nil {
			m.b.opts.Logger.Error("mailbox: index compaction", "dir", m.dir, "err", err)
		}
	}
	return evs, nil
}

func (m *mdBox) end() {
	if m.locked {
		m.maybeSnapshot(m.st, false)
		funlock(m.lockf)
		m.locked = false
	}
}

func (m *mdBox) refresh(st *mstate) ([]Event, error) { return m.refreshLocked(st, false) }

func (m *mdBox) refreshLocked(st *mstate, repair bool) ([]Event, error) {
	fi, err := os.Stat(m.idxPath())
	if err != nil {
		return nil, err
	}
	if ino := inode(fi); ino != m.idxIno {
		// Another process compacted the index: reload it whole.
		fresh, err := m.load(repair)
		if err != nil {
			return nil, err
		}
		fresh.maxTombs = st.maxTombs
		*st = *fresh
		return []Event{{Kind: EventOverflow}}, nil
	}
	if fi.Size() == m.off {
		return nil, nil
	}
	if err := m.needRecords(st); err != nil {
		return nil, err
	}
	return m.replay(st, repair, true)
}

// needRecords checks the records of a lazily opened snapshot before their
// first use (see mstate.unverified). Damaged records (a disk error: the
// columns were checked at open) cost what a damaged snapshot costs at
// open: the snapshot is removed and the whole log replayed into st.
func (m *mdBox) needRecords(st *mstate) error {
	rc := st.unverified
	if rc == nil {
		return nil
	}
	if rc.verify(st) == nil {
		st.unverified = nil
		return nil
	}
	m.b.opts.Logger.Warn("mailbox: damaged index snapshot, replaying the log", "dir", m.dir)
	os.Remove(m.snapPath())
	unlock, err := m.lockIndex()
	if err != nil {
		return err
	}
	defer unlock()
	fresh, err := m.load(true)
	if err != nil {
		return err
	}
	fresh.maxTombs = st.maxTombs
	*st = *fresh
	return nil
}

// write appends records to the log and makes them durable.
func (m *mdBox) write(buf []byte) error {
	n, err := m.idx.Write(buf)
	if err == nil {
		err = datasync(m.idx)
	}
	if err != nil {
		m.idx.Truncate(m.off)
		return err
	}
	// Track the last record (for snapshots) and the log's generation if
	// this starts the log.
	for k := 0; k+8 <= len(buf); k += 8 + int(le.Uint32(buf[k:])) {
		if m.off+int64(k) == int64(len(idxMagic)) && buf[k+8] == 'V' && le.Uint32(buf[k:]) >= 25 {
			m.logGen = le.Uint64(buf[k+8+17:])
		}
		m.lastOff = m.off + int64(k)
	}
	m.off += int64(n)
	return nil
}

// kwRecords defines keywords the log does not know yet.
func (m *mdBox) kwRecords(buf []byte, st *mstate) []byte {
	for id := m.loggedKw; id < len(st.kw.names); id++ {
		buf = appendRecord(buf, encKeyword(uint16(id), st.kw.names[id]))
	}
	return buf
}

func baseName(uidv uint32, r *msgRec) string {
	b := make([]byte, 0, 64)
	b = strconv.AppendInt(b, r.sdate, 10)
	b = append(b, ".V"...)
	b = strconv.AppendUint(b, uint64(uidv), 10)
	b = append(b, 'U')
	b = strconv.AppendUint(b, uint64(r.uid), 10)
	b = append(b, ".mailwire,S="...)
	b = strconv.AppendInt(b, r.size, 10)
	return string(b)
}

// parseOurName extracts UIDVALIDITY and UID from a base name written by
// baseName.
func parseOurName(base string) (uidv, uid uint32, ok bool) {
	i := indexByte(base, '.')
	if i < 0 || i+2 >= len(base) || base[i+1] != 'V' {
		return 0, 0, false
	}
	rest := base[i+2:]
	j := indexByte(rest, 'U')
	k := indexByte(rest, '.')
	if j < 0 || k < j || rest[k:min(len(rest), k+9)] != ".mailwire" {
		return 0, 0, false
	}
	v, err1 := strconv.ParseUint(rest[:j], 10, 32)
	u, err2 := strconv.ParseUint(rest[j+1:k], 10, 32)
	if err1 != nil || err2 != nil || u == 0 {
		return 0, 0, false
	}
	return uint32(v), uint32(u), true
}

func indexByte(s string, c byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

// Maildir info letters, in the ASCII order the spec requires.
var mdLetters = [...]struct {
	c   byte
	bit uint8
}{{'D', sysDraft}, {'F', sysFlagged}, {'R', sysAnswered}, {'S', sysSeen}, {'T', sysDeleted}}

// flagSuffixes caches flagSuffix for every combination of the five bits.
var flagSuffixes = func() (t [32]string) {
	for i := range t {
		t[i] = buildFlagSuffix(uint8(i))
	}
	return t
}()

func flagSuffix(sys uint8) string {
	if int(sys) < len(flagSuffixes) {
		return flagSuffixes[sys]
	}
	return buildFlagSuffix(sys)
}

func buildFlagSuffix(sys uint8) string {
	b := []byte(":2,")
	for _, l := range mdLetters {
		if sys&l.bit != 0 {
			b = append(b, l.c)
		}
	}
	return string(b)
}

// parseInfo splits a Maildir file name into base and system flags.
func parseInfo(name string) (base string, sys uint8) {
	i := len(name) - 1
	for ; i >= 0 && name[i] != ':'; i-- {
	}
	if i < 0 || len(name) < i+3 || name[i+1:i+3] != "2," {
		return name, 0
	}
	for _, c := range []byte(name[i+3:]) {
		for _, l := range mdLetters {
			if c == l.c {
				sys |= l.bit
			}
		}
	}
	return name[:i], sys
}

// fileName is where r's file is now: the index's name, or the older name
// of a file whose flag rename is still pending.
func (m *mdBox) fileName(st *mstate, r *msgRec) (int, string) {
	if len(m.fl.pending) > 0 {
		if fs, ok := m.fl.pending[r.uid]; ok {
			return stateName(st.uidValidity, r, fs)
		}
	}
	return m.fileNameIndex(st, r)
}

// fileNameIndex is the name the index gives r's file.
func (m *mdBox) fileNameIndex(st *mstate, r *msgRec) (int, string) {
	if r.bits&bitInNew != 0 {
		return dirNew, baseName(st.uidValidity, r)
	}
	return dirCur, baseName(st.uidValidity, r) + infoSuffix(r.sys, m.kwLetters(st, r.kwset))
}

func (m *mdBox) path(st *mstate, r *msgRec) string {
	d, n := m.fileName(st, r)
	return filepath.Join(m.dir, subdirs[d], n)
}

// locate finds a message file that another program renamed (changed its
// flags or moved it from new/ to cur/); a scan of the directories is
// cached, so locating many such files costs one scan.
func (m *mdBox) locate(st *mstate, r *msgRec) (string, error) {
	if d, n := m.fileName(st, r); m.dirs[d] != nil {
		if ok, _ := lstatIn(m.dirs[d], n); ok {
			return filepath.Join(m.dir, subdirs[d], n), nil
		}
	}
	return m.locateBase(baseName(st.uidValidity, r))
}

// commitFlags logs the new flags (fdatasync'd: the change is durable and
// the index is its truth) and defers the file renames (maildir_pending.go):
// until they are applied, fileName returns each file's current name.
func (m *mdBox) commitFlags(st *mstate, changes []flagChange, modseq uint64) error {
	m.fl.st = st
	es := make([]flagEntry, 0, len(changes))
	for _, c := range changes {
		es = append(es, flagEntry{uid: c.old.uid, sys: c.sys, kw: st.kw.set(c.kw)})
	}
	// Letters for new keywords must be in dovecot-keywords before any
	// file name uses them; the record follows.
	m.assignLetters(st, changes)
	buf := m.kwRecords(nil, st)
	buf = appendRecord(buf, encFlags(modseq, es))
	if err := m.write(buf); err != nil {
		return err
	}
	m.loggedKw = len(st.kw.names)
	for _, c := range changes {
		m.notePending(st, c.idx, &c.old)
		st.msgs[c.idx].bits &^= bitInNew
	}
	m.noteChange()
	return nil
}

// renameFlags renames a message file from old's name to nr's, finding it
// if another program renamed it; it reports whether it renamed anything.
func (m *mdBox) renameFlags(st *mstate, old, nr *msgRec) bool {
	od, on := m.fileNameIndex(st, old)
	nd, nn := m.fileNameIndex(st, nr)
	if od == nd && on == nn {
		return false
	}
	op, np := filepath.Join(m.dir, subdirs[od], on), filepath.Join(m.dir, subdirs[nd], nn)
	err := os.Rename(op, np)
	if errors.Is(err, fs.ErrNotExist) {
		if p, lerr := m.locateBase(baseName(st.uidValidity, old)); lerr == nil && p != np {
			err = os.Rename(p, np)
		}
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		m.b.opts.Logger.Error("mailbox: flag rename", "file", op, "err", err)
	}
	return err == nil
}

// removeFiles unlinks message files before the expunge record is written:
// a crash in between leaves a missing file, which the next open expunges,
// never a resurrected message.
func (m *mdBox) removeFiles(st *mstate, recs []msgRec) error {
	var touched [2]bool
	for i := range recs {
		r := &recs[i]
		d, _ := m.fileName(st, r)
		err := m.discard(m.path(st, r))
		if errors.Is(err, fs.ErrNotExist) {
			if p, lerr := m.locate(st, r); lerr == nil {
				err = m.discard(p)
			}
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		touched[d] = true
	}
	return m.syncDirs(touched)
}

func (m *mdBox) commitExpunge(st *mstate, recs []msgRec, modseq uint64) error {
	if err := m.removeFiles(st, recs); err != nil {
		return err
	}
	err := m.logExpunge(recs, modseq)
	m.noteChange()
	return err
}

func (m *mdBox) logExpunge(recs []msgRec, modseq uint64) error {
	uids := make([]uint32, len(recs))
	for i, r := range recs {
		uids[i] = r.uid
		m.live -= int64(r.reclen)
	}
	return m.write(appendRecord(nil, encExpunge(modseq, uids)))
}

func (m *mdBox) commitCopy(dst *mstate, dstRecs []msgRec, src mbBackend, srcSt *mstate, srcRecs []msgRec, moveModseq uint64) error {
	s := src.(*mdBox)
	caches := make([][]byte, len(srcRecs))
	var done []string
	var undo []string
	var err error
	for i := range srcRecs {
		sr, d := &srcRecs[i], &dstRecs[i]
		if caches[i], err = s.cached(srcSt, sr); err != nil {
			break
		}
		var sp string
		if sp, err = s.locate(srcSt, sr); err != nil {
			break
		}
		d.bits = 0
		dp := m.path(dst, d)
		if moveModseq != 0 {
			// A rename keeps the file in exactly one mailbox at every
			// instant, even across a crash.
			err = os.Rename(sp, dp)
		} else if err = os.Link(sp, dp); err != nil {
			err = copyFile(sp, dp)
		}
		if err != nil {
			break
		}
		done = append(done, dp)
		undo = append(undo, sp)
	}
	if err == nil {
		err = m.syncDirs([2]bool{false, true})
	}
	if err == nil && moveModseq != 0 {
		err = s.syncDirs([2]bool{true, true})
	}
	if err == nil {
		buf := m.kwRecords(nil, dst)
		for i := range dstRecs {
			d := &dstRecs[i]
			start := len(buf)
			buf = appendRecord(buf, encAppend(nil, d, dst.kw.set(d.kwset), caches[i]))
			d.loc, d.reclen = m.off+int64(start), uint32(len(buf)-start)
		}
		err = m.write(buf)
		if err == nil {
			m.loggedKw = len(dst.kw.names)
			for i := range dstRecs {
				m.live += int64(dstRecs[i].reclen)
			}
		}
	}
	if err != nil {
		for i, p := range done {
			if moveModseq != 0 {
				os.Rename(p, undo[i])
			} else {
				os.Remove(p)
			}
		}
		return err
	}
	m.noteChange()
	if moveModseq != 0 {
		if err := s.logExpunge(srcRecs, moveModseq); err != nil {
			// The files already moved: the source's next open expunges them.
			s.b.opts.Logger.Error("mailbox: move: source index", "dir", s.dir, "err", err)
		}
		s.noteChange()
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		os.Remove(dst)
		return err
	}
	if err := datasync(out); err != nil {
		out.Close()
		os.Remove(dst)
		return err
	}
	return out.Close()
}

func (m *mdBox) cached(st *mstate, r *msgRec) ([]byte, error) {
	if r.reclen < 8 {
		return nil, nil
	}
	buf := make([]byte, r.reclen)
	if _, err := m.idx.ReadAt(buf, r.loc); err != nil {
		return nil, err
	}
	a, err := decAppend(buf[8:])
	if err != nil || a.rec.uid != r.uid {
		return nil, errBadRecord
	}
	if len(a.cache) == 0 {
		return nil, nil
	}
	return a.cache, nil
}

func (m *mdBox) close() error {
	if !m.closed && m.idx != nil && m.lockf != nil && (m.knownMt != m.syncMt || len(m.fl.pending) > 0) {
		// Other Maildir programs see our flag changes at the latest now.
		m.trySyncMarker(false)
	}
	m.checkpointAtClose()
	m.dropSpares()
	m.closed = true
	if m.timer != nil {
		m.timer.Stop()
	}
	m.end()
	for _, f := range []*os.File{m.idx, m.lockf, m.dirs[0], m.dirs[1]} {
		if f != nil {
			f.Close()
		}
	}
	return nil
}

// checkpointAtClose writes a snapshot of a big mailbox that changed since
// its last one, so that the next process opens it lazily: a snapshot with
// a log tail has its records checked and the tail replayed at open, which
// for 100,000 messages costs more than the rest of the open.
func (m *mdBox) checkpointAtClose() {
	st := m.st
	if m.closed || st == nil || st.unverified != nil || m.idx == nil || m.lockf == nil ||
		m.off == m.snapOff || int64(len(st.msgs))*recSize < mapMinBytes {
		return
	}
	unlock, err := m.lockIndex()
	if err != nil {
		return
	}
	defer unlock()
	if fi, err := os.Stat(m.idxPath()); err != nil || inode(fi) != m.idxIno {
		return // compacted by another process: its snapshot is the one to keep
	}
	if err := m.writeSnapshot(st); err != nil {
		m.b.opts.Logger.Warn("mailbox: index snapshot", "dir", m.dir, "err", err)
	}
}
