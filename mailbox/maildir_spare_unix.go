//go:build unix

package mailbox

import (
	"os"
	"syscall"
)

const canRecycle = true

// links returns the link count of the file at p (0 on error).
func links(p string) uint64 {
	fi, err := os.Lstat(p)
	if err != nil {
		return 0
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 0
}
