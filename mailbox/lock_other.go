//go:build !unix

package mailbox

import "os"

func flock(f *os.File) error      { return nil }
func funlock(f *os.File) error    { return nil }
func datasync(f *os.File) error   { return f.Sync() }
func inode(fi os.FileInfo) uint64 { return 0 }
