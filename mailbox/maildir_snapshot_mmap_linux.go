package mailbox

import (
	"os"
	"syscall"
	"unsafe"
)

// snapArea is a mapped snapshot's records and columns.
type snapArea struct {
	recs    []msgRec
	modseqs []uint64
	uids    []uint32
	flagIDs []uint32
}

// mapSnapshot maps the nMsgs records and the columns after them at recOff
// of the snapshot f privately (copy-on-write): an open of a big mailbox
// then costs a few page-cache faults instead of zeroing fresh heap pages
// and copying the file into them (on a virtual machine a fresh process
// paid ~2.5 µs a page). In-place flag changes copy only the page they
// touch; the first append that outgrows the records moves them to the
// heap. The snapshot is never modified in place (it is replaced by
// rename), so the mapped file cannot shrink under us. mapping is nil when
// nothing is mapped (small, unaligned, big-endian, or mmap failed).
func mapSnapshot(f *os.File, recOff int64, nMsgs int) (area snapArea, mapping []byte) {
	n := int64(nMsgs) * recSize
	if !rawRecs || n < mapMinBytes || recOff%8 != 0 {
		return area, nil
	}
	size := int64(nMsgs) * (recSize + colSize)
	page := int64(os.Getpagesize())
	start := recOff &^ (page - 1)
	mapping, err := syscall.Mmap(int(f.Fd()), start, int(recOff-start+size), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE)
	if err != nil {
		return area, nil
	}
	p := unsafe.Pointer(unsafe.SliceData(mapping[recOff-start:]))
	area.recs = unsafe.Slice((*msgRec)(p), nMsgs)
	p = unsafe.Add(p, n)
	area.modseqs = unsafe.Slice((*uint64)(p), nMsgs)
	p = unsafe.Add(p, 8*nMsgs)
	area.uids = unsafe.Slice((*uint32)(p), nMsgs)
	p = unsafe.Add(p, 4*nMsgs)
	area.flagIDs = unsafe.Slice((*uint32)(p), nMsgs)
	return area, mapping
}

// unmapRecs releases a mapping made by mapSnapshot.
func unmapRecs(mapping []byte) { syscall.Munmap(mapping) }
