package mailbox

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Deferred flag renames.
//
// A flag change is durable once its 'F' index record is fdatasync'd: the
// index is the truth for our own changes. Renaming every message file to
// its new ":2," suffix right away costs one rename(2) per message, which
// dominates STORE 1:* on a big mailbox. So commitFlags only records which
// file names now lag the index (mdFlags.pending, msgRec bitChanged), and the
// renames are applied later in one batch: by the sync-marker timer after a
// quiet period (syncDelay), before a compaction, and at close. Until then
// fileName/path return the name the file really has on disk.
//
// Crash safety rests on the 'S' sync marker: it is only written when no
// rename is pending here and every UID named by an 'F' record since the
// previous marker has its file under the index's name (checked with
// lstat, so another process's pending renames also hold it back). An open
// treats the index as authoritative for exactly those UIDs and finishes
// their renames; for every other message a differing file name is a change
// made by another Maildir program and is taken over.

// fileState is a message file's name as it is on disk.
type fileState struct {
	letters uint32 // keyword letters: bit i = 'a'+i
	sys     uint8
	inNew   bool // in new/ with no info suffix
}

// msgRec.bits used by the flag-rename bookkeeping (bit 0 is bitInNew). They
// travel with the record, so a snapshot of the state keeps them.
const (
	bitChanged  = 2 // an 'F' record since the log's last 'S' names this message
	bitVerified = 4 // ... and its file is known to carry the index's name
)

// mdFlags is mdBox's flag-name state (guarded by the engine's mailbox lock).
type mdFlags struct {
	st      *mstate              // the box's state, for the timer and close
	pending map[uint32]fileState // our renames not done yet: the name on disk
	// marked lists the UIDs given bitChanged since the last marker (it may
	// repeat some); with strays set, st may hold other bitChanged bits
	// (restored from a snapshot) and the full list needs a pass over st.
	marked []uint32
	strays bool
	seenSt *mstate
	// names caches one directory scan (base name → where the file is) for
	// locate, so that finding many renamed files costs one scan.
	names map[string]nameAt
	kw    dovecotKeywords
	since time.Time // when the oldest pending rename was recorded
}

// renameMaxDelay bounds how long a rename waits for a quiet period
// (syncDelay) on a mailbox that keeps changing.
var renameMaxDelay = 10 * time.Second

type nameAt struct {
	dir  int
	name string
}

// observeRecord follows the log as apply replays it into st.
func (m *mdBox) observeRecord(st *mstate, p []byte) {
	if len(p) == 0 {
		return
	}
	if st != m.fl.seenSt {
		m.fl.seenSt, m.fl.strays, m.fl.marked = st, true, nil
	}
	switch p[0] {
	case 'S', 'V':
		// A marker (or a log's start): earlier changes are in the names.
		m.clearChanged(st)
	case 'F':
		d := dec{b: p[1:]}
		d.u64()
		n := int(d.u32())
		if n > len(d.b)/7 {
			return
		}
		for range n {
			uid := d.u32()
			d.u8()
			d.kws()
			if d.bad {
				return
			}
			if i := st.find(uid); i >= 0 {
				m.markChanged(st, i)
			}
		}
	}
}

// markChanged notes that msgs[i]'s flags changed since the last marker.
func (m *mdBox) markChanged(st *mstate, i int) {
	r := &st.msgs[i]
	r.bits = r.bits&^bitVerified | bitChanged
	if len(m.fl.marked) > len(st.msgs)+1024 {
		m.fl.marked, m.fl.strays = nil, true // a pass over st is cheaper
	}
	if !m.fl.strays {
		m.fl.marked = append(m.fl.marked, r.uid)
	}
}

// clearChanged forgets the changes a new marker covers.
func (m *mdBox) clearChanged(st *mstate) {
	if m.fl.strays {
		// Write only the records that change: records mapped from a
		// snapshot are copy-on-write, a page at a time.
		for i := range st.msgs {
			if st.msgs[i].bits&(bitChanged|bitVerified) != 0 {
				st.msgs[i].bits &^= bitChanged | bitVerified
			}
		}
	} else {
		for _, uid := range m.fl.marked {
			if i := st.find(uid); i >= 0 {
				st.msgs[i].bits &^= bitChanged | bitVerified
			}
		}
	}
	m.fl.marked, m.fl.strays, m.fl.seenSt = nil, false, st
}

