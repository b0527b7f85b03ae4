package pop3

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"
)

// retrRaw logs in as u/p on a fresh connection and returns RETR n's
// multi-line response exactly as sent (still dot-stuffed, with the final
// ".").
func retrRaw(t *testing.T, addr, cmd string) (status, raw string) {
	tc := dialT(t, addr)
	tc.run(`
		S: +OK*
		C: USER u
		S: +OK*
		C: PASS p
		S: +OK*`)
	tc.send(cmd + "\r\n")
	status = tc.line()
	var b strings.Builder
	for {
		l, err := tc.r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(l)
		if l == ".\r\n" {
			return status, b.String()
		}
	}
}

func TestMessageFraming(t *testing.T) {
	tests := []struct {
		name, body, cmd, want string
	}{
		{"lines beginning with dot are stuffed", "A: b\r\n\r\n.\r\n.x\r\n..\r\nend\r\n", "RETR 1",
			"A: b\r\n\r\n..\r\n..x\r\n...\r\nend\r\n.\r\n"},
		{"no trailing CRLF", "A: b\r\n\r\nlast line", "RETR 1",
			"A: b\r\n\r\nlast line\r\n.\r\n"},
		{"bare LF becomes CRLF", "A: b\n\n.dot\nx\n", "RETR 1",
			"A: b\r\n\r\n..dot\r\nx\r\n.\r\n"},
		{"empty message", "", "RETR 1", ".\r\n"},
		{"TOP 0 sends header and blank line", "A: b\r\nC: d\r\n\r\n1\r\n2\r\n", "TOP 1 0",
			"A: b\r\nC: d\r\n\r\n.\r\n"},
		{"TOP 1", "A: b\r\n\r\n.1\r\n2\r\n", "TOP 1 1", "A: b\r\n\r\n..1\r\n.\r\n"},
		{"TOP beyond the body", "A: b\r\n\r\n1\r\n2", "TOP 1 10", "A: b\r\n\r\n1\r\n2\r\n.\r\n"},
		{"TOP of a message without body", "A: b\r\nC: d\r\n", "TOP 1 0", "A: b\r\nC: d\r\n.\r\n"},
		{"TOP with bare LF", "A: b\n\n1\n2\n3\n", "TOP 1 2", "A: b\r\n\r\n1\r\n2\r\n.\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newMemBackend()
			b.addUser("u", "p")
			b.add("u", tt.body)
			addr := startServer(t, newTestServer(t, b))
			status, got := retrRaw(t, addr, tt.cmd)
			if !strings.HasPrefix(status, "+OK") {
				t.Fatalf("status %q", status)
			}
			if got != tt.want {
				t.Fatalf("got %q\nwant %q", got, tt.want)
			}
			if tt.cmd == "RETR 1" {
				// The announced size is the octets sent without stuffing.
				size, _ := MessageSize(strings.NewReader(tt.body))
				unstuffed := strings.ReplaceAll("\r\n"+strings.TrimSuffix(got, ".\r\n"), "\r\n.", "\r\n")[2:]
				if tt.body == "" {
					unstuffed = ""
				}
				if int64(len(unstuffed)) != size || status != "+OK "+strconv.FormatInt(size, 10)+" octets" {
					t.Fatalf("status %q, %d octets sent without stuffing, MessageSize %d", status, len(unstuffed), size)
				}
			}
		})
	}
}

// TestTopAcrossChunks: TOP's line counting works when lines straddle the
// reads from the backend (one byte at a time).
func TestTopAcrossChunks(t *testing.T) {
	b := newMemBackend()
	b.addUser("u", "p")
	body := "A: b\r\nC: d\r\n\r\n1\r\n2\r\n3\r\n"
	b.add("u", body)
	b.drops["u"][0].open = func() io.ReadCloser { return io.NopCloser(iotestOneByte(strings.NewReader(body))) }
	addr := startServer(t, newTestServer(t, b))
	if _, got := retrRaw(t, addr, "TOP 1 2"); got != "A: b\r\nC: d\r\n\r\n1\r\n2\r\n.\r\n" {
		t.Fatalf("got %q", got)
	}
}

