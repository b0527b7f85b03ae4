package mailbox

import (
	"bufio"
	"crypto/rand"
	"errors"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// mailwire.snap is a checkpoint of the index log: the mailbox state the
// log's first snapOff bytes replay to, as fixed-size records an open reads
// in one pass instead of replaying (and CRC-checking) every record and
// analysis blob of the log. Only the log is the truth; the snapshot is a
// cache of it that an open uses when it provably describes a prefix of the
// current log, and otherwise ignores (the log is then replayed whole and a
// new snapshot written):
//
//	file  = magic crc32c(body without msgrecs and columns):u32 body
//	magic = "MWSNAP\x00\x04"
//	body  = gen:u64 ino:u64 off:u64 lastoff:u64 lasthdr:[8]u8
//	        live:i64 syncmt:i64*2 uidvalidity:u32 uidnext:u32
//	        highestmodseq:u64 tombfloor:u64
//	        unseen:u32 deleted:u32 size:i64
//	        nlastf:u32 uid:u32*nlastf
//	        nnames:u32 (len:u16 name)*nnames
//	        nsets:u32 (n:u16 id:u16*n)*nsets
//	        nflagsets:u32 (sys:u8 kwset:u32)*nflagsets
//	        nmsgs:u32 zero:u8*(0..7)      (msgrecs start 8-byte aligned)
//	        msgrec*nmsgs                  (56 bytes each, see encRec)
//	        modseq:u64*nmsgs uid:u32*nmsgs flagid:u32*nmsgs   (the columns)
//	        ntombs:u32 (uid:u32 modseq:u64)*ntombs
//	        nchunks:u32 crc32c:u32*nchunks  (of each run of snapChunk msgrecs)
//	        crc32c:u32*nchunks            (of the same run's modseqs, uids, flagids)
//
// The columns are the arrays of a MailboxSnapshot (IMAP SELECT), flag id k
// meaning the flags of flag set k (system bits sys plus keyword set kwset).
// A large snapshot is mapped and opened lazily: the open checks the header
// and the columns (16 bytes a message), serves SELECT from the mapped
// columns, and checks the message records (56 bytes a message) only when
// something first needs them (see mstate.unverified); a damaged record
// area is then found and the log replayed, as at open.
//
// gen is the random generation of the log's first 'V' record (a new one
// for every log created or compacted), ino the log's inode, off the end of
// the replayed prefix and lastoff/lasthdr the offset and length+CRC header
// of the prefix's last record. An open accepts the snapshot only if all of
// them match the log as it is now, then replays the records after off
// (appended since, by this process or another). The message records,
// nearly all of the file, have a CRC per chunk of snapChunk records so that
// an open reads and checks the chunks in parallel. A torn or corrupt snapshot
// fails its magic, CRC or bounds and is ignored; it is written to
// mailwire.snap.tmp and renamed without fsync, because losing it costs one
// slow open, nothing else.
const (
	snapName  = "mailwire.snap"
	snapMagic = "MWSNAP\x00\x04"
	recSize   = 56
	snapChunk = 8192 // records per CRC (448 KiB)
)

// mapMinBytes is the record area below which a snapshot is read into the
// heap and checked at open: mapping (and the lazy open) pays off for big
// mailboxes only, and every mapping is a kernel VMA (vm.max_map_count), so
// thousands of small open mailboxes must not each hold one.
var mapMinBytes int64 = 1 << 20

// snapMin is the log growth (bytes past the snapshot) below which no new
// snapshot is written; above it one is written when the growth also
// exceeds the snapshot's own size, so writing snapshots costs at most as
// much I/O as the log.
var snapMin int64 = 256 << 10

func (m *mdBox) snapPath() string { return filepath.Join(m.dir, snapName) }

// newGen returns a random non-zero log generation.
func newGen() uint64 {
	var b [8]byte
	rand.Read(b[:])
	g := le.Uint64(b[:])
	if g == 0 {
		g = 1
	}
	return g
}

func encRec(b []byte, r *msgRec) {
	le.PutUint32(b[0:], r.uid)
	le.PutUint32(b[4:], r.kwset)
	le.PutUint64(b[8:], r.modseq)
	le.PutUint64(b[16:], uint64(r.size))
	le.PutUint64(b[24:], uint64(r.idate))
	le.PutUint64(b[32:], uint64(r.sdate))
	le.PutUint64(b[40:], uint64(r.loc))
	le.PutUint32(b[48:], r.reclen)
	le.PutUint16(b[52:], uint16(r.tz))
	b[54] = r.sys
	b[55] = r.bits
}

func decRec(b []byte, r *msgRec) {
	_ = b[55]
	r.uid = le.Uint32(b[0:])
	r.kwset = le.Uint32(b[4:])
	r.modseq = le.Uint64(b[8:])
	r.size = int64(le.Uint64(b[16:]))
	r.idate = int64(le.Uint64(b[24:]))
	r.sdate = int64(le.Uint64(b[32:]))
	r.loc = int64(le.Uint64(b[40:]))
	r.reclen = le.Uint32(b[48:])
	r.tz = int16(le.Uint16(b[52:]))
	r.sys = b[54]
	r.bits = b[55]
}

// logPos identifies the end of a log prefix.
type logPos struct {
	gen, ino     uint64
	off, lastOff uint64
	lastHdr      [8]byte
}

// snapWriter writes the body and keeps its CRC.
type snapWriter struct {
	w   *bufio.Writer
	crc uint32
	b   []byte
	n   int64 // bytes written, from the start of the file
}

func (s *snapWriter) put(p []byte) {
	s.crc = crc32.Update(s.crc, castagnoli, p)
	s.w.Write(p)
	s.n += int64(len(p))
}

func (s *snapWriter) u32(v uint32) { s.put(le.AppendUint32(s.b[:0], v)) }
func (s *snapWriter) u64(v uint64) { s.put(le.AppendUint64(s.b[:0], v)) }

// writeSnapshot checkpoints st, which must be exactly what the log's first
// m.off bytes replay to (index lock held).
func (m *mdBox) writeSnapshot(st *mstate) error {
	if m.off <= int64(len(idxMagic)) || m.lastOff <= 0 || st.unverified != nil {
		return nil
	}
	var pos logPos
	pos.gen, pos.ino, pos.off, pos.lastOff = m.logGen, m.idxIno, uint64(m.off), uint64(m.lastOff)
	if _, err := m.idx.ReadAt(pos.lastHdr[:], m.lastOff); err != nil {
		return err
	}
	if int64(le.Uint32(pos.lastHdr[:4]))+8+m.lastOff != m.off {
		return errBadRecord // our bookkeeping is off: better no snapshot
	}
	tmp := m.snapPath() + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 256<<10)
	bw.WriteString(snapMagic)
	bw.Write([]byte{0, 0, 0, 0}) // CRC, filled in below
	s := &snapWriter{w: bw, b: make([]byte, 0, 64), n: int64(len(snapMagic) + 4)}
	s.u64(pos.gen)
	s.u64(pos.ino)
	s.u64(pos.off)
	s.u64(pos.lastOff)
	s.put(pos.lastHdr[:])
	s.u64(uint64(m.live))
	s.u64(uint64(m.syncMt[0]))
	s.u64(uint64(m.syncMt[1]))
	s.u32(st.uidValidity)
	s.u32(st.uidNext)
	s.u64(st.highestModSeq)
	s.u64(st.tombFloor)
	s.u32(st.unseen)
	s.u32(st.deleted)
	s.u64(uint64(st.size))
	s.u32(uint32(len(m.lastF)))
	for _, u := range m.lastF {
		s.u32(u)
	}
	s.u32(uint32(len(st.kw.names)))
	for _, n := range st.kw.names {
		s.put(le.AppendUint16(s.b[:0], uint16(len(n))))
		s.put([]byte(n))
	}
	s.u32(uint32(len(st.kw.sets)))
	for _, set := range st.kw.sets {
		b := le.AppendUint16(s.b[:0], uint16(len(set)))
		for _, id := range set {
			b = le.AppendUint16(b, id)
		}
		s.put(b)
	}
	sel := st.snapshot()
	s.u32(uint32(len(sel.keys)))
	for _, k := range sel.keys {
		b := append(s.b[:0], uint8(k))
		s.put(le.AppendUint32(b, uint32(k>>8)))
	}
	s.u32(uint32(len(st.msgs)))
	s.put(make([]byte, alignPad(s.n)))
	var chunkCRCs []uint32
	var chunk []byte
	for i := 0; i < len(st.msgs); i += snapChunk {
		recs := st.msgs[i:min(len(st.msgs), i+snapChunk)]
		var b []byte
		if rawRecs {
			b = recBytes(recs)
		} else {
			if chunk == nil {
				chunk = make([]byte, snapChunk*recSize)
			}
			b = chunk[:len(recs)*recSize]
			for k := range recs {
				encRec(b[k*recSize:], &recs[k])
			}
		}
		chunkCRCs = append(chunkCRCs, crc32.Checksum(b, castagnoli))
		bw.Write(b) // outside the body CRC: the chunk CRCs cover it
	}
	colCRCs := make([]uint32, len(chunkCRCs))
	writeColumn(bw, colCRCs, sel.ModSeqs, &chunk)
	writeColumn(bw, colCRCs, sel.UIDs, &chunk)
	writeColumn(bw, colCRCs, sel.FlagIDs, &chunk)
	s.u32(uint32(len(st.tombs)))
	for _, t := range st.tombs {
		b := le.AppendUint32(s.b[:0], t.uid)
		s.put(le.AppendUint64(b, t.modseq))
	}
	s.u32(uint32(len(chunkCRCs)))
	for _, c := range chunkCRCs {
		s.u32(c)
	}
	for _, c := range colCRCs {
		s.u32(c)
	}
	err = bw.Flush()
	if err == nil {
		var c [4]byte
		le.PutUint32(c[:], s.crc)
		_, err = f.WriteAt(c[:], int64(len(snapMagic)))
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, m.snapPath())
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	m.snapOff = m.off
	m.snapSize = int64(len(st.msgs))*(recSize+colSize) + 1024
	return nil
}

