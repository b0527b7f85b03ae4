package mailbox

import (
	"bufio"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
)

// The per-mailbox index (mailwire.index) is an append-only log:
//
//	file   = magic record*
//	magic  = "MWIDX\x00\x01\n"
//	record = length:u32le crc32c(payload):u32le payload
//	payload = type:u8 fields...   (little-endian)
//
//	'V' uidvalidity:u32 uidnext:u32 highestmodseq:u64 [gen:u64]
//	'K' id:u16 name                      keyword definition
//	'A' uid:u32 modseq:u64 size:u64 idate:i64 tz:i16 sdate:i64 sys:u8
//	    innew:u8 nkw:u16 kw:u16*nkw cachelen:u32 cache   message appended
//	'F' modseq:u64 n:u32 (uid:u32 sys:u8 nkw:u16 kw:u16*nkw)*n  flags changed
//	'X' modseq:u64 n:u32 uid:u32*n       messages expunged (also tombstones)
//	'D' floor:u64                        tombstones below were dropped
//
// A torn or corrupt tail (crash during append) fails its length or CRC
// check and is truncated away under the index lock; the Maildir scan that
// follows every open puts back anything the log lacks. Compaction rewrites
// the live state to mailwire.index.tmp, fsyncs it and renames it over the
// log.
const idxMagic = "MWIDX\x00\x01\n"

const maxRecord = 1 << 28

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

var le = binary.LittleEndian

func appendRecord(dst, payload []byte) []byte {
	dst = le.AppendUint32(dst, uint32(len(payload)))
	dst = le.AppendUint32(dst, crc32.Checksum(payload, castagnoli))
	return append(dst, payload...)
}

// encValidity encodes a 'V' record. It starts every new log, so it
// carries a fresh random generation that snapshots (maildir_snapshot.go)
// use to recognise the log; logs written before generations have none and
// read as generation 0.
func encValidity(st *mstate) []byte { return encValidityGen(st, newGen()) }

func encValidityGen(st *mstate, gen uint64) []byte {
	p := []byte{'V'}
	p = le.AppendUint32(p, st.uidValidity)
	p = le.AppendUint32(p, st.uidNext)
	p = le.AppendUint64(p, st.highestModSeq)
	return le.AppendUint64(p, gen)
}

func encKeyword(id uint16, name string) []byte {
	p := []byte{'K'}
	p = le.AppendUint16(p, id)
	return append(p, name...)
}

func encAppend(p []byte, r *msgRec, kw []uint16, cache []byte) []byte {
	p = append(p, 'A')
	p = le.AppendUint32(p, r.uid)
	p = le.AppendUint64(p, r.modseq)
	p = le.AppendUint64(p, uint64(r.size))
	p = le.AppendUint64(p, uint64(r.idate))
	p = le.AppendUint16(p, uint16(r.tz))
	p = le.AppendUint64(p, uint64(r.sdate))
	p = append(p, r.sys, r.bits&bitInNew)
	p = le.AppendUint16(p, uint16(len(kw)))
	for _, k := range kw {
		p = le.AppendUint16(p, k)
	}
	p = le.AppendUint32(p, uint32(len(cache)))
	return append(p, cache...)
}

type flagEntry struct {
	uid uint32
	sys uint8
	kw  []uint16
}

func encFlags(modseq uint64, es []flagEntry) []byte {
	p := []byte{'F'}
	p = le.AppendUint64(p, modseq)
	p = le.AppendUint32(p, uint32(len(es)))
	for _, e := range es {
		p = le.AppendUint32(p, e.uid)
		p = append(p, e.sys)
		p = le.AppendUint16(p, uint16(len(e.kw)))
		for _, k := range e.kw {
			p = le.AppendUint16(p, k)
		}
	}
	return p
}

func encExpunge(modseq uint64, uids []uint32) []byte {
	p := []byte{'X'}
	p = le.AppendUint64(p, modseq)
	p = le.AppendUint32(p, uint32(len(uids)))
	for _, u := range uids {
		p = le.AppendUint32(p, u)
	}
	return p
}

func encFloor(floor uint64) []byte {
	return le.AppendUint64([]byte{'D'}, floor)
}

var errBadRecord = errors.New("mailbox: corrupt index record")

// dec is a bounds-checked little-endian decoder.
type dec struct {
	b   []byte
	bad bool
}

func (d *dec) take(n int) []byte {
	if d.bad || len(d.b) < n {
		d.bad = true
		return make([]byte, n)
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}
func (d *dec) u8() uint8   { return d.take(1)[0] }
func (d *dec) u16() uint16 { return le.Uint16(d.take(2)) }
func (d *dec) u32() uint32 { return le.Uint32(d.take(4)) }
func (d *dec) u64() uint64 { return le.Uint64(d.take(8)) }
func (d *dec) kws() []uint16 {
	n := int(d.u16())
	if n > maxKeywords {
		d.bad = true
		return nil
	}
	out := make([]uint16, 0, n)
	for range n {
		out = append(out, d.u16())
	}
	return out
}

// appendFields is a decoded 'A' record.
type appendFields struct {
	rec   msgRec
	kw    []uint16
	cache []byte
}

func decAppend(p []byte) (appendFields, error) {
	d := dec{b: p[1:]}
	var a appendFields
	a.rec.uid = d.u32()
	a.rec.modseq = d.u64()
	a.rec.size = int64(d.u64())
	a.rec.idate = int64(d.u64())
	a.rec.tz = int16(d.u16())
	a.rec.sdate = int64(d.u64())
	a.rec.sys = d.u8()
	a.rec.bits = d.u8() & bitInNew
	a.kw = d.kws()
	n := int(d.u32())
	if n > len(d.b) {
		return a, errBadRecord
	}
	a.cache = d.take(n)
	if d.bad || a.rec.uid == 0 {
		return a, errBadRecord
	}
	return a, nil
}

// logReader reads records sequentially, tracking offsets.
type logReader struct {
	r   *bufio.Reader
	off int64 // offset of the next record
	buf []byte
}

// next returns the next record's offset and payload (valid until the next
// call), io.EOF at a clean end, or errBadRecord for a torn/corrupt record.
func (lr *logReader) next() (int64, []byte, error) {
	var hdr [8]byte
	n, err := io.ReadFull(lr.r, hdr[:])
	if err == io.EOF {
		return 0, nil, io.EOF
	}
	if err != nil || n < 8 {
		return 0, nil, errBadRecord
	}
	size := le.Uint32(hdr[:4])
	if size == 0 || size > maxRecord {
		return 0, nil, errBadRecord
	}
	if cap(lr.buf) < int(size) {
		lr.buf = make([]byte, size)
	}
	p := lr.buf[:size]
	if _, err := io.ReadFull(lr.r, p); err != nil {
		return 0, nil, errBadRecord
	}
	if crc32.Checksum(p, castagnoli) != le.Uint32(hdr[4:]) {
		return 0, nil, errBadRecord
	}
	off := lr.off
	lr.off += 8 + int64(size)
	return off, p, nil
}
