package mailbox

import "unsafe"

// On little-endian machines a msgRec in memory is byte for byte its
// 56-byte snapshot encoding (encRec), so snapshots are read straight into
// the record slice and written straight from it: no decoding pass over
// 100,000 records. rawRecs is false elsewhere (or if the layout ever
// changes) and the portable encRec/decRec are used.
var rawRecs = func() bool {
	var r msgRec
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1 &&
		unsafe.Sizeof(r) == recSize &&
		unsafe.Offsetof(r.uid) == 0 && unsafe.Offsetof(r.kwset) == 4 &&
		unsafe.Offsetof(r.modseq) == 8 && unsafe.Offsetof(r.size) == 16 &&
		unsafe.Offsetof(r.idate) == 24 && unsafe.Offsetof(r.sdate) == 32 &&
		unsafe.Offsetof(r.loc) == 40 && unsafe.Offsetof(r.reclen) == 48 &&
		unsafe.Offsetof(r.tz) == 52 && unsafe.Offsetof(r.sys) == 54 &&
		unsafe.Offsetof(r.bits) == 55
}()

// recBytes is the memory of recs as bytes (only when rawRecs).
func recBytes(recs []msgRec) []byte {
	if len(recs) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&recs[0])), len(recs)*recSize)
}
