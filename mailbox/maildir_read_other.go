//go:build !linux

package mailbox

import (
	"os"
	"path/filepath"
)

func openIn(dir *os.File, mboxDir string, d int, name string, size int64) (Message, error) {
	return openFile(filepath.Join(mboxDir, subdirs[d], name), size)
}

func openPath(path string, size int64) (Message, error) { return openFile(path, size) }