// colSize is the size of one message's columns (modseq, uid, flag id).
const colSize = 8 + 4 + 4

// writeColumn writes a column (little-endian) and adds each chunk's part
// to its running CRC in crcs.
func writeColumn[T uint32 | uint64](w *bufio.Writer, crcs []uint32, col []T, buf *[]byte) {
	var z T
	size := int(unsafe.Sizeof(z))
	for c := range crcs {
		part := col[c*snapChunk : min(len(col), (c+1)*snapChunk)]
		var b []byte
		if rawRecs {
			b = columnBytes(part)
		} else {
			if len(*buf) < len(part)*size {
				*buf = make([]byte, snapChunk*recSize)
			}
			b = (*buf)[:0]
			for _, v := range part {
				if size == 8 {
					b = le.AppendUint64(b, uint64(v))
				} else {
					b = le.AppendUint32(b, uint32(v))
				}
			}
		}
		crcs[c] = crc32.Update(crcs[c], castagnoli, b)
		w.Write(b)
	}
}

// columnBytes is the memory of a column as bytes (only when rawRecs, that
// is on little-endian machines).
func columnBytes[T uint32 | uint64](col []T) []byte {
	if len(col) == 0 {
		return nil
	}
	var z T
	return unsafe.Slice((*byte)(unsafe.Pointer(&col[0])), len(col)*int(unsafe.Sizeof(z)))
}

