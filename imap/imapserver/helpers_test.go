package imapserver

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"
)

type testServer struct {
	srv *Server
	b   *memBackend
	ln  net.Listener
}

func startServer(t *testing.T, cfg func(*Server)) *testServer {
	t.Helper()
	b := newMemBackend()
	s := &Server{Backend: b, AllowInsecureAuth: true, AuthFailureDelay: time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if cfg != nil {
		cfg(s)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(ln)
	t.Cleanup(func() { s.Close() })
	return &testServer{srv: s, b: b, ln: ln}
}

type client struct {
	t  *testing.T
	nc net.Conn
	r  *bufio.Reader
}

func (ts *testServer) dial(t *testing.T) *client {
	t.Helper()
	nc, err := net.Dial("tcp", ts.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	c := &client{t: t, nc: nc, r: bufio.NewReader(nc)}
	greet := c.readLine()
	if !strings.HasPrefix(greet, "* OK") {
		t.Fatalf("greeting: %q", greet)
	}
	return c
}

func (c *client) login() *client {
	c.t.Helper()
	c.mustOK("a0 LOGIN user pass")
	return c
}

func (c *client) selectBox(name string) []string {
	c.t.Helper()
	return c.mustOK("s0 SELECT " + name)
}

func (c *client) readLine() string {
	c.t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	l, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("read: %v (got %q)", err, l)
	}
	return strings.TrimRight(l, "\r\n")
}

func (c *client) send(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.nc, s); err != nil {
		c.t.Fatal(err)
	}
}

// cmd sends one command line and returns every response line up to and
// including the tagged one. Literals in responses are read inline.
func (c *client) cmd(line string) []string {
	c.t.Helper()
	c.send(line + "\r\n")
	tag := strings.SplitN(line, " ", 2)[0]
	return c.readUntilTag(tag)
}

func (c *client) readUntilTag(tag string) []string {
	c.t.Helper()
	var out []string
	for {
		l := c.readLine()
		// Inline literals: {n} at the end of a line.
		for {
			n, ok := literalSuffix(l)
			if !ok {
				break
			}
			buf := make([]byte, n)
			if _, err := io.ReadFull(c.r, buf); err != nil {
				c.t.Fatal(err)
			}
			l += "\n" + string(buf) + c.readLine()
		}
		out = append(out, l)
		if strings.HasPrefix(l, tag+" ") {
			return out
		}
	}
}

func literalSuffix(l string) (int, bool) {
	if !strings.HasSuffix(l, "}") {
		return 0, false
	}
	i := strings.LastIndexByte(l, '{')
	if i < 0 {
		return 0, false
	}
	n := 0
	for _, ch := range l[i+1 : len(l)-1] {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		n = n*10 + int(ch-'0')
	}
	return n, true
}

func last(lines []string) string { return lines[len(lines)-1] }

func (c *client) mustOK(line string) []string {
	c.t.Helper()
	out := c.cmd(line)
	tag := strings.SplitN(line, " ", 2)[0]
	if !strings.HasPrefix(last(out), tag+" OK") {
		c.t.Fatalf("%s: want OK, got %q", line, out)
	}
	return out
}

func (c *client) expect(line, wantTagged string) []string {
	c.t.Helper()
	out := c.cmd(line)
	if !strings.HasPrefix(last(out), wantTagged) {
		c.t.Fatalf("%s: want %q, got %q", line, wantTagged, out)
	}
	return out
}

func contains(lines []string, want string) bool {
	for _, l := range lines {
		if strings.Contains(l, want) {
			return true
		}
	}
	return false
}

func mustContain(t *testing.T, lines []string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !contains(lines, w) {
			t.Fatalf("missing %q in %q", w, lines)
		}
	}
}

func mustNotContain(t *testing.T, lines []string, bad ...string) {
	t.Helper()
	for _, w := range bad {
		if contains(lines, w) {
			t.Fatalf("unexpected %q in %q", w, lines)
		}
	}
}

const simpleMsg = "From: Alice <alice@example.org>\r\nTo: bob@example.com\r\nSubject: hello\r\nDate: Wed, 25 Nov 2026 10:00:00 +0000\r\nMessage-ID: <1@example.org>\r\n\r\nHello Bob,\r\nhow are you?\r\n"
