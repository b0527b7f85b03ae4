package mailbox

import (
	"os"
	"syscall"
	"unsafe"
)

// mapMinBytes is the record area below which a snapshot is read into the
// heap: mapping pays off for big mailboxes only, and every mapping is a
// kernel VMA (vm.max_map_count), so thousands of small open mailboxes must
// not each hold one.
var mapMinBytes int64 = 1 << 20

// mapRecs maps the nMsgs records at recOff of the snapshot f privately
// (copy-on-write): an open of a big mailbox then costs a few page-cache
// faults instead of zeroing fresh heap pages and copying the file into
// them (a fresh process took ~1,500 faults and a GC cycle for 100,000
// messages). In-place flag changes copy only the page they touch; the
// first append that outgrows the slice moves it to the heap. The snapshot
// is never modified in place (it is replaced by rename), so the mapped
// file cannot shrink under us. mapping is nil when the records are not
// mapped (small, unaligned, big-endian, or mmap failed).
func mapRecs(f *os.File, recOff int64, nMsgs int) (recs []msgRec, mapping []byte) {
	n := int64(nMsgs) * recSize
	if !rawRecs || n < mapMinBytes || recOff%8 != 0 {
		return nil, nil
	}
	page := int64(os.Getpagesize())
	start := recOff &^ (page - 1)
	mapping, err := syscall.Mmap(int(f.Fd()), start, int(recOff-start+n), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE)
	if err != nil {
		return nil, nil
	}
	p := unsafe.Pointer(unsafe.SliceData(mapping[recOff-start:]))
	return unsafe.Slice((*msgRec)(p), nMsgs), mapping
}

// unmapRecs releases a mapping made by mapRecs.
func unmapRecs(mapping []byte) { syscall.Munmap(mapping) }