// maybeSnapshot writes a snapshot when the log grew enough past the last
// one (index lock held). While the mailbox is in use that is when the
// growth also exceeds the snapshot's size; an open (opening) checkpoints
// any replayed tail above snapMin, so that a quiet mailbox does not replay
// the same tail on every open.
func (m *mdBox) maybeSnapshot(st *mstate, opening bool) {
	if st == nil || st.uidValidity == 0 {
		return
	}
	grown := m.off - m.snapOff
	if grown < snapMin || (grown < m.snapSize && !opening) {
		return
	}
	if err := m.writeSnapshot(st); err != nil {
		m.b.opts.Logger.Warn("mailbox: index snapshot", "dir", m.dir, "err", err)
		m.snapOff = m.off // do not retry on every change
	}
}

// snapLoads counts opens that used a snapshot, snapMaps those that mapped
// its records (for tests).
var snapLoads, snapMaps atomic.Int64

// alignPad is the number of zero bytes that take offset off to a multiple
// of 8, the alignment of msgRec (so that the records can be mapped).
func alignPad(off int64) int { return int(-off & 7) }

var errStaleSnapshot = errors.New("mailbox: snapshot does not match the index")

// snapReader reads the body and keeps its CRC.
type snapReader struct {
	r   *bufio.Reader
	crc uint32
	pos int64 // bytes read through r
	b   [64]byte
	err error
}

