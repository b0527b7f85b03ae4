package smtp

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// srvServePipe serves one connection of s over net.Pipe (usable inside a
// synctest bubble, where its deadlines follow the fake clock) and returns
// the client end.
func srvServePipe(t testing.TB, s *Server) net.Conn {
	if s.Logger == nil {
		s.Logger = srvQuietLogger()
	}
	if s.Hostname == "" {
		s.Hostname = "mx.test"
	}
	s.init()
	client, server := net.Pipe()
	c := newConn(s, server)
	s.mu.Lock()
	s.conns[c] = struct{}{}
	s.connWG.Add(1)
	s.nconns.Add(1)
	s.mu.Unlock()
	go c.serve()
	t.Cleanup(func() { client.Close() })
	return client
}

func TestServerCommandTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &Server{Backend: &srvBackend{}, CommandTimeout: time.Minute}
		conn := srvServePipe(t, s)
		srvTranscript(t, conn, srvEHLO)
		start := time.Now()
		srvTranscript(t, conn, `
S: 421 4.4.2 Timeout waiting for command, closing connection
EOF
`)
		// RFC 5321 §4.5.3.2.7: at least the timeout, at most 1/8 more.
		if el := time.Since(start); el < time.Minute || el > time.Minute*9/8 {
			t.Errorf("timed out after %v, want 1m..1m7.5s", el)
		}
	})
}

func TestServerDefaultTimeoutIsFiveMinutes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		conn := srvServePipe(t, &Server{Backend: &srvBackend{}})
		srvTranscript(t, conn, "S: 220 *\n")
		start := time.Now()
		srvTranscript(t, conn, "S: 421 4.4.2 *\nEOF\n")
		if el := time.Since(start); el < 5*time.Minute {
			t.Errorf("timed out after %v, want >= 5m", el)
		}
	})
}

func TestServerDataTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := &srvBackend{}
		s := &Server{Backend: b, DataTimeout: 30 * time.Second}
		conn := srvServePipe(t, s)
		srvTranscript(t, conn, srvEHLO+`
C: MAIL FROM:<a@example.org>
C: RCPT TO:<b@example.org>
C: DATA
S: 250 *
S: 250 *
S: 354 *
C: partial line
`)
		start := time.Now()
		srvTranscript(t, conn, `
S: 421 4.4.2 Timeout reading message data, closing connection
EOF
`)
		if el := time.Since(start); el < 30*time.Second || el > 34*time.Second {
			t.Errorf("timed out after %v", el)
		}
		if m := b.messages(); len(m) != 1 || m[0].err == nil {
			t.Errorf("the backend must see the read error: %+v", m)
		}
	})
}

// TestServerAuthFailureDelay: a failed AUTH is answered only after the
// delay (on synctest's fake clock).
func TestServerAuthFailureDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := &srvBackend{users: map[string]string{"alice": "secret"}}
		s := &Server{Backend: b, AllowInsecureAuth: true, AuthFailureDelay: 3 * time.Second}
		conn := srvServePipe(t, s)
		srvTranscript(t, conn, "S: 220 *\nC: EHLO c.test\nS: 250-*\nS: 250-AUTH *\nS: 250-*\nS: 250-*\nS: 250-*\nS: 250-*\nS: 250-*\nS: 250 *\n")
		start := time.Now()
		srvTranscript(t, conn, "C: AUTH PLAIN "+srvB64("\x00alice\x00bad")+"\nS: 535 5.7.8 *\n")
		if el := time.Since(start); el != 3*time.Second {
			t.Errorf("failure answered after %v, want 3s", el)
		}
		start = time.Now()
		srvTranscript(t, conn, "C: AUTH PLAIN "+srvB64("\x00alice\x00secret")+"\nS: 235 *\n")
		if el := time.Since(start); el != 0 {
			t.Errorf("success answered after %v, want at once", el)
		}
	})
}

func TestServerShutdown(t *testing.T) {
	b := &srvBackend{}
	s := &Server{Backend: b}
	addr := srvStart(t, s)
	idle := srvDial(t, addr)
	busy := srvDial(t, addr)
	srvTranscript(t, idle, srvEHLO)
	srvTranscript(t, busy, srvEHLO+"C: MAIL FROM:<a@example.org>\nS: 250 *\n")

	done := make(chan error, 1)
	go func() { done <- s.Shutdown(context.Background()) }()
	srvTranscript(t, idle, "S: 421 4.3.2 Service shutting down, closing connection\nEOF\n")
	// The transaction in flight may finish; then the connection ends.
	srvTranscript(t, busy, `
C: RCPT TO:<b@example.org>
C: DATA
S: 250 *
S: 354 *
C: hi
C: .
S: 250 2.0.0 Message accepted
S: 421 4.3.2 Service shutting down, closing connection
EOF
`)
	if err := <-done; err != nil {
		t.Fatalf("Shutdown = %v", err)
	}
	if len(b.messages()) != 1 {
		t.Fatal("message in flight lost")
	}
	if _, err := net.Dial("tcp", addr); err == nil {
		t.Error("listener still accepting after Shutdown")
	}
}

