//go:build !linux

package mailbox

import "os"

// snapArea is a mapped snapshot's records and columns (never elsewhere).
type snapArea struct {
	recs    []msgRec
	modseqs []uint64
	uids    []uint32
	flagIDs []uint32
}

// mapSnapshot does not map elsewhere: the records are read into the heap.
func mapSnapshot(*os.File, int64, int) (snapArea, []byte) { return snapArea{}, nil }

func unmapRecs([]byte) {}