func (s *snapReader) read(p []byte) []byte {
	if s.err != nil {
		return p
	}
	if _, err := io.ReadFull(s.r, p); err != nil {
		s.err = errBadRecord
		return p
	}
	s.crc = crc32.Update(s.crc, castagnoli, p)
	s.pos += int64(len(p))
	return p
}

func (s *snapReader) u16() uint16 { return le.Uint16(s.read(s.b[:2])) }
func (s *snapReader) u32() uint32 { return le.Uint32(s.read(s.b[:4])) }
func (s *snapReader) u64() uint64 { return le.Uint64(s.read(s.b[:8])) }

// count reads a length and checks it against limit.
func (s *snapReader) count(limit int) int {
	n := int(s.u32())
	if n > limit {
		s.err = errBadRecord
		return 0
	}
	return n
}

// readSnapshot loads the snapshot if it describes a prefix of the open
// log (size is the log's current size); it fills m's log bookkeeping and
// returns the state, or an error if the snapshot is absent, torn or stale.
func (m *mdBox) readSnapshot(size int64) (*mstate, error) {
	f, err := os.Open(m.snapPath())
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	s := &snapReader{r: bufio.NewReaderSize(f, 16<<10)}
	var head [len(snapMagic) + 4]byte
	if _, err := io.ReadFull(s.r, head[:]); err != nil || string(head[:len(snapMagic)]) != snapMagic {
		return nil, errBadRecord
	}
	s.pos = int64(len(head))
	want := le.Uint32(head[len(snapMagic):])
	var pos logPos
	pos.gen, pos.ino, pos.off, pos.lastOff = s.u64(), s.u64(), s.u64(), s.u64()
	s.read(pos.lastHdr[:])
	if s.err != nil {
		return nil, s.err
	}
	if err := m.checkPos(&pos, size); err != nil {
		return nil, err
	}
	live := int64(s.u64())
	syncMt := [2]int64{int64(s.u64()), int64(s.u64())}
	st := newMState(0, 0)
	st.uidValidity = s.u32()
	st.uidNext = s.u32()
	st.highestModSeq = s.u64()
	st.tombFloor = s.u64()
	counts := recCounts{unseen: s.u32(), deleted: s.u32(), size: int64(s.u64())}
	// Bounds: nothing in the file can be longer than the file.
	limit := int(min(fi.Size(), 1<<31))
	var lastF []uint32
	if n := s.count(limit / 4); n > 0 {
		lastF = make([]uint32, n)
		for i := range lastF {
			lastF[i] = s.u32()
		}
	}
	nNames := s.count(maxKeywords)
	for id := range nNames {
		n := int(s.u16())
		name := make([]byte, n)
		s.read(name)
		if s.err != nil {
			return nil, s.err
		}
		if len(name) > 0 {
			st.kw.define(uint16(id), string(name))
		}
	}
	for len(st.kw.names) < nNames {
		st.kw.names = append(st.kw.names, "")
	}
	nSets := s.count(limit / 2)
	for i := range nSets {
		n := int(s.u16())
		if n > maxKeywords {
			return nil, errBadRecord
		}
		set := make([]uint16, n)
		for k := range set {
			set[k] = s.u16()
			if int(set[k]) >= nNames {
				return nil, errBadRecord
			}
		}
		if s.err != nil {
			return nil, s.err
		}
		if i == 0 {
			if n != 0 {
				return nil, errBadRecord
			}
			continue
		}
		st.kw.sets = append(st.kw.sets, set)
		st.kw.setIDs[packIDs(set)] = uint32(i)
	}
	keys := make([]uint64, s.count(limit/5))
	for i := range keys {
		sys := s.read(s.b[:1])[0]
		set := s.u32()
		if sys > sysMask || int(set) >= len(st.kw.sets) {
			return nil, errBadRecord
		}
		keys[i] = uint64(set)<<8 | uint64(sys)
	}
	nMsgs := s.count(limit / (recSize + colSize))
	for _, z := range s.read(s.b[:alignPad(s.pos)]) {
		if z != 0 {
			return nil, errBadRecord
		}
	}
	if s.err != nil {
		return nil, s.err
	}
	recOff := s.pos
	tailOff := recOff + int64(nMsgs)*(recSize+colSize)
	if tailOff > fi.Size() {
		return nil, errBadRecord
	}
	nChunks := (nMsgs + snapChunk - 1) / snapChunk
	chunks := make([]chunkResult, nChunks)
	// Large snapshots are mapped from the file (copy-on-write) and opened
	// lazily: the workers check the columns only (see mapSnapshot).
	// Otherwise the records are read into the heap and checked now, and
	// the SELECT arrays are filled from them while they are in cache.
	area, mapping := mapSnapshot(f, recOff, nMsgs)
	var sel *MailboxSnapshot
	var owner *snapMapping
	accepted := false
	if mapping != nil {
		owner = &snapMapping{b: mapping}
		owner.cleanup = runtime.AddCleanup(owner, unmapRecs, mapping)
		defer func() {
			if !accepted {
				owner.release() // rejected: nothing refers to it
			}
		}()
		st.msgs, st.mapping = area.recs, owner
		sel = &MailboxSnapshot{UIDs: area.uids, ModSeqs: area.modseqs, FlagIDs: area.flagIDs, keys: keys, owner: owner}
	} else {
		st.msgs = make([]msgRec, nMsgs)
		adviseHuge(st.msgs)
		sel = newSnapArrays(nMsgs)
	}
	wait := forChunks(nChunks, func(c int, buf *[]byte) {
		if mapping != nil {
			chunks[c] = checkColumns(sel, c, len(keys))
		} else {
			chunks[c] = readChunk(f, recOff, st.msgs, c, len(st.kw.sets), false, buf, sel)
		}
	})
	s.r.Reset(io.NewSectionReader(f, tailOff, fi.Size()))
	if nTombs := s.count(limit / 12); nTombs > 0 {
		st.tombs = make([]tombstone, nTombs)
		for i := range st.tombs {
			st.tombs[i].uid = s.u32()
			st.tombs[i].modseq = s.u64()
		}
	}
	crcs := make([]uint32, s.count(limit/8))
	for i := range crcs {
		crcs[i] = s.u32()
	}
	colCRCs := make([]uint32, len(crcs))
	for i := range colCRCs {
		colCRCs[i] = s.u32()
	}
	wait()
	if s.err != nil {
		return nil, s.err
	}
	if s.crc != want || len(crcs) != nChunks {
		return nil, errBadRecord
	}
	if _, err := s.r.ReadByte(); err != io.EOF {
		return nil, errBadRecord // trailing bytes: not a file we wrote
	}
	check := crcs
	if mapping != nil {
		check = colCRCs
	}
	last, got, ok := sumChunks(chunks, check)
	if !ok || last >= st.uidNext && last != 0 {
		return nil, errBadRecord
	}
	if mapping != nil {
		// The records are checked on first use (recCheck.verify).
		st.unseen, st.deleted, st.size = counts.unseen, counts.deleted, counts.size
		st.unverified = &recCheck{crcs: crcs, nSets: len(st.kw.sets), counts: counts}
		sel.FlagSets = make([][]string, len(keys))
		for i, k := range keys {
			sel.FlagSets[i] = st.kw.flagStrings(uint8(k), uint32(k>>8))
		}
		sel.Status = st.status("", "")
		st.snap = sel
		snapMaps.Add(1)
	} else {
		if got != counts {
			return nil, errBadRecord
		}
		st.unseen, st.deleted, st.size = got.unseen, got.deleted, got.size
		fills := make([]snapFill, len(chunks))
		for c := range chunks {
			fills[c] = chunks[c].fill
		}
		st.finishSnapshot(sel, fills)
	}
	m.off, m.lastOff, m.live, m.syncMt, m.lastF = int64(pos.off), int64(pos.lastOff), live, syncMt, lastF
	m.loggedKw, m.logGen = nNames, pos.gen
	m.snapOff, m.snapSize = m.off, int64(nMsgs)*(recSize+colSize)+1024
	snapLoads.Add(1)
	accepted = true
	return st, nil
}

