//go:build linux && race

package pop3

import "syscall"

// Under the race detector rawSock uses syscall.Read and syscall.Write:
// their annotations order a write to a socket before the read of it, as
// for net.Conn (sock_raw_linux.go has the raw calls).

func sysRead(fd uintptr, p []byte) (int, syscall.Errno) {
	n, err := syscall.Read(int(fd), p)
	return max(n, 0), errno(err)
}

func sysWrite(fd uintptr, p []byte) (int, syscall.Errno) {
	n, err := syscall.Write(int(fd), p)
	return max(n, 0), errno(err)
}

func errno(err error) syscall.Errno {
	if err == nil {
		return 0
	}
	return err.(syscall.Errno)
}
