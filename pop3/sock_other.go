//go:build !linux

package pop3

import (
	"io"
	"net"
)

// newSock returns what the connection reads and writes (sock_linux.go).
func newSock(nc net.Conn) io.ReadWriter { return nc }