type oneByteReader struct{ r io.Reader }

func (o oneByteReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}

func iotestOneByte(r io.Reader) io.Reader { return oneByteReader{r} }

func TestMessageSize(t *testing.T) {
	for in, want := range map[string]int64{
		"":             0,
		"a":            3,
		"a\r\n":        3,
		"a\n":          3,
		"a\r":          3,
		"a\rb":         6,
		"\n\n":         4,
		"a\r\nb":       6,
		"a\r\r\n":      5,
		".\r\n..\r\n":  7,
		"x\r\n\r\n\ry": 10,
	} {
		got, err := MessageSize(strings.NewReader(in))
		if err != nil || got != want {
			t.Errorf("MessageSize(%q) = %d, %v; want %d", in, got, err, want)
		}
		// Byte by byte gives the same.
		got, _ = MessageSize(iotestOneByte(strings.NewReader(in)))
		if got != want {
			t.Errorf("MessageSize(%q) byte by byte = %d; want %d", in, got, want)
		}
	}
}

// bigMessage generates a deterministic message of n octets (CRLF lines,
// every seventh starting with '.') without holding it in memory: a 64 KiB
// block of lines repeated, cut at n.
type bigMessage struct {
	n, off int64
}

var bigBlock = func() []byte {
	var b bytes.Buffer
	b.WriteString("Subject: big\r\n\r\n")
	for k := 0; b.Len() < 64<<10; k++ {
		if k%7 == 0 {
			b.WriteString(".dotted line " + strconv.Itoa(k) + "\r\n")
		} else {
			b.WriteString("line " + strconv.Itoa(k) + " abcdefghijklmnopqrstuvwxyz0123456789\r\n")
		}
	}
	return b.Bytes()[:64<<10]
}()

func newBigMessage(n int64) *bigMessage { return &bigMessage{n: n} }

func (m *bigMessage) Read(p []byte) (int, error) {
	if m.off >= m.n {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), m.n-m.off)]
	w := 0
	for w < len(p) {
		c := copy(p[w:], bigBlock[(m.off+int64(w))%int64(len(bigBlock)):])
		w += c
	}
	m.off += int64(w)
	return w, nil
}

// TestRetr50MiB streams a 50 MiB message through server and client and
// compares digests; neither side holds the message.
func TestRetr50MiB(t *testing.T) {
	if testing.Short() {
		t.Skip("50 MiB transfer skipped in -short mode")
	}
	const size = 50 << 20
	b := newMemBackend()
	b.addUser("u", "p")
	b.add("u", "x")
	// The generator's lines are CRLF-clean; the last one is cut, so the
	// server adds the final CRLF.
	want := sha256.New()
	var sc sizeCounter
	io.Copy(io.MultiWriter(want, &sc), newBigMessage(size))
	if !sc.bol {
		want.Write([]byte("\r\n"))
	}
	wantSize := sc.Size()
	b.drops["u"][0].open = func() io.ReadCloser { return io.NopCloser(newBigMessage(size)) }
	b.drops["u"][0].size = wantSize
	addr := startServer(t, newTestServer(t, b))

	ctx := context.Background()
	c, err := Dial(ctx, addr, &DialOptions{Timeout: 5 * time.Minute}) // slow under -race
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(ctx, "u", "p"); err != nil {
		t.Fatal(err)
	}
	list, err := c.List(ctx)
	if err != nil || list[0].Size != wantSize {
		t.Fatalf("LIST %v %v", list, err)
	}
	r, err := c.Retr(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	got := sha256.New()
	n, err := io.Copy(got, bufio.NewReader(r))
	if err != nil {
		t.Fatal(err)
	}
	if n != wantSize || !bytes.Equal(got.Sum(nil), want.Sum(nil)) {
		t.Fatalf("received %d octets (want %d), digest match %v", n, wantSize, bytes.Equal(got.Sum(nil), want.Sum(nil)))
	}
	if err := c.Quit(ctx); err != nil {
		t.Fatal(err)
	}
}
