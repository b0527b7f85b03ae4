//go:build !unix

package server

import (
	"errors"
	"os"
	"path/filepath"
)

var ErrDataDirInUse = errors.New("data directory in use by a running mailserver")

// LockDataDir: without flock the lock file only marks the directory.
func LockDataDir(dir string) (*os.File, error) {
	return os.OpenFile(filepath.Join(dir, "mailserver.lock"), os.O_CREATE|os.O_RDWR, 0o600)
}

func UnlockDataDir(f *os.File) { f.Close() }
