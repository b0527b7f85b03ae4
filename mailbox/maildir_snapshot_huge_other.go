//go:build !linux

package mailbox

// adviseHuge is a no-op where transparent huge pages are not available.
func adviseHuge([]msgRec) {}
