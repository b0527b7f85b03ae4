package imapclient

import (
	"bufio"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeServer plays a scripted IMAP server: "S: line" is sent, "C: line" is
// expected from the client verbatim (CRLF added on both). A line
// "S+ text" is sent without CRLF (for literals split over writes).
type fakeServer struct {
	t      *testing.T
	ln     net.Listener
	done   chan struct{}
	exited chan struct{}
	mu     sync.Mutex
	errors []string
	conn   net.Conn
}

func startScript(t *testing.T, script string) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fs := &fakeServer{t: t, ln: ln, done: make(chan struct{}), exited: make(chan struct{})}
	go func() {
		defer close(fs.exited)
		fs.run(script)
	}()
	t.Cleanup(func() {
		ln.Close()
		fs.mu.Lock()
		if fs.conn != nil {
			fs.conn.Close()
		}
		fs.mu.Unlock()
		<-fs.exited
	})
	return fs
}

func (fs *fakeServer) fail(format string, args ...any) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.errors = append(fs.errors, format)
	fs.t.Errorf(format, args...)
}

func (fs *fakeServer) run(script string) {
	conn, err := fs.ln.Accept()
	if err != nil {
		close(fs.done)
		return
	}
	fs.mu.Lock()
	fs.conn = conn
	fs.mu.Unlock()
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(20 * time.Second))
	r := bufio.NewReader(conn)
	if !fs.play(conn, r, script) {
		conn.Close()
	}
	close(fs.done)
	// Hold the connection until the client closes it.
	r.ReadByte()
}

func (fs *fakeServer) play(conn net.Conn, r *bufio.Reader, script string) bool {
	for _, line := range strings.Split(strings.TrimSpace(script), "\n") {
		line = strings.TrimLeft(line, "\t ")
		switch {
		case strings.HasPrefix(line, "S: "):
			if _, err := conn.Write([]byte(unescape(line[3:]) + "\r\n")); err != nil {
				fs.fail("write %q: %v", line, err)
				return false
			}
		case strings.HasPrefix(line, "S+ "):
			conn.Write([]byte(unescape(line[3:])))
		case strings.HasPrefix(line, "C: "):
			want := unescape(line[3:]) + "\r\n"
			got := make([]byte, 0, len(want))
			for len(got) < len(want) {
				b, err := r.ReadByte()
				if err != nil {
					fs.fail("reading %q: got %q then %v", want, got, err)
					return false
				}
				got = append(got, b)
				if b == '\n' && len(got) < len(want) && want[len(got)-1] != '\n' {
					break
				}
			}
			if string(got) != want {
				fs.fail("client sent %q, want %q", got, want)
				return false
			}
		case strings.HasPrefix(line, "CLOSE"):
			return false
		case line == "":
		default:
			fs.fail("bad script line %q", line)
		}
	}
	return true
}

// unescape turns \r \n and \xNN written in scripts into bytes.
func unescape(s string) string {
	return strings.NewReplacer(`\r`, "\r", `\n`, "\n", `\t`, "\t").Replace(s)
}

func (fs *fakeServer) dial(t *testing.T, opts *Options) *Client {
	t.Helper()
	c, err := Dial(t.Context(), fs.ln.Addr().String(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// wait waits for the script to finish.
func (fs *fakeServer) wait(t *testing.T) {
	t.Helper()
	select {
	case <-fs.done:
	case <-time.After(20 * time.Second):
		t.Fatal("script did not finish")
	}
}