func TestServerShutdownContextExpires(t *testing.T) {
	s := &Server{Backend: &srvBackend{}}
	addr := srvStart(t, s)
	busy := srvDial(t, addr)
	srvTranscript(t, busy, srvEHLO+"C: MAIL FROM:<a@example.org>\nS: 250 *\n")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := s.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v, want deadline exceeded", err)
	}
	srvTranscript(t, busy, "EOF\n")
}

func TestServerServeAfterClose(t *testing.T) {
	s := &Server{Backend: &srvBackend{}, Logger: srvQuietLogger()}
	s.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Serve(l); err != ErrServerClosed {
		t.Fatalf("Serve after Close = %v", err)
	}
}

func TestServerMaxConnections(t *testing.T) {
	s := &Server{Backend: &srvBackend{}, MaxConnections: 1}
	addr := srvStart(t, s)
	first := srvDial(t, addr)
	srvTranscript(t, first, "S: 220 *\n")
	second := srvDial(t, addr)
	srvTranscript(t, second, "S: 421 4.7.0 Too many connections, try again later\nEOF\n")
	srvTranscript(t, first, "C: QUIT\nS: 221 *\nEOF\n")
	// The slot is free again once the first connection is gone.
	deadline := time.Now().Add(5 * time.Second)
	for s.nconns.Load() != 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	srvTranscript(t, srvDial(t, addr), "S: 220 *\n")
}

// srvPanicBackend panics in Rcpt and Data.
type srvPanicBackend struct{ srvBackend }
type srvPanicSession struct{ *srvSession }

func (b *srvPanicBackend) NewSession(ctx context.Context, c *Conn) (Session, error) {
	s, _ := b.srvBackend.NewSession(ctx, c)
	return srvPanicSession{s.(*srvSession)}, nil
}
func (s srvPanicSession) Rcpt(ctx context.Context, to string, opts *RcptOptions) error {
	if to == "panic@example.org" {
		panic("rcpt boom")
	}
	return s.srvSession.Rcpt(ctx, to, opts)
}
func (s srvPanicSession) Data(ctx context.Context, r io.Reader) error {
	io.Copy(io.Discard, r)
	panic("data boom")
}

func TestServerBackendPanics(t *testing.T) {
	s := &Server{Backend: &srvPanicBackend{}}
	addr := srvStart(t, s)
	srvTranscript(t, srvDial(t, addr), srvEHLO+`
C: MAIL FROM:<a@example.org>
C: RCPT TO:<b@example.org>
C: DATA
S: 250 *
S: 250 *
S: 354 *
C: x
C: .
S: 451 4.3.0 *
C: MAIL FROM:<a@example.org>
C: RCPT TO:<panic@example.org>
S: 250 *
S: 421 4.3.0 Internal server error, closing connection
EOF
`)
	// The server survives.
	srvTranscript(t, srvDial(t, addr), "S: 220 *\nC: QUIT\nS: 221 *\n")
}

func TestServerRateLimit(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	rl := &RateLimiter{IPMessages: 2, IPRecipients: 3, AccountMessages: 1, Period: time.Hour, Now: func() time.Time { return now }}
	b := &srvBackend{users: map[string]string{"alice": "secret"}}
	srvRun(t, b, func(s *Server) { s.RateLimiter = rl; s.AllowInsecureAuth = true }, `
S: 220 *
C: EHLO c.test
S: 250-*
S: 250-*
S: 250-*
S: 250-*
S: 250-*
S: 250-*
S: 250-*
S: 250 *
C: MAIL FROM:<a@example.org>
C: RCPT TO:<b1@example.org>
C: RCPT TO:<b2@example.org>
C: RCPT TO:<b3@example.org>
C: RCPT TO:<b4@example.org>
C: RSET
C: MAIL FROM:<a@example.org>
C: RSET
C: MAIL FROM:<a@example.org>
S: 250 *
S: 250 *
S: 250 *
S: 250 *
S: 450 4.7.1 Recipient rate limit exceeded, try again later
S: 250 *
S: 250 *
S: 250 *
S: 450 4.7.1 Message rate limit exceeded, try again later
C: AUTH PLAIN `+srvB64("\x00alice\x00secret")+`
C: MAIL FROM:<alice@example.org>
C: RSET
C: MAIL FROM:<alice@example.org>
S: 235 *
S: 250 *
S: 250 *
S: 450 4.7.1 Message rate limit exceeded, try again later
`)
	// Half a period refills half the budget.
	now = now.Add(30 * time.Minute)
	ip := net.IPv4(127, 0, 0, 1)
	if !rl.AllowMessage("", ip) || rl.AllowMessage("", ip) {
		t.Error("IP budget after half a period: want exactly 1 message")
	}
	now = now.Add(time.Hour)
	if !rl.AllowMessage("alice", nil) {
		t.Error("account budget not refilled after a period")
	}
}

