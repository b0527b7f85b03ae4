package imapserver

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime"
	"strings"
	"testing"
)

func benchMessage() []byte {
	var b bytes.Buffer
	b.WriteString("From: Alice <alice@example.org>\r\nTo: Bob <bob@example.com>, carol@example.net\r\nSubject: =?UTF-8?Q?benchmark?= message\r\nDate: Wed, 25 Nov 2026 10:00:00 +0000\r\nMessage-ID: <bench@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
	for b.Len() < 4096 {
		b.WriteString("The quick brown fox jumps over the lazy dog, again and again.\r\n")
	}
	return b.Bytes()
}

func BenchmarkAnalyze(b *testing.B) {
	msg := benchMessage()
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Analyze(bytes.NewReader(msg)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAnalyzeMultipart(b *testing.B) {
	msg := []byte(multipartMsg)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		Analyze(bytes.NewReader(msg))
	}
}

// benchFetch measures one FETCH command over n messages of the memory
// backend, through a real TCP connection.
func benchFetch(b *testing.B, n int, items string) {
	mb := newMemBackend()
	msg := string(benchMessage())
	for i := 0; i < n; i++ {
		mb.appendMsg("INBOX", msg)
	}
	s := &Server{Backend: mb, AllowInsecureAuth: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go s.Serve(ln)
	defer s.Close()
	nc, _ := net.Dial("tcp", ln.Addr().String())
	defer nc.Close()
	buf := make([]byte, 1<<20)
	readUntil := func(tag string) int {
		total := 0
		var tail []byte
		for {
			k, err := nc.Read(buf)
			if err != nil {
				b.Fatal(err)
			}
			total += k
			tail = append(tail, buf[:k]...)
			if len(tail) > 256 {
				tail = tail[len(tail)-256:]
			}
			if bytes.Contains(tail, []byte("\r\n"+tag+" ")) && bytes.HasSuffix(tail, []byte("\r\n")) {
				return total
			}
		}
	}
	if k, err := nc.Read(buf); err != nil || !bytes.HasPrefix(buf[:k], []byte("* OK")) {
		b.Fatal("no greeting", err)
	}
	fmt.Fprintf(nc, "a LOGIN user pass\r\nb SELECT INBOX\r\n")
	readUntil("b")
	b.ReportAllocs()
	b.ResetTimer()
	var bytesOut int
	for b.Loop() {
		fmt.Fprintf(nc, "c FETCH 1:* %s\r\n", items)
		bytesOut = readUntil("c")
	}
	b.SetBytes(int64(bytesOut))
}

func BenchmarkFetchFlags10k(b *testing.B)    { benchFetch(b, 10000, "(UID FLAGS)") }
func BenchmarkFetchEnvelope10k(b *testing.B) { benchFetch(b, 10000, "(ENVELOPE BODYSTRUCTURE)") }
func BenchmarkFetchBody10k(b *testing.B)     { benchFetch(b, 10000, "BODY.PEEK[]") }

func BenchmarkParseFetchCommand(b *testing.B) {
	s := &Server{}
	c := &conn{srv: s}
	line := []byte("a FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (From To Subject Date)] BODYSTRUCTURE)")
	b.ReportAllocs()
	for b.Loop() {
		c.line, c.pos = line, 0
		c.readTag()
		c.sp()
		c.atomUpper()
		c.sp()
		c.numSet()
		c.sp()
		c.parseFetchItems()
	}
}

// BenchmarkIdleConnMemory reports the server memory (heap + stacks) per
// connection sitting in IDLE on a selected mailbox.
func BenchmarkIdleConnMemory(b *testing.B) {
	const n = 500
	mb := newMemBackend()
	for i := 0; i < 10; i++ {
		mb.appendMsg("INBOX", simpleMsg)
	}
	s := &Server{Backend: mb, AllowInsecureAuth: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go s.Serve(ln)
	defer s.Close()
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		var conns []net.Conn
		for i := 0; i < n; i++ {
			nc, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			conns = append(conns, nc)
			r := bufio.NewReader(nc)
			r.ReadString('\n')
			io.WriteString(nc, "a LOGIN user pass\r\nb SELECT INBOX\r\nc IDLE\r\n")
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					b.Fatal(err)
				}
				if strings.HasPrefix(l, "+") {
					break
				}
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		per := (int64(after.HeapInuse+after.StackInuse) - int64(before.HeapInuse+before.StackInuse)) / n
		b.ReportMetric(float64(per), "bytes/conn")
		for _, nc := range conns {
			nc.Close()
		}
	}
}
