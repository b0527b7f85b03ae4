package mailbox

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync/atomic"
	"time"
)

// reconcile brings the index in line with the Maildir directories (lock
// held): files the log does not know are imported (keeping the UID written
// in their name when possible), flags changed by other Maildir programs
// are taken over, and messages whose file is gone are expunged. It is how a
// lost or corrupt index is rebuilt.
func (m *mdBox) reconcile(st *mstate) error {
	scanCount.Add(1)
	type found struct {
		dir     int
		name    string
		sys     uint8
		letters uint32 // keyword letters (dovecot-keywords)
		uid     uint32 // UID from our own name, 0 for foreign files
	}
	type rename struct {
		od, nd int
		on, nn string
	}
	seen := make([]bool, len(st.msgs))
	var imports []found
	var flagFix []flagEntry
	var uvSeen uint32
	var finish []rename // renames to do after the scan, not during it
	m.fl.st = st
	m.loadKeywords()
	defined := m.definedLetters() // letters nobody defined carry no keyword
	uvConsistent := true
	for d, sub := range subdirs {
		dir, err := os.Open(filepath.Join(m.dir, sub))
		if err != nil {
			return err
		}
		for {
			names, rerr := dir.Readdirnames(4096)
			for _, n := range names {
				if n == "" || n[0] == '.' {
					continue
				}
				base, sys := parseInfo(n)
				letters := parseLetters(n) & defined
				if d == dirNew {
					sys, letters = 0, 0
				}
				uv, uid, ours := parseOurName(base)
				if ours {
					if uvSeen == 0 {
						uvSeen = uv
					} else if uv != uvSeen {
						uvConsistent = false
					}
				}
				if st.uidValidity == 0 || !ours || uv != st.uidValidity {
					imports = append(imports, found{d, n, sys, letters, 0})
					if ours && st.uidValidity == 0 {
						imports[len(imports)-1].uid = uid
					}
					continue
				}
				i := st.find(uid)
				if i < 0 || seen[i] {
					f := found{d, n, sys, letters, 0}
					if i < 0 && uid >= st.uidNext {
						f.uid = uid
					}
					imports = append(imports, f)
					continue
				}
				seen[i] = true
				r := &st.msgs[i]
				if r.bits&bitChanged != 0 {
					// A flag change logged since the last sync marker: its
					// renames may not have happened (they are deferred, or
					// a crash came first). The index is the truth: finish.
					r.bits |= bitVerified
					if nd, nn := m.fileNameIndex(st, r); nd != d || nn != n {
						finish = append(finish, rename{d, nd, n, nn})
					}
					continue
				}
				if d == dirNew {
					r.bits |= bitInNew
				} else {
					r.bits &^= bitInNew
				}
				if d == dirCur && (sys != r.sys || letters != m.kwLetters(st, r.kwset)) {
					// Another Maildir program changed the flags: take them.
					kwset := r.kwset
					if letters != m.kwLetters(st, r.kwset) {
						kwset = m.mergeLetters(st, r.kwset, letters)
					}
					flagFix = append(flagFix, flagEntry{uid: uid, sys: sys, kw: slices.Clone(st.kw.set(kwset))})
				}
			}
			if rerr != nil {
				if rerr == io.EOF {
					break
				}
				dir.Close()
				return rerr
			}
		}
		dir.Close()
	}
	m.cleanTmp()
	for _, f := range finish {
		if err := renameIn(m.dirs[f.od], f.on, m.dirs[f.nd], f.nn); err != nil && !os.IsNotExist(err) {
			m.b.opts.Logger.Error("mailbox: flag rename", "file", f.on, "err", err)
		}
	}
	if len(finish) > 0 {
		if err := m.syncDirs([2]bool{true, true}); err != nil {
			return err
		}
	}

	if st.uidValidity == 0 {
		// No index: reuse the UIDVALIDITY our file names carry, so a
		// rebuilt index keeps every UID; otherwise start a new one.
		if uvSeen != 0 && uvConsistent {
			st.uidValidity = uvSeen
		} else {
			st.uidValidity = m.b.nextUIDValidity()
			for i := range imports {
				imports[i].uid = 0
			}
		}
		if err := m.write(appendRecord(nil, encValidity(st))); err != nil {
			return err
		}
	}
	var missing []msgRec
	for i, ok := range seen {
		if !ok {
			missing = append(missing, st.msgs[i])
		}
	}
	if len(imports) == 0 && len(flagFix) == 0 && len(missing) == 0 {
		return nil
	}
	m.b.opts.Logger.Warn("mailbox: index out of date, resynchronised from Maildir", "dir", m.dir,
		"imported", len(imports), "flags", len(flagFix), "missing", len(missing))

	var buf []byte
	modseq := st.highestModSeq
	if len(flagFix) > 0 {
		modseq++
		buf = appendRecord(buf, encFlags(modseq, flagFix))
	}
	if len(missing) > 0 {
		modseq++
		uids := make([]uint32, len(missing))
		for i, r := range missing {
			uids[i] = r.uid
		}
		buf = appendRecord(buf, encExpunge(modseq, uids))
	}
	// Imports: files that carry a usable UID first, in UID order, then
	// foreign files in name order (Maildir names start with the delivery time).
	sort.SliceStable(imports, func(i, j int) bool {
		a, b := imports[i], imports[j]
		if (a.uid == 0) != (b.uid == 0) {
			return a.uid != 0
		}
		if a.uid != b.uid {
			return a.uid < b.uid
		}
		return a.name < b.name
	})
	next := st.uidNext
	var touched [2]bool
	for _, f := range imports {
		uid := next
		if f.uid >= next {
			uid = f.uid
		}
		p := filepath.Join(m.dir, subdirs[f.dir], f.name)
		size, mtime, err := normalizeCRLF(p)
		if err != nil {
			m.b.opts.Logger.Warn("mailbox: import", "file", p, "err", err)
			continue
		}
		modseq++
		r := msgRec{uid: uid, modseq: modseq, size: size, idate: mtime.Unix(), sdate: time.Now().Unix(), sys: f.sys}
		if f.dir == dirNew {
			r.bits = bitInNew
		}
		r.kwset = st.kw.setID(m.lettersKeywords(st, f.letters))
		np := m.path(st, &r)
		if np != p {
			if err := os.Rename(p, np); err != nil {
				m.b.opts.Logger.Warn("mailbox: import", "file", p, "err", err)
				continue
			}
			touched[f.dir] = true
		}
		var cache []byte
		if m.b.opts.Analyze != nil {
			if fh, err := os.Open(np); err == nil {
				cache, _ = m.b.opts.Analyze(fh)
				fh.Close()
			}
		}
		buf = appendRecord(buf, encAppend(nil, &r, st.kw.set(r.kwset), cache))
		next = uid + 1
	}
	// Keywords met in file names are defined before records use them.
	buf = append(m.kwRecords(nil, st), buf...)
	if err := m.syncDirs(touched); err != nil {
		return err
	}
	start := m.off
	if err := m.write(buf); err != nil {
		return err
	}
	// Apply what we wrote exactly as a replay would.
	lr := &logReader{r: bufio.NewReader(bytes.NewReader(buf)), off: start}
	for {
		off, p, err := lr.next()
		if err != nil {
			break
		}
		m.apply(st, off, p, nil)
	}
	return nil
}