// changedUIDs returns the UIDs with bitChanged, each once.
func (m *mdBox) changedUIDs(st *mstate) []uint32 {
	if st != m.fl.seenSt {
		m.fl.seenSt, m.fl.strays, m.fl.marked = st, true, nil
	}
	var out []uint32
	if m.fl.strays {
		for i := range st.msgs {
			if st.msgs[i].bits&bitChanged != 0 {
				out = append(out, st.msgs[i].uid)
			}
		}
		m.fl.marked, m.fl.strays = slices.Clone(out), false
		return out
	}
	slices.Sort(m.fl.marked)
	m.fl.marked = slices.Compact(m.fl.marked)
	for _, uid := range m.fl.marked {
		if i := st.find(uid); i >= 0 && st.msgs[i].bits&bitChanged != 0 {
			out = append(out, uid)
		}
	}
	m.fl.marked = slices.Clone(out)
	return out
}

// flagState returns the state the bookkeeping describes (nil if unknown)
// and whether some file name may lag the index.
func (m *mdBox) flagState() (*mstate, bool) {
	st := m.fl.st
	if st == nil {
		st = m.fl.seenSt
	}
	dirty := len(m.fl.pending) > 0 || len(m.fl.marked) > 0 || m.fl.strays || st != m.fl.seenSt
	return st, dirty
}

// notePending records, after our 'F' record, that msgs[i]'s file still has
// the name old (its state before the change) gives it.
func (m *mdBox) notePending(st *mstate, i int, old *msgRec) {
	if m.fl.pending == nil {
		m.fl.pending = make(map[uint32]fileState)
	}
	if _, ok := m.fl.pending[old.uid]; !ok {
		m.fl.pending[old.uid] = m.indexState(st, old)
	}
	m.markChanged(st, i)
}

// indexState is the file name the index gives r.
func (m *mdBox) indexState(st *mstate, r *msgRec) fileState {
	if r.bits&bitInNew != 0 {
		return fileState{inNew: true}
	}
	return fileState{sys: r.sys, letters: m.kwLetters(st, r.kwset)}
}

// stateName is the directory and name of r's file in state fs.
func stateName(uidv uint32, r *msgRec, fs fileState) (int, string) {
	if fs.inNew {
		return dirNew, baseName(uidv, r)
	}
	return dirCur, baseName(uidv, r) + infoSuffix(fs.sys, fs.letters)
}

// current reports whether this process has replayed the whole log (lock
// held): only then is st the latest truth to rename files by.
func (m *mdBox) current() bool {
	fi, err := os.Stat(m.idxPath())
	return err == nil && inode(fi) == m.idxIno && fi.Size() == m.off
}

// lockIndex takes the cross-process lock unless it is held; the returned
// function releases what it took.
func (m *mdBox) lockIndex() (func(), error) {
	if m.locked {
		return func() {}, nil
	}
	if err := flock(m.lockf); err != nil {
		return nil, err
	}
	m.locked = true
	return m.end, nil
}

