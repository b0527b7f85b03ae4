package pop3

import (
	"io"
	"net"
	"os"
	"syscall"
)

// rawSock reads and writes an accepted TCP connection's non-blocking
// descriptor with raw system calls through syscall.RawConn. The runtime's
// poller still does the waiting and enforces the deadlines set on the
// net.Conn; what goes away is the scheduler's entersyscall/exitsyscall
// around every read and write, and with it the wakeup of the runtime's
// monitor thread on the first system call after the process was idle —
// which, for a client sending one RETR at a time, was the read of the
// command, on the path of every reply. A read or write of a non-blocking
// socket never blocks, so it needs no handoff of the processor.
type rawSock struct {
	rc      syscall.RawConn
	p       []byte
	n       int
	errno   syscall.Errno
	readFn  func(fd uintptr) bool // bound once: no allocation per call
	writeFn func(fd uintptr) bool
}

// newSock returns what the connection reads and writes: a rawSock for a
// TCP connection, nc itself otherwise.
func newSock(nc net.Conn) io.ReadWriter {
	tc, ok := nc.(*net.TCPConn)
	if !ok {
		return nc
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return nc
	}
	s := &rawSock{rc: rc}
	s.readFn, s.writeFn = s.read, s.write
	return s
}

func (s *rawSock) read(fd uintptr) bool {
	for {
		n, e := sysRead(fd, s.p)
		switch e {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false // the poller waits, within the read deadline
		}
		s.n, s.errno = int(n), e
		return true
	}
}

func (s *rawSock) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	s.p, s.n, s.errno = p, 0, 0
	err := s.rc.Read(s.readFn)
	s.p = nil
	switch {
	case err != nil: // deadline, closed connection
		return 0, err
	case s.errno != 0:
		return 0, os.NewSyscallError("read", s.errno)
	case s.n == 0:
		return 0, io.EOF
	}
	return s.n, nil
}

func (s *rawSock) write(fd uintptr) bool {
	for len(s.p) > 0 {
		n, e := sysWrite(fd, s.p)
		switch e {
		case 0:
			s.n += int(n)
			s.p = s.p[n:]
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false // the poller waits, within the write deadline
		default:
			s.errno = e
			return true
		}
	}
	return true
}

func (s *rawSock) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	s.p, s.n, s.errno = p, 0, 0
	err := s.rc.Write(s.writeFn)
	s.p = nil
	if err == nil && s.errno != 0 {
		err = os.NewSyscallError("write", s.errno)
	}
	return s.n, err
}
