//go:build !linux

package mailbox

// prefault is a no-op where madvise(MADV_POPULATE_*) does not exist.
func prefault([]byte, bool) {}

func prefaultSlice[T any]([]T, bool) {}
