//go:build !linux

package smtp

const idleWaitSupported = false

func peekFD(fd uintptr, b []byte) bool { return true }
