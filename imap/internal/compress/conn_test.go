package compress

import (
	"bufio"
	"bytes"
	"compress/flate"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// tcpPair returns two ends of a loopback TCP connection.
func tcpPair(t testing.TB) (net.Conn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	acc := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		acc <- c
	}()
	a, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b := <-acc
	if b == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

func compressedPair(t testing.TB) (*Conn, *Conn) {
	t.Helper()
	a, b := tcpPair(t)
	za, err := NewConn(a, nil)
	if err != nil {
		t.Fatal(err)
	}
	zb, err := NewConn(b, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { za.Close(); zb.Close() })
	return za, zb
}

// readLineWithin reads one line from r, failing if it takes longer than d
// (a Read blocked on a partial flush would hang here).
func readLineWithin(t *testing.T, c net.Conn, br *bufio.Reader, d time.Duration) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(d))
	l, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("read: %v (got %q)", err, l)
	}
	return l
}

// A peer that writes one response and then waits must have that response
// delivered in full: the RFC 4978 §4 flush requirement, seen from both
// ends.
func TestResponseThenWaitIsDeliveredPromptly(t *testing.T) {
	za, zb := compressedPair(t)
	br := bufio.NewReader(zb)
	for i, line := range []string{"* OK hello\r\n", "* 3 EXISTS\r\n", strings.Repeat("x", 70000) + "\r\n"} {
		if _, err := io.WriteString(za, line); err != nil {
			t.Fatal(err)
		}
		// The writer now waits; the reader must see the whole line.
		if got := readLineWithin(t, zb, br, 5*time.Second); got != line {
			t.Fatalf("line %d: got %d bytes, want %d", i, len(got), len(line))
		}
	}
	// And the other direction.
	br2 := bufio.NewReader(za)
	io.WriteString(zb, "a NOOP\r\n")
	if got := readLineWithin(t, za, br2, 5*time.Second); got != "a NOOP\r\n" {
		t.Fatalf("got %q", got)
	}
}

// An expired read deadline must not break the stream (compress/flate keeps
// source errors for good; IDLE relies on deadlines to wake up).
func TestReadDeadlineIsRecoverable(t *testing.T) {
	za, zb := compressedPair(t)
	buf := make([]byte, 64)
	zb.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	if _, err := zb.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
	// A past deadline set from another goroutine wakes a blocked Read.
	done := make(chan error, 1)
	zb.SetReadDeadline(time.Time{})
	go func() {
		_, err := zb.Read(buf)
		done <- err
	}()
	time.AfterFunc(10*time.Millisecond, func() { zb.SetReadDeadline(time.Unix(1, 0)) })
	select {
	case err := <-done:
		if !IsTimeout(err) {
			t.Fatalf("err = %v, want timeout", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Read not woken by a past deadline")
	}
	zb.SetReadDeadline(time.Time{})
	io.WriteString(za, "still working\r\n")
	if got := readLineWithin(t, zb, bufio.NewReader(zb), 5*time.Second); got != "still working\r\n" {
		t.Fatalf("got %q", got)
	}
}

// The wire format is raw DEFLATE with sync flushes (RFC 4978 §3): a plain
// flate reader decodes what Conn writes, and Conn decodes what a plain
// flate writer sends when it flushes.
func TestInteropWithPlainDeflate(t *testing.T) {
	a, b := tcpPair(t)
	za, err := NewConn(a, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer za.Close()
	io.WriteString(za, "A1 OK done\r\n")
	// Each flush ends with the empty stored block 00 00 FF FF.
	raw := make([]byte, 256)
	b.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := b.Read(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(raw[:n], []byte{0, 0, 0xff, 0xff}) {
		t.Fatalf("flush marker missing: % x", raw[:n])
	}
	got, _ := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(raw[:n])), 100))
	if string(got) != "A1 OK done\r\n" {
		t.Fatalf("plain inflate: %q", got)
	}
	fw, _ := flate.NewWriter(b, flate.BestCompression)
	io.WriteString(fw, "* BYE\r\n")
	fw.Flush()
	if got := readLineWithin(t, za, bufio.NewReader(za), 5*time.Second); got != "* BYE\r\n" {
		t.Fatalf("got %q", got)
	}
}

// Compressed bytes a buffered reader read ahead are not lost.
func TestPrefix(t *testing.T) {
	a, b := tcpPair(t)
	var pre bytes.Buffer
	fw, _ := flate.NewWriter(&pre, 1)
	io.WriteString(fw, "first\r\nsec")
	fw.Flush()
	io.WriteString(fw, "ond\r\n")
	fw.Flush()
	cut := pre.Len() - 5
	zb, err := NewConn(b, &Options{Prefix: pre.Bytes()[:cut]})
	if err != nil {
		t.Fatal(err)
	}
	defer zb.Close()
	a.Write(pre.Bytes()[cut:])
	br := bufio.NewReader(zb)
	for _, want := range []string{"first\r\n", "second\r\n"} {
		if got := readLineWithin(t, zb, br, 5*time.Second); got != want {
			t.Fatalf("got %q want %q", got, want)
		}
	}
}

func TestPeerCloseIsEOF(t *testing.T) {
	za, zb := compressedPair(t)
	io.WriteString(za, "bye\r\n")
	za.Close()
	zb.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(zb)
	if err != nil || string(got) != "bye\r\n" {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestCorruptInputIsAnError(t *testing.T) {
	a, b := tcpPair(t)
	zb, _ := NewConn(b, nil)
	defer zb.Close()
	a.Write([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	zb.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, err := io.ReadAll(zb)
	if err == nil || IsTimeout(err) {
		t.Fatalf("err = %v, want a corrupt-input error", err)
	}
}

func TestUseAfterClose(t *testing.T) {
	za, _ := compressedPair(t)
	za.Close()
	if _, err := za.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("write err = %v", err)
	}
	if _, err := za.Read(make([]byte, 1)); err == nil {
		t.Fatal("read after close succeeded")
	}
	if za.Close() != nil {
		t.Fatal("second close failed")
	}
}

// Many lines in both directions concurrently (run with -race).
func TestConcurrentBothDirections(t *testing.T) {
	za, zb := compressedPair(t)
	const n = 2000
	errc := make(chan error, 2)
	send := func(c net.Conn) {
		w := bufio.NewWriter(c)
		for i := 0; i < n; i++ {
			w.WriteString("* 1 FETCH (FLAGS (\\Seen))\r\n")
			if i%7 == 0 {
				if err := w.Flush(); err != nil {
					errc <- err
					return
				}
			}
		}
		errc <- w.Flush()
	}
	recv := func(c net.Conn) error {
		br := bufio.NewReader(c)
		c.SetReadDeadline(time.Now().Add(20 * time.Second))
		for i := 0; i < n; i++ {
			l, err := br.ReadString('\n')
			if err != nil {
				return err
			}
			if l != "* 1 FETCH (FLAGS (\\Seen))\r\n" {
				return errors.New("corrupt line " + l)
			}
		}
		return nil
	}
	go send(za)
	go send(zb)
	if err := recv(za); err != nil {
		t.Fatal(err)
	}
	if err := recv(zb); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
}
