//go:build !unix

package main

import (
	"errors"
	"os"
	"path/filepath"
)

var errDataDirInUse = errors.New("data directory in use by a running mailserver")

// lockDataDir: without flock the lock file only marks the directory.
func lockDataDir(dir string) (*os.File, error) {
	return os.OpenFile(filepath.Join(dir, "mailserver.lock"), os.O_CREATE|os.O_RDWR, 0o600)
}

func unlockDataDir(f *os.File) { f.Close() }