// applyRenames renames the files whose names lag the index (lock held).
// With verify it also checks that every file changed since the last
// marker, by any process, carries the index's name, and renames those that
// do not (another process's unfinished renames; only done when this
// process has replayed the whole log). It reports whether every name now
// matches the index.
func (m *mdBox) applyRenames(st *mstate, verify bool) bool {
	if st == nil {
		return len(m.fl.pending) == 0
	}
	cur := m.current()
	before := m.dirMtimes()
	var touched [2]bool
	var lost []uint32 // renamed by someone else since: find them
	for uid, disk := range m.fl.pending {
		i := st.find(uid)
		if i < 0 {
			delete(m.fl.pending, uid) // expunged
			continue
		}
		r := &st.msgs[i]
		od, on := stateName(st.uidValidity, r, disk)
		nd, nn := m.fileNameIndex(st, r)
		var err error
		if od != nd || on != nn {
			if err = renameIn(m.dirs[od], on, m.dirs[nd], nn); err == nil {
				touched[od], touched[nd] = true, true
			}
		}
		switch {
		case err == nil:
			delete(m.fl.pending, uid)
			r.bits |= bitVerified
		case errors.Is(err, fs.ErrNotExist):
			if cur {
				delete(m.fl.pending, uid)
				lost = append(lost, uid)
			}
			// Otherwise another process may have renamed it after a newer
			// change we have not replayed: retry once we have.
		default:
			m.b.opts.Logger.Error("mailbox: flag rename", "file", on, "err", err)
		}
	}
	ok := len(m.fl.pending) == 0
	if verify {
		for _, uid := range m.changedUIDs(st) {
			i := st.find(uid)
			r := &st.msgs[i]
			if r.bits&bitVerified != 0 {
				continue
			}
			if _, pend := m.fl.pending[uid]; pend {
				continue
			}
			nd, nn := m.fileNameIndex(st, r)
			if found, _ := lstatIn(m.dirs[nd], nn); found {
				r.bits |= bitVerified
			} else if cur {
				lost = append(lost, uid)
			} else {
				ok = false
			}
		}
	}
	if len(lost) > 0 {
		m.fl.names = nil // the cache is older than these renames
	}
	for _, uid := range lost {
		i := st.find(uid)
		if i < 0 {
			continue
		}
		r := &st.msgs[i]
		nd, nn := m.fileNameIndex(st, r)
		want := filepath.Join(m.dir, subdirs[nd], nn)
		p, err := m.locateBase(baseName(st.uidValidity, r))
		if err == nil && p != want {
			if err = os.Rename(p, want); err == nil {
				touched = [2]bool{true, true}
			}
		}
		switch {
		case err == nil:
			r.bits |= bitVerified
		case errors.Is(err, fs.ErrNotExist):
			// The file is gone: the next open expunges the message, and
			// no marker may hide that until then.
			ok = false
		default:
			m.b.opts.Logger.Error("mailbox: flag rename", "file", p, "err", err)
			ok = false
		}
	}
	if len(m.fl.pending) == 0 {
		m.fl.since = time.Time{}
	}
	if verify {
		m.fl.names = nil // the scan cache lives until the next quiet period
	}
	if touched[0] || touched[1] {
		if err := m.syncDirs(touched); err != nil {
			m.b.opts.Logger.Error("mailbox: flag rename", "dir", m.dir, "err", err)
		}
		if before == m.knownMt {
			m.knownMt = m.dirMtimes()
		}
	}
	return ok
}

// applyPendingRenames brings every file name in line with the index (lock
// held, state current): compaction calls it first, because a compacted
// log no longer says which flag changes are newer than the file names.
func (m *mdBox) applyPendingRenames(st *mstate) {
	m.applyRenames(st, true)
}

// locateBase finds the file whose base name is base, in new/ or cur/,
// using and refreshing the scan cache.
func (m *mdBox) locateBase(base string) (string, error) {
	if l, ok := m.fl.names[base]; ok {
		if _, err := lstatIn(m.dirs[l.dir], l.name); err == nil {
			return filepath.Join(m.dir, subdirs[l.dir], l.name), nil
		}
	}
	names := make(map[string]nameAt, len(m.fl.names))
	for d, sub := range subdirs {
		f, err := os.Open(filepath.Join(m.dir, sub))
		if err != nil {
			continue
		}
		for {
			ns, err := f.Readdirnames(4096)
			for _, n := range ns {
				if n != "" && n[0] != '.' {
					b, _ := parseInfo(n)
					names[b] = nameAt{d, n}
				}
			}
			if err != nil {
				if err != io.EOF {
					m.b.opts.Logger.Warn("mailbox: scan", "dir", sub, "err", err)
				}
				break
			}
		}
		f.Close()
	}
	m.fl.names = names
	if l, ok := names[base]; ok {
		return filepath.Join(m.dir, subdirs[l.dir], l.name), nil
	}
	return "", fs.ErrNotExist
}