// forChunks runs fn for chunks 0..n-1 on up to 4 goroutines (each with a
// buffer of its own) and returns the function that waits for them.
func forChunks(n int, fn func(c int, buf *[]byte)) (wait func()) {
	workers := min(n, runtime.GOMAXPROCS(0), 4)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf []byte
			for c := w; c < n; c += workers {
				fn(c, &buf)
			}
		}()
	}
	return wg.Wait
}

// recCounts are the message counts a snapshot's header keeps.
type recCounts struct {
	unseen, deleted uint32
	size            int64
}

// sumChunks checks the chunks' results against their CRCs and their UIDs
// against each other; it returns the last UID and the counts.
func sumChunks(chunks []chunkResult, crcs []uint32) (last uint32, sum recCounts, ok bool) {
	if len(crcs) != len(chunks) {
		return 0, sum, false
	}
	for c, ch := range chunks {
		if !ch.ok || ch.crc != crcs[c] || ch.first <= last {
			return 0, sum, false
		}
		last = ch.last
		sum.unseen += ch.unseen
		sum.deleted += ch.deleted
		sum.size += ch.size
	}
	return last, sum, true
}

// snapMapping owns a snapshot's file mapping: the mapping is released
// when neither the mailbox state (its records) nor any MailboxSnapshot
// handed to a session (its columns) refers to it any more.
type snapMapping struct {
	b       []byte
	cleanup runtime.Cleanup
}

