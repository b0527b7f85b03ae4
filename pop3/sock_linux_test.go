package pop3

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// tcpPair returns the accepted (server) and the dialled end of a loopback
// TCP connection.
func tcpPair(t *testing.T) (*net.TCPConn, net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cc, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	sc, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sc.Close(); cc.Close() })
	return sc.(*net.TCPConn), cc
}

func TestRawSockReadWrite(t *testing.T) {
	sc, cc := tcpPair(t)
	s := newSock(sc)
	if _, ok := s.(*rawSock); !ok {
		t.Fatalf("newSock(TCP) = %T, want *rawSock", s)
	}
	// A write larger than the socket buffers: the raw write meets EAGAIN
	// and the poller waits until the peer reads.
	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<18) // 4 MiB
	got := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(io.LimitReader(cc, int64(len(big))))
		got <- b
	}()
	if n, err := s.Write(big); n != len(big) || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if b := <-got; !bytes.Equal(b, big) {
		t.Fatalf("peer read %d octets, not what was written", len(b))
	}
	go cc.Write([]byte("RETR 1\r\n")) // the read may wait in the poller
	buf := make([]byte, 64)
	n, err := s.Read(buf)
	if err != nil || string(buf[:n]) != "RETR 1\r\n" {
		t.Fatalf("Read = %q, %v", buf[:n], err)
	}
	cc.Close()
	if n, err := s.Read(buf); n != 0 || err != io.EOF {
		t.Fatalf("Read after the peer closed = %d, %v; want io.EOF", n, err)
	}
}

func TestRawSockDeadlines(t *testing.T) {
	sc, _ := tcpPair(t)
	s := newSock(sc)
	sc.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	_, err := s.Read(make([]byte, 16))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read past the deadline: %v, want a timeout", err)
	}
	// The peer never reads: the write fills the buffers and times out.
	sc.SetWriteDeadline(time.Now().Add(20 * time.Millisecond))
	n, err := s.Write(make([]byte, 64<<20))
	if !errors.As(err, &ne) || !ne.Timeout() || n == 64<<20 {
		t.Fatalf("Write past the deadline = %d, %v; want a timeout", n, err)
	}
	sc.Close()
	if _, err := s.Read(make([]byte, 16)); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Read after Close: %v, want net.ErrClosed", err)
	}
	if _, err := s.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Write after Close: %v, want net.ErrClosed", err)
	}
}

func TestNewSockOthers(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if s := newSock(a); s != io.ReadWriter(a) {
		t.Fatalf("newSock(pipe) = %T, want the conn itself", s)
	}
}
