//go:build !linux

package mailbox

import "os"

// mapRecs does not map elsewhere: the records are read into the heap.
func mapRecs(*os.File, int64, int) ([]msgRec, []byte) { return nil, nil }

func unmapRecs([]byte) {}
