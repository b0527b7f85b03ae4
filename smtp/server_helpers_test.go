package smtp

import (
	"bufio"
	"context"
	"crypto/subtle"
	"errors"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// srvBackend is the server tests' backend: it records every call and
// message, and can be told to refuse.
type srvBackend struct {
	mu       sync.Mutex
	msgs     []srvMsg
	sessions int
	logouts  int
	resets   int
	helos    []string

	newSessionErr error
	mailErr       error
	rcptErr       map[string]error // by recipient
	dataErr       error
	users         map[string]string // PLAIN/LOGIN credentials; nil: no AUTH
	readLimit     int               // >0: Data reads only this many octets
}

type srvMsg struct {
	from     string
	mailOpts MailOptions
	rcpts    []string
	rcptOpts []RcptOptions
	body     string
	auth     string
	err      error // the body reader's error, if any
}

type srvSession struct {
	b   *srvBackend
	c   *Conn
	cur srvMsg
}

type srvAuthSession struct{ *srvSession }

func (b *srvBackend) NewSession(ctx context.Context, c *Conn) (Session, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.newSessionErr != nil {
		return nil, b.newSessionErr
	}
	b.sessions++
	s := &srvSession{b: b, c: c}
	if b.users != nil {
		return srvAuthSession{s}, nil
	}
	return s, nil
}

func (s *srvSession) Hello(ctx context.Context, name string) error {
	s.b.mu.Lock()
	s.b.helos = append(s.b.helos, name)
	s.b.mu.Unlock()
	return nil
}

func (s *srvSession) Mail(ctx context.Context, from string, opts *MailOptions) error {
	if s.b.mailErr != nil {
		return s.b.mailErr
	}
	s.cur = srvMsg{from: from, mailOpts: *opts, auth: s.c.AuthIdentity()}
	return nil
}

func (s *srvSession) Rcpt(ctx context.Context, to string, opts *RcptOptions) error {
	if err := s.b.rcptErr[to]; err != nil {
		return err
	}
	s.cur.rcpts = append(s.cur.rcpts, to)
	s.cur.rcptOpts = append(s.cur.rcptOpts, *opts)
	return nil
}

func (s *srvSession) Data(ctx context.Context, r io.Reader) error {
	var body []byte
	var err error
	if s.b.readLimit > 0 {
		body = make([]byte, s.b.readLimit)
		var n int
		n, err = io.ReadFull(r, body)
		body = body[:n]
	} else {
		body, err = io.ReadAll(r)
	}
	m := s.cur
	m.body = string(body)
	m.err = err
	s.b.mu.Lock()
	s.b.msgs = append(s.b.msgs, m)
	s.b.mu.Unlock()
	if err != nil {
		return err
	}
	return s.b.dataErr
}

func (s *srvSession) Reset(ctx context.Context) {
	s.b.mu.Lock()
	s.b.resets++
	s.b.mu.Unlock()
	s.cur = srvMsg{}
}

func (s *srvSession) Logout(ctx context.Context) error {
	s.b.mu.Lock()
	s.b.logouts++
	s.b.mu.Unlock()
	return nil
}

func (s srvAuthSession) AuthPassword(ctx context.Context, identity, username, password string) error {
	want, ok := s.b.users[username]
	if !ok || subtle.ConstantTimeCompare([]byte(want), []byte(password)) != 1 {
		return ErrAuthFailed
	}
	if identity != "" && identity != username {
		return ErrAuthFailed
	}
	return nil
}

// messages returns a copy of the stored messages.
func (b *srvBackend) messages() []srvMsg {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]srvMsg(nil), b.msgs...)
}

// srvQuietLogger discards logs (the tests provoke errors on purpose).
func srvQuietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// srvStart serves s on a loopback listener and returns its address.
func srvStart(t testing.TB, s *Server) string {
	t.Helper()
	if s.Logger == nil {
		s.Logger = srvQuietLogger()
	}
	if s.Hostname == "" {
		s.Hostname = "mx.test"
	}
	if s.AuthFailureDelay == 0 {
		s.AuthFailureDelay = -1
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(l) }()
	t.Cleanup(func() {
		s.Close()
		if err := <-done; err != ErrServerClosed {
			t.Errorf("Serve returned %v, want ErrServerClosed", err)
		}
	})
	return l.Addr().String()
}

func srvDial(t testing.TB, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c
}

// srvTranscript runs a scripted conversation on conn. Script lines:
//
//	C: text     the client sends text+CRLF; consecutive C: lines go out in
//	            one write (pipelining)
//	R: "go"     the client sends the Go-quoted bytes as they are
//	S: text     the next line from the server must equal text, or start
//	            with text minus a trailing "*"
//	EOF         the server must have closed the connection
//
// Lines starting with "#" and blank lines are ignored.
func srvTranscript(t testing.TB, conn net.Conn, script string) {
	t.Helper()
	r := bufio.NewReader(conn)
	var out []byte
	flush := func() {
		if len(out) > 0 {
			if _, err := conn.Write(out); err != nil {
				t.Fatalf("write: %v", err)
			}
			out = out[:0]
		}
	}
	for n, line := range strings.Split(script, "\n") {
		line = strings.TrimLeft(line, " \t")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if line == "C:" {
			line = "C: "
		}
		switch {
		case strings.HasPrefix(line, "C: "):
			out = append(out, line[3:]+"\r\n"...)
		case strings.HasPrefix(line, "R: "):
			raw, err := strconv.Unquote(line[3:])
			if err != nil {
				t.Fatalf("script line %d: %v", n+1, err)
			}
			out = append(out, raw...)
		case strings.HasPrefix(line, "S: "):
			flush()
			want := line[3:]
			got, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("script line %d: want %q, read error %v", n+1, want, err)
			}
			got = strings.TrimSuffix(got, "\r\n")
			if p, ok := strings.CutSuffix(want, "*"); ok {
				if !strings.HasPrefix(got, p) {
					t.Fatalf("script line %d: got %q, want prefix %q", n+1, got, p)
				}
			} else if got != want {
				t.Fatalf("script line %d: got %q, want %q", n+1, got, want)
			}
		case line == "EOF":
			flush()
			got, err := r.ReadString('\n')
			if err == nil || !(errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || strings.Contains(err.Error(), "reset")) {
				t.Fatalf("script line %d: want EOF, got %q %v", n+1, got, err)
			}
		default:
			t.Fatalf("script line %d: bad line %q", n+1, line)
		}
	}
	flush()
}

// srvRun starts a server with backend b (and the options set by setup),
// connects, and runs the script.
func srvRun(t *testing.T, b *srvBackend, setup func(*Server), script string) *Server {
	t.Helper()
	s := &Server{Backend: b}
	if setup != nil {
		setup(s)
	}
	addr := srvStart(t, s)
	srvTranscript(t, srvDial(t, addr), script)
	return s
}

// srvEHLO is the EHLO exchange of a default server, reused by scripts.
const srvEHLO = `
S: 220 mx.test ESMTP ready
C: EHLO client.test
S: 250-mx.test
S: 250-PIPELINING
S: 250-8BITMIME
S: 250-SIZE 33554432
S: 250-ENHANCEDSTATUSCODES
S: 250-CHUNKING
S: 250 LIMITS RCPTMAX=100
`
