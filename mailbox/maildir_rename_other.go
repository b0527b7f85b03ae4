//go:build !linux

package mailbox

import (
	"os"
	"path/filepath"
)

func renameIn(od *os.File, oldName string, nd *os.File, newName string) error {
	return os.Rename(filepath.Join(od.Name(), oldName), filepath.Join(nd.Name(), newName))
}

func lstatIn(d *os.File, name string) (bool, error) {
	_, err := os.Lstat(filepath.Join(d.Name(), name))
	return err == nil, err
}