func TestRateLimiterMaxKeys(t *testing.T) {
	now := time.Unix(0, 0)
	rl := &RateLimiter{IPMessages: 1, MaxKeys: 2, Now: func() time.Time { return now }}
	a, b, c := net.IPv4(10, 0, 0, 1), net.IPv4(10, 0, 0, 2), net.IPv4(10, 0, 0, 3)
	if !rl.AllowMessage("", a) || !rl.AllowMessage("", b) {
		t.Fatal("first messages refused")
	}
	if rl.AllowMessage("", c) {
		t.Error("a third key was admitted beyond MaxKeys while the others are active")
	}
	now = now.Add(2 * time.Hour)
	if !rl.AllowMessage("", c) {
		t.Error("stale keys were not evicted")
	}
}

// TestServerCommandTimeoutTCP covers the idle wait of plain TCP
// connections (RawConn, pooled buffers) with a real, short timeout.
func TestServerCommandTimeoutTCP(t *testing.T) {
	s := &Server{Backend: &srvBackend{}, CommandTimeout: 100 * time.Millisecond}
	addr := srvStart(t, s)
	conn := srvDial(t, addr)
	start := time.Now()
	srvTranscript(t, conn, srvEHLO+"S: 421 4.4.2 Timeout waiting for command, closing connection\nEOF\n")
	if el := time.Since(start); el < 100*time.Millisecond {
		t.Errorf("timed out after %v", el)
	}
}

func TestServerBDATHugeChunkCloses(t *testing.T) {
	srvRun(t, &srvBackend{}, func(s *Server) { s.MaxMessageBytes = 100 }, srvEHLOSize(100)+`
C: BDAT 100000000000
S: 552 5.3.4 Message size exceeds fixed maximum message size, closing connection
EOF
`)
}

// TestServerWriteTimeout: a client that stops reading is dropped after
// WriteTimeout instead of holding the connection forever.
func TestServerWriteTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &Server{Backend: &srvBackend{}, WriteTimeout: 10 * time.Second}
		conn := srvServePipe(t, s)
		srvTranscript(t, conn, "S: 220 *\n")
		go conn.Write([]byte("NOOP\r\n"))
		time.Sleep(20 * time.Second) // never read the reply
		synctest.Wait()
		buf := make([]byte, 64)
		if n, err := conn.Read(buf); err == nil {
			t.Fatalf("read %q after the write timeout, want the connection closed", buf[:n])
		}
	})
}

func TestServerMaxLineLength(t *testing.T) {
	srvRun(t, &srvBackend{}, func(s *Server) { s.MaxLineLength = 100 }, srvEHLO+`
C: NOOP `+strings.Repeat("x", 95)+`
S: 250 2.0.0 OK
C: NOOP `+strings.Repeat("x", 96)+`
S: 500 5.5.2 Line too long
C: NOOP
S: 250 2.0.0 OK
`)
}

func TestServerShutdownTLSIdle(t *testing.T) {
	s := &Server{Backend: &srvBackend{}, TLSConfig: srvTLSConfig(t)}
	addr := srvStart(t, s)
	conn := srvDial(t, addr)
	srvTranscript(t, conn, "S: 220 *\nC: STARTTLS\nS: 220 *\n")
	tc := tls.Client(conn, srvClientTLS(t))
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	srvTranscript(t, tc, "C: EHLO c.test\n"+strings.Repeat("S: 250-*\n", 6)+"S: 250 *\n")
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	srvTranscript(t, tc, "S: 421 4.3.2 Service shutting down, closing connection\nEOF\n")
}