// scanCount counts directory scans (for tests).
var scanCount atomic.Int64

// normalizeCRLF rewrites a foreign message whose lines end in bare LF (as
// most Maildir tools write them) with CRLF, as IMAP and POP3 serve them,
// and returns its size and mtime.
func normalizeCRLF(p string) (int64, time.Time, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return 0, time.Time{}, err
	}
	data, err := os.ReadFile(p)
	if err != nil {
		return 0, fi.ModTime(), err
	}
	bare := false
	for i, c := range data {
		if c == '\n' && (i == 0 || data[i-1] != '\r') {
			bare = true
			break
		}
	}
	if !bare {
		return int64(len(data)), fi.ModTime(), nil
	}
	out := make([]byte, 0, len(data)+len(data)/32)
	for i, c := range data {
		if c == '\n' && (i == 0 || data[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, c)
	}
	tmp := p + ".crlf"
	if err := os.WriteFile(tmp, out, 0o600); err != nil {
		return 0, fi.ModTime(), err
	}
	f, err := os.Open(tmp)
	if err == nil {
		err = f.Sync()
		f.Close()
	}
	if err == nil {
		err = os.Chtimes(tmp, fi.ModTime(), fi.ModTime())
	}
	if err == nil {
		err = os.Rename(tmp, p)
	}
	if err != nil {
		os.Remove(tmp)
		return 0, fi.ModTime(), err
	}
	return int64(len(out)), fi.ModTime(), nil
}

