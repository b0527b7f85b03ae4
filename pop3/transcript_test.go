package pop3

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"
)

// testLogger discards logs unless -v.
func testLogger(t testing.TB) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// newTestServer returns a server over b with test-friendly settings
// (cleartext auth, no failure delay).
func newTestServer(t testing.TB, b Backend) *Server {
	return &Server{Backend: b, AllowInsecureAuth: true, AuthFailureDelay: -1, Logger: testLogger(t)}
}

// startServer serves srv on 127.0.0.1:0 until the test ends.
func startServer(t testing.TB, srv *Server) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(l)
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return l.Addr().String()
}

// tconn is a raw test client.
type tconn struct {
	t  testing.TB
	c  net.Conn
	r  *bufio.Reader
	ts string // APOP timestamp of the greeting
}

func dialT(t testing.TB, addr string) *tconn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(30 * time.Second))
	t.Cleanup(func() { c.Close() })
	return &tconn{t: t, c: c, r: bufio.NewReader(c)}
}

func (tc *tconn) send(s string) {
	tc.t.Helper()
	if _, err := io.WriteString(tc.c, s); err != nil {
		tc.t.Fatalf("send %q: %v", s, err)
	}
}

func (tc *tconn) line() string {
	tc.t.Helper()
	l, err := tc.r.ReadString('\n')
	if err != nil {
		tc.t.Fatalf("read: %v (got %q)", err, l)
	}
	if !strings.HasSuffix(l, "\r\n") {
		tc.t.Fatalf("line without CRLF: %q", l)
	}
	l = strings.TrimSuffix(l, "\r\n")
	if i, j := strings.IndexByte(l, '<'), strings.IndexByte(l, '>'); tc.ts == "" && i > 0 && j > i {
		tc.ts = l[i : j+1]
	}
	return l
}

// expectEOF checks that the server closed the connection.
func (tc *tconn) expectEOF() {
	tc.t.Helper()
	l, err := tc.r.ReadString('\n')
	if err == nil {
		tc.t.Fatalf("want connection closed, got %q", l)
	}
}

// run plays a transcript: "C: x" sends x+CRLF, "S: y" expects the line y
// ("S: y*" expects a line starting with y), "C| x" sends x without reading
// (pipelining is simply several C: lines before S: lines), "S: <EOF>"
// expects the server to close, "C<raw>: x" sends x with Go escapes.
func (tc *tconn) run(script string) {
	tc.t.Helper()
	for n, l := range strings.Split(strings.TrimSpace(script), "\n") {
		l = strings.TrimLeft(l, " \t")
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		kind, text, ok := strings.Cut(l, ": ")
		if !ok {
			kind, text = strings.TrimSuffix(l, ":"), ""
		}
		switch kind {
		case "C":
			tc.send(text + "\r\n")
		case "Craw":
			tc.send(unescape(text))
		case "S":
			if text == "<EOF>" {
				tc.expectEOF()
				continue
			}
			got := tc.line()
			if want, prefix := strings.CutSuffix(text, "*"); prefix {
				if !strings.HasPrefix(got, want) {
					tc.t.Fatalf("line %d: got %q, want prefix %q", n+1, got, want)
				}
			} else if got != text {
				tc.t.Fatalf("line %d: got %q, want %q", n+1, got, text)
			}
		default:
			tc.t.Fatalf("bad script line %q", l)
		}
	}
}

func unescape(s string) string {
	r := strings.NewReplacer(`\r`, "\r", `\n`, "\n", `\t`, "\t", `\0`, "\x00")
	return r.Replace(s)
}
