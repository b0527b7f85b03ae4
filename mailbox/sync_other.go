//go:build !linux

package mailbox

import "os"

func datasync(f *os.File) error { return f.Sync() }

// Without syncfs(2) every staged body is flushed on its own.
func syncfs(f *os.File) error                { return errNoSyncfs }
func fileSystemID(f *os.File) (uint64, bool) { return 0, false }
func syncfsReportsErrors() bool              { return false }
func isNoSys(err error) bool                 { return false }