// release unmaps at once; only when nothing refers to the mapping.
func (o *snapMapping) release() {
	o.cleanup.Stop()
	unmapRecs(o.b)
	o.b = nil
}

// recCheck is what a lazily opened snapshot still has to check of its
// records before anything uses them: their chunk CRCs, ascending UIDs,
// known keyword sets, and the header's counts.
type recCheck struct {
	crcs   []uint32
	nSets  int
	counts recCounts
}

// recVerifies counts recCheck.verify calls (for tests).
var recVerifies atomic.Int64

// verify checks st.msgs (all of them still as mapped from the snapshot).
func (rc *recCheck) verify(st *mstate) error {
	recVerifies.Add(1)
	chunks := make([]chunkResult, len(rc.crcs))
	forChunks(len(chunks), func(c int, _ *[]byte) {
		chunks[c] = readChunk(nil, 0, st.msgs, c, rc.nSets, true, nil, nil)
	})()
	last, got, ok := sumChunks(chunks, rc.crcs)
	if !ok || got != rc.counts || last >= st.uidNext && last != 0 {
		return errBadRecord
	}
	return nil
}

// checkColumns checks chunk c of a mapped snapshot's columns: its CRC,
// ascending UIDs and flag ids that exist.
func checkColumns(sel *MailboxSnapshot, c, nFlagSets int) chunkResult {
	lo, hi := c*snapChunk, min(len(sel.UIDs), (c+1)*snapChunk)
	var res chunkResult
	res.crc = crc32.Checksum(columnBytes(sel.ModSeqs[lo:hi]), castagnoli)
	res.crc = crc32.Update(res.crc, castagnoli, columnBytes(sel.UIDs[lo:hi]))
	res.crc = crc32.Update(res.crc, castagnoli, columnBytes(sel.FlagIDs[lo:hi]))
	var prev uint32
	for _, u := range sel.UIDs[lo:hi] {
		if u <= prev {
			return res
		}
		prev = u
	}
	for _, id := range sel.FlagIDs[lo:hi] {
		if int(id) >= nFlagSets {
			return res
		}
	}
	res.ok = true
	res.first, res.last = sel.UIDs[lo], prev
	return res
}

