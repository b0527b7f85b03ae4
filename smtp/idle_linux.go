//go:build linux

package smtp

import (
	"errors"
	"syscall"
)

const idleWaitSupported = true

var errWouldBlock = errors.New("would block")

// readFD reads from a non-blocking socket; errWouldBlock means no input
// yet (EAGAIN), and the caller lets the runtime poller wait.
func readFD(fd uintptr, b []byte) (int, error) {
	for {
		n, err := syscall.Read(int(fd), b)
		switch err {
		case nil:
			return n, nil
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return 0, errWouldBlock
		}
		return 0, err
	}
}
