package pop3

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// benchMessage is a size-octet message of CRLF lines.
func benchMessage(size int) string {
	var b strings.Builder
	b.WriteString("From: a@example.org\r\nTo: b@example.org\r\nSubject: bench\r\n\r\n")
	for b.Len() < size {
		b.WriteString("The quick brown fox jumps over the lazy dog 0123456789 abcdefghij\r\n")
	}
	s := b.String()[:size-2]
	return s + "\r\n"
}

// benchServer serves n messages of size octets to user u/p.
func benchServer(b *testing.B, n, size int) string {
	mb := newMemBackend()
	mb.addUser("u", "p")
	msg := benchMessage(size)
	for range n {
		mb.add("u", msg)
	}
	srv := newTestServer(b, mb)
	return startServer(b, srv)
}

// rawClient is a minimal client so that the benchmark measures the server.
type rawClient struct {
	c net.Conn
	r *bufio.Reader
	w *bufio.Writer
}

func rawLogin(b *testing.B, addr string) *rawClient {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	rc := &rawClient{c: c, r: bufio.NewReaderSize(c, 64<<10), w: bufio.NewWriter(c)}
	rc.w.WriteString("USER u\r\nPASS p\r\n")
	rc.w.Flush()
	for range 3 {
		if l, _ := rc.r.ReadString('\n'); !strings.HasPrefix(l, "+OK") {
			b.Fatalf("login: %q", l)
		}
	}
	return rc
}

// readMulti reads one +OK multi-line response and returns its octets.
func (rc *rawClient) readMulti(b *testing.B) int64 {
	l, err := rc.r.ReadSlice('\n')
	if err != nil || !bytes.HasPrefix(l, []byte("+OK")) {
		b.Fatalf("status %q %v", l, err)
	}
	var n int64
	for {
		l, err := rc.r.ReadSlice('\n')
		if err != nil && err != bufio.ErrBufferFull {
			b.Fatal(err)
		}
		if len(l) == 3 && l[0] == '.' {
			return n
		}
		n += int64(len(l))
	}
}

// BenchmarkRETR: RETR over loopback TCP, window = commands in flight.
func BenchmarkRETR(b *testing.B) {
	for _, tc := range []struct {
		size, window int
	}{{4 << 10, 1}, {4 << 10, 16}, {10 << 20, 1}} {
		b.Run(fmt.Sprintf("size=%d/window=%d", tc.size, tc.window), func(b *testing.B) {
			const msgs = 64
			n := msgs
			if tc.size > 1<<20 {
				n = 2
			}
			addr := benchServer(b, n, tc.size)
			rc := rawLogin(b, addr)
			defer rc.c.Close()
			b.SetBytes(int64(tc.size))
			b.ReportAllocs()
			b.ResetTimer()
			sent := 0
			for i := 0; i < b.N; i++ {
				for sent < b.N && sent < i+tc.window {
					rc.w.WriteString("RETR " + strconv.Itoa(sent%n+1) + "\r\n")
					sent++
				}
				rc.w.Flush()
				rc.readMulti(b)
			}
		})
	}
}

// BenchmarkSendMessage measures the server's RETR path without the
// network: dot-stuffing and CRLF normalisation into a discarding
// connection.
func BenchmarkSendMessage(b *testing.B) {
	for _, size := range []int{4 << 10, 1 << 20} {
		b.Run("size="+strconv.Itoa(size), func(b *testing.B) {
			mb := newMemBackend()
			mb.addUser("u", "p")
			mb.add("u", benchMessage(size))
			srv := newTestServer(b, mb)
			c := &Conn{srv: srv, nc: &fakeConn{w: io.Discard}}
			s, _ := mb.NewSession(nil, c)
			c.sess = s
			c.drop, _ = s.Maildrop(nil, "u")
			c.msgs, _ = c.drop.List(nil)
			c.state = StateTransaction
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if err := c.sendMessage(0, -1); err != nil {
					b.Fatal(err)
				}
				c.flush()
			}
		})
	}
}

// BenchmarkIdleConnMemory reports the server-side memory held by each idle
// authenticated connection (heap + goroutine stacks), the figure behind
// the ≤ 8 KiB target. One user per connection: maildrops are exclusive.
func BenchmarkIdleConnMemory(b *testing.B) {
	const conns = 500
	mb := newMemBackend()
	for i := range conns {
		mb.addUser("u"+strconv.Itoa(i), "p")
		mb.add("u"+strconv.Itoa(i), "Subject: x\r\n\r\nbody\r\n")
	}
	srv := newTestServer(b, mb)
	addr := startServer(b, srv)
	for b.Loop() {
		measureIdle(b, addr, conns)
	}
}

func measureIdle(b *testing.B, addr string, conns int) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	cs := make([]net.Conn, 0, conns)
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		cs = append(cs, c)
		fmt.Fprintf(c, "USER u%d\r\nPASS p\r\nSTAT\r\n", i)
		r := bufio.NewReader(c)
		for range 4 {
			if _, err := r.ReadString('\n'); err != nil {
				b.Fatal(err)
			}
		}
	}
	time.Sleep(100 * time.Millisecond) // let the server goroutines park in Read
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)
	// Client-side objects live in this process too; subtract a measured
	// estimate of them by counting only server structures is not possible
	// here, so the figure is an upper bound.
	used := int64(after.HeapInuse+after.StackInuse) - int64(before.HeapInuse+before.StackInuse)
	b.ReportMetric(float64(used)/float64(conns), "B/conn")
	for _, c := range cs {
		c.Close()
	}
}
