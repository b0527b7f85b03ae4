//go:build !linux

package mailbox

import (
	"os"
	"path/filepath"
)

func renameIn(od *os.File, oldName string, nd *os.File, newName string) error {
	return os.Rename(filepath.Join(od.Name(), oldName), filepath.Join(nd.Name(), newName))
}