// checkPos verifies that pos is the end of a prefix of the open log.
func (m *mdBox) checkPos(pos *logPos, size int64) error {
	if pos.ino != m.idxIno || int64(pos.off) > size || pos.lastOff < uint64(len(idxMagic)) ||
		pos.lastOff+8+uint64(le.Uint32(pos.lastHdr[:4])) != pos.off {
		return errStaleSnapshot
	}
	var hdr [8]byte
	if _, err := m.idx.ReadAt(hdr[:], int64(pos.lastOff)); err != nil || hdr != pos.lastHdr {
		return errStaleSnapshot
	}
	if gen, err := m.readGen(size); err != nil || gen != pos.gen {
		return errStaleSnapshot
	}
	return nil
}

// readGen returns the generation of the log's first record if it is a
// 'V' record that has one (0 for logs written before generations).
func (m *mdBox) readGen(size int64) (uint64, error) {
	var b [8 + 1 + 4 + 4 + 8 + 8]byte
	n, err := m.idx.ReadAt(b[:], int64(len(idxMagic)))
	if n < 8 {
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
		return 0, err
	}
	l := int(le.Uint32(b[:4]))
	if l < 1+4+4+8+8 || n < len(b) || b[8] != 'V' {
		return 0, nil
	}
	p := make([]byte, l)
	if _, err := m.idx.ReadAt(p, int64(len(idxMagic))+8); err != nil {
		return 0, err
	}
	if crc32.Checksum(p, castagnoli) != le.Uint32(b[4:8]) {
		return 0, errBadRecord
	}
	return le.Uint64(p[1+4+4+8:]), nil
}

// chunkResult is what readChunk found in one chunk of records.
type chunkResult struct {
	ok              bool
	crc             uint32
	first, last     uint32 // UIDs
	unseen, deleted uint32
	size            int64
	fill            snapFill
}

// readChunk reads chunk c of the snapshot's records into msgs, checks that
// its UIDs ascend and its keyword sets exist, counts it and fills its part
// of sel.
func readChunk(f *os.File, recOff int64, msgs []msgRec, c, nSets int, mapped bool, buf *[]byte, sel *MailboxSnapshot) chunkResult {
	lo, hi := c*snapChunk, min(len(msgs), (c+1)*snapChunk)
	recs := msgs[lo:hi]
	var b []byte
	if rawRecs {
		b = recBytes(recs)
	} else {
		if *buf == nil {
			*buf = make([]byte, snapChunk*recSize)
		}
		b = (*buf)[:len(recs)*recSize]
	}
	var res chunkResult
	if mapped {
		prefault(b, false)
	} else {
		if _, err := f.ReadAt(b, recOff+int64(lo)*recSize); err != nil {
			return res
		}
	}
	if sel != nil {
		prefaultSlice(sel.UIDs[lo:hi], true)
		prefaultSlice(sel.ModSeqs[lo:hi], true)
		prefaultSlice(sel.FlagIDs[lo:hi], true)
	}
	// One pass over the chunk in cache-sized blocks (CRC, checks, fill)
	// rather than three passes over 448 KiB: in a fresh process the
	// records come from memory, not cache.
	var prev uint32
	for blo := 0; blo < len(recs); blo += snapBlock {
		bhi := min(len(recs), blo+snapBlock)
		res.crc = crc32.Update(res.crc, castagnoli, b[blo*recSize:bhi*recSize])
		for i := blo; i < bhi; i++ {
			r := &recs[i]
			if !rawRecs {
				decRec(b[i*recSize:], r)
			}
			if r.uid <= prev || int(r.kwset) >= nSets {
				return res
			}
			prev = r.uid
			if r.sys&sysSeen == 0 {
				res.unseen++
			}
			if r.sys&sysDeleted != 0 {
				res.deleted++
			}
			res.size += r.size
		}
		if sel != nil {
			f := fillSnapArrays(sel, msgs, lo+blo, lo+bhi)
			res.fill.maxSys = max(res.fill.maxSys, f.maxSys)
			res.fill.kw = append(res.fill.kw, f.kw...)
		}
	}
	res.ok = true
	res.first, res.last = recs[0].uid, prev
	return res
}

// snapBlock is the number of records readChunk checks at a time (28 KiB,
// to stay in the L1/L2 cache between the CRC and the checks).
const snapBlock = 512
