//go:build !unix

package mailbox

import "os"

// On systems without flock(2) (Windows, Plan 9, wasm) writers are
// serialised within one process only: do not share a Maildir between
// processes there. datasync for these systems is in sync_other.go.

func flock(f *os.File) error      { return nil }
func funlock(f *os.File) error    { return nil }
func inode(fi os.FileInfo) uint64 { return 0 }
