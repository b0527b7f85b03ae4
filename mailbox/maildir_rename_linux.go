package mailbox

import (
	"os"
	"syscall"
)

// renameIn renames a message file between two of the mailbox's open
// directories (new/, cur/) relative to their descriptors: no path walk
// and no path building per file, which STORE over thousands of messages
// pays once per message.
func renameIn(od *os.File, oldName string, nd *os.File, newName string) error {
	for {
		err := syscall.Renameat(int(od.Fd()), oldName, int(nd.Fd()), newName)
		if err != syscall.EINTR {
			if err != nil {
				return &os.LinkError{Op: "renameat", Old: oldName, New: newName, Err: err}
			}
			return nil
		}
	}
}

// lstatIn reports whether name exists in the open directory d (one
// faccessat, no path walk).
func lstatIn(d *os.File, name string) (bool, error) {
	for {
		err := syscall.Faccessat(int(d.Fd()), name, 0, 0)
		if err != syscall.EINTR {
			if err != nil {
				return false, &os.PathError{Op: "faccessat", Path: name, Err: err}
			}
			return true, nil
		}
	}
}
