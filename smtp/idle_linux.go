//go:build linux

package smtp

import (
	"syscall"
	"unsafe"
)

const idleWaitSupported = true

// peekFD reports whether the socket has input, end of file or an error
// pending, without consuming anything: recv(MSG_PEEK|MSG_DONTWAIT) of one
// octet. false (EAGAIN) lets the runtime poller park the goroutine until
// the socket becomes readable.
func peekFD(fd uintptr, b []byte) bool {
	_, _, errno := syscall.Syscall6(syscall.SYS_RECVFROM, fd, uintptr(unsafe.Pointer(&b[0])), 1,
		syscall.MSG_PEEK|syscall.MSG_DONTWAIT, 0, 0)
	return errno != syscall.EAGAIN
}