// cleanTmp removes tmp/ files older than 36 hours (the Maildir convention;
// younger ones may belong to a delivery in progress in another process).
func (m *mdBox) cleanTmp() {
	dir := filepath.Join(m.dir, "tmp")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > 36*time.Hour {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// compact rewrites the log as the live state (lock held).
func (m *mdBox) compact(st *mstate) error {
	m.applyPendingRenames(st) // a compacted log no longer tells which file names lag (maildir_pending.go)
	tmp := m.idxPath() + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	w := newCountingWriter(f)
	w.Write([]byte(idxMagic))
	gen := newGen()
	lastOff := w.n
	w.Write(appendRecord(nil, encValidityGen(st, gen)))
	for id, n := range st.kw.names {
		lastOff = w.n
		w.Write(appendRecord(nil, encKeyword(uint16(id), n)))
	}
	locs := make([]int64, len(st.msgs))
	lens := make([]uint32, len(st.msgs))
	var live int64
	var buf []byte
	for i := range st.msgs {
		r := &st.msgs[i]
		cache, err := m.cached(st, r)
		if err != nil {
			cache = nil
		}
		buf = appendRecord(buf[:0], encAppend(nil, r, st.kw.set(r.kwset), cache))
		locs[i], lens[i] = w.n, uint32(len(buf))
		lastOff = w.n
		live += int64(len(buf))
		w.Write(buf)
	}
	for i := 0; i < len(st.tombs); {
		j := i
		var uids []uint32
		for ; j < len(st.tombs) && st.tombs[j].modseq == st.tombs[i].modseq; j++ {
			uids = append(uids, st.tombs[j].uid)
		}
		lastOff = w.n
		w.Write(appendRecord(nil, encExpunge(st.tombs[i].modseq, uids)))
		i = j
	}
	if st.tombFloor > 0 {
		lastOff = w.n
		w.Write(appendRecord(nil, encFloor(st.tombFloor)))
	}
	err = w.flush()
	if err == nil {
		err = datasync(f)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, m.idxPath())
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if err := syncDir(m.dir); err != nil {
		return err
	}
	nf, err := os.OpenFile(m.idxPath(), os.O_RDWR|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	fi, err := nf.Stat()
	if err != nil {
		nf.Close()
		return err
	}
	m.idx.Close()
	m.idx, m.idxIno, m.off, m.live, m.loggedKw = nf, inode(fi), fi.Size(), live, len(st.kw.names)
	m.lastOff, m.logGen, m.lastF, m.syncMt = lastOff, gen, nil, [2]int64{}
	for i := range st.msgs {
		st.msgs[i].loc, st.msgs[i].reclen = locs[i], lens[i]
	}
	// Checkpoint the new log right away: the next open reads it.
	if err := m.writeSnapshot(st); err != nil {
		m.b.opts.Logger.Warn("mailbox: index snapshot", "dir", m.dir, "err", err)
	}
	return nil
}
