package imapserver

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
)

// benchSharedServer serves n messages in INBOX through sharedBackend
// (SharedSnapshot), with a few distinct flag lists as in a real mailbox.
func benchSharedServer(b *testing.B, n int) (addr string) {
	mb := newMemBackend()
	box := mb.boxes["INBOX"]
	body := benchMessage()
	blob, _ := Analyze(strings.NewReader(string(body)))
	lists := [][]string{{`\Seen`}, {`\Seen`}, {`\Seen`}, {}, {`\Flagged`, `\Seen`}, {`$Forwarded`, `\Answered`, `\Seen`}}
	for i := 0; i < n; i++ {
		box.modseq++
		box.msgs = append(box.msgs, &memMsg{uid: box.uidnext, flags: lists[i%len(lists)], modseq: box.modseq, body: body, blob: blob})
		box.uidnext++
	}
	s := &Server{Backend: newSharedBackend(mb), AllowInsecureAuth: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go s.Serve(ln)
	b.Cleanup(func() { s.Close() })
	return ln.Addr().String()
}

// benchConn is a raw connection that reads until a tagged response.
type benchConn struct {
	b  *testing.B
	nc net.Conn
	r  *bufio.Reader
}

func dialBench(b *testing.B, addr string) *benchConn {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { nc.Close() })
	c := &benchConn{b: b, nc: nc, r: bufio.NewReaderSize(nc, 64<<10)}
	c.r.ReadString('\n')
	return c
}

// run sends one command and reads its responses; it returns the bytes read.
func (c *benchConn) run(tag, cmd string) int {
	fmt.Fprintf(c.nc, "%s %s\r\n", tag, cmd)
	total := 0
	for {
		l, err := c.r.ReadSlice('\n')
		if err != nil && err != bufio.ErrBufferFull {
			c.b.Fatal(err)
		}
		total += len(l)
		if len(l) > len(tag) && string(l[:len(tag)+1]) == tag+" " {
			if string(l[len(tag)+1:len(tag)+3]) != "OK" {
				c.b.Fatalf("%s: %s", cmd, l)
			}
			return total
		}
	}
}

// BenchmarkSelectShared100k is SELECT of a 100,000-message mailbox whose
// backend implements SharedSnapshot: the server-side cost of building the
// session's view (the backend's arrays are built once, outside the loop).
//
//	go test -run '^$' -bench SelectShared100k -benchmem ./imap/imapserver
func BenchmarkSelectShared100k(b *testing.B) {
	c := dialBench(b, benchSharedServer(b, 100000))
	c.run("a", "LOGIN user pass")
	c.run("b", "SELECT INBOX") // builds the backend's arrays
	b.ReportAllocs()
	for b.Loop() {
		c.run("c", "SELECT INBOX")
	}
}

// BenchmarkFetchFlagsShared10k is FETCH 1:* (UID FLAGS MODSEQ) right after a
// shared SELECT: the view's flags and modseqs are the backend's arrays.
func BenchmarkFetchFlagsShared10k(b *testing.B) {
	c := dialBench(b, benchSharedServer(b, 10000))
	c.run("a", "LOGIN user pass")
	c.run("b", "SELECT INBOX (CONDSTORE)")
	b.ReportAllocs()
	var n int
	for b.Loop() {
		n = c.run("c", "FETCH 1:* (UID FLAGS MODSEQ)")
	}
	b.SetBytes(int64(n))
}

// BenchmarkStoreFlagsShared10k is STORE 1:* +FLAGS / -FLAGS on a shared
// view: the first STORE makes the view's arrays private, later ones
// write in place.
func BenchmarkStoreFlagsShared10k(b *testing.B) {
	c := dialBench(b, benchSharedServer(b, 10000))
	c.run("a", "LOGIN user pass")
	c.run("b", "SELECT INBOX")
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		op := "+FLAGS"
		if i%2 == 1 {
			op = "-FLAGS"
		}
		i++
		c.run("c", "STORE 1:* "+op+" (bench)")
	}
}

// BenchmarkViewAdd100k fills a view message by message, as SELECT does
// for a backend without SharedSnapshot: 12 flag lists in runs of 8
// messages, so one add in 8 misses flagID's last-id shortcut.
func BenchmarkViewAdd100k(b *testing.B) {
	var fi flagInterner
	var sets []*flagSet
	for k := range 12 {
		sets = append(sets, fi.intern([]string{`\Seen`, "kw" + strings.Repeat("x", k)}))
	}
	b.ReportAllocs()
	for b.Loop() {
		var v view
		v.grow(100000)
		for i := range 100000 {
			v.add(uint32(i+1), sets[i/8%len(sets)], uint64(i))
		}
	}
}
