//go:build !linux

package mailbox

import "os"

func datasync(f *os.File) error { return f.Sync() }
