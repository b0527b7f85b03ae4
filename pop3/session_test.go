package pop3

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// waitUnlocked waits until the server has released user's maildrop after
// a connection ended (the server notices the close asynchronously).
func waitUnlocked(t *testing.T, b *memBackend, user string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for b.isLocked(user) {
		if time.Now().After(deadline) {
			t.Fatal("maildrop still locked")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestDropBeforeQuitDeletesNothing: RFC 1939 §6, without QUIT the server
// never enters UPDATE; the maildrop is unlocked.
func TestDropBeforeQuitDeletesNothing(t *testing.T) {
	b := testBackend()
	addr := startServer(t, newTestServer(t, b))
	tc := dialT(t, addr)
	tc.run(`
		S: +OK*
		C: USER alice
		S: +OK*
		C: PASS secret
		S: +OK*
		C: DELE 1
		S: +OK*
		C: DELE 2
		S: +OK*`)
	tc.c.Close()
	waitUnlocked(t, b, "alice")
	if n := b.count("alice"); n != 2 || b.commits != 0 {
		t.Fatalf("%d messages left, %d commits; want 2 and 0", n, b.commits)
	}
	// Even a QUIT in the middle of a pipelined batch cut short commits
	// nothing when the connection drops before QUIT is read.
	tc = dialT(t, addr)
	tc.run(`
		S: +OK*
		Craw: USER alice\r\nPASS secret\r\nDELE 1\r\n
		S: +OK*
		S: +OK*
		S: +OK*`)
	tc.c.Close()
	waitUnlocked(t, b, "alice")
	if n := b.count("alice"); n != 2 {
		t.Fatalf("%d messages left, want 2", n)
	}
}

// TestSecondLoginInUse: the maildrop lock is exclusive (RFC 1939 §8,
// RFC 3206 IN-USE) and released at QUIT.
func TestSecondLoginInUse(t *testing.T) {
	b := testBackend()
	addr := startServer(t, newTestServer(t, b))
	first := dialT(t, addr)
	first.run(`
		S: +OK*
		C: USER alice
		S: +OK*
		C: PASS secret
		S: +OK*`)
	second := dialT(t, addr)
	second.run(`S: +OK*`)
	second.run(`
		C: USER alice
		S: +OK*
		C: PASS secret
		S: -ERR [IN-USE] maildrop is locked by another session
		C: APOP alice ` + apopHex(second, "secret") + `
		S: -ERR [IN-USE]*
		C: USER bob
		S: +OK*
		C: PASS hunter2
		S: +OK maildrop has 0 messages (0 octets)
		C: QUIT
		S: +OK*`)
	first.run(`
		C: QUIT
		S: +OK*`)
	// The lock is released before QUIT's +OK: an immediate new login works.
	third := dialT(t, addr)
	third.run(`
		S: +OK*
		C: USER alice
		S: +OK*
		C: PASS secret
		S: +OK*`)
}

// apopHex computes the APOP digest for the greeting tc already read.
func apopHex(tc *tconn, secret string) string {
	d := APOPDigest(tc.ts, secret)
	return hexString(d[:])
}

func hexString(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, x := range b {
		out = append(out, digits[x>>4], digits[x&15])
	}
	return string(out)
}

func TestAPOPTranscript(t *testing.T) {
	addr := startServer(t, newTestServer(t, testBackend()))
	tc := dialT(t, addr)
	g := tc.line()
	i, j := strings.IndexByte(g, '<'), strings.IndexByte(g, '>')
	if !strings.HasPrefix(g, "+OK ") || i < 0 || j < i || !strings.Contains(g[i:j], "@") {
		t.Fatalf("greeting without APOP timestamp: %q", g)
	}
	tc.run(`
		C: APOP alice 00000000000000000000000000000000
		S: -ERR [AUTH] authentication failed
		C: APOP alice nothex
		S: -ERR usage: APOP name digest
		C: APOP alice
		S: -ERR usage: APOP name digest
		C: APOP nobody ` + apopHex(tc, "secret") + `
		S: -ERR [AUTH] authentication failed
		C: APOP alice ` + strings.ToUpper(apopHex(tc, "secret")) + `
		S: +OK maildrop has 2 messages (69 octets)
		C: QUIT
		S: +OK*`)
}

// errBackend fails in configurable places.
type errBackend struct {
	*memBackend
	newSessionErr error
	listErr       error
	openErr       error
	commitErr     error
}

func (b *errBackend) NewSession(ctx context.Context, c *Conn) (Session, error) {
	if b.newSessionErr != nil {
		return nil, b.newSessionErr
	}
	s, _ := b.memBackend.NewSession(ctx, c)
	return &errSession{memSession: s.(*memSession), b: b}, nil
}

type errSession struct {
	*memSession
	b *errBackend
}

func (s *errSession) Maildrop(ctx context.Context, user string) (Maildrop, error) {
	d, err := s.memSession.Maildrop(ctx, user)
	if err != nil {
		return nil, err
	}
	return &errDrop{memDrop: d.(*memDrop), b: s.b}, nil
}

type errDrop struct {
	*memDrop
	b *errBackend
}

func (d *errDrop) List(ctx context.Context) ([]MessageInfo, error) {
	if d.b.listErr != nil {
		return nil, d.b.listErr
	}
	return d.memDrop.List(ctx)
}

func (d *errDrop) Open(ctx context.Context, i int) (io.ReadCloser, error) {
	if d.b.openErr != nil {
		return nil, d.b.openErr
	}
	return d.memDrop.Open(ctx, i)
}

func (d *errDrop) Commit(ctx context.Context, del []int) error {
	if d.b.commitErr != nil {
		return d.b.commitErr
	}
	return d.memDrop.Commit(ctx, del)
}

func TestResponseCodes(t *testing.T) {
	login := `
		S: +OK*
		C: USER alice
		S: +OK*
		C: PASS secret`
	tests := []struct {
		name   string
		setup  func(b *errBackend)
		script string
	}{
		{"SYS/TEMP for internal errors, text not leaked", func(b *errBackend) { b.openErr = errors.New("disk on fire at /var/secret") }, login + `
			S: +OK*
			C: RETR 1
			S: -ERR [SYS/TEMP] opening message: temporary failure, try again later
			C: QUIT
			S: +OK*`},
		{"SYS/PERM from the backend", func(b *errBackend) { b.listErr = ErrPermanent }, login + `
			S: -ERR [SYS/PERM] permanent failure
			C: QUIT
			S: +OK*`},
		{"LOGIN-DELAY from the backend", func(b *errBackend) { b.memBackend.openErr = ErrLoginDelay }, login + `
			S: -ERR [LOGIN-DELAY] login rejected: too soon after the previous one
			C: QUIT
			S: +OK*`},
		{"commit failure at QUIT", func(b *errBackend) { b.commitErr = errors.New("fsync failed") }, login + `
			S: +OK*
			C: DELE 1
			S: +OK*
			C: QUIT
			S: -ERR [SYS/TEMP] some deleted messages not removed
			S: <EOF>`},
		{"refused connection", func(b *errBackend) { b.newSessionErr = &Error{Code: CodeSysTemp, Message: "go away"} }, `
			S: -ERR [SYS/TEMP] go away
			S: <EOF>`},
		{"backend text with CRLF is sanitised", func(b *errBackend) { b.listErr = &Error{Code: "SYS/PERM", Message: "a\r\n+OK injected"} }, login + `
			S: -ERR [SYS/PERM] a  +OK injected
			C: QUIT
			S: +OK*`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &errBackend{memBackend: testBackend()}
			tt.setup(b)
			addr := startServer(t, newTestServer(t, b))
			dialT(t, addr).run(tt.script)
			if b.isLocked("alice") {
				waitUnlocked(t, b.memBackend, "alice")
			}
		})
	}
}

func TestPolicyCapabilities(t *testing.T) {
	b := testBackend()
	b.policy = &Policy{LoginDelay: 900 * time.Second, Expire: ExpireNever}
	srv := newTestServer(t, policyBackend{b})
	tc := dialT(t, startServer(t, srv))
	tc.run(`
		S: +OK*
		C: CAPA
		S: +OK*
		S: TOP
		S: UIDL
		S: RESP-CODES
		S: AUTH-RESP-CODE
		S: PIPELINING
		S: USER
		S: SASL PLAIN
		S: LOGIN-DELAY 900
		S: EXPIRE NEVER
		S: IMPLEMENTATION mailwire
		S: .`)
	b.policy = &Policy{Expire: 31 * 24 * time.Hour}
	tc.run(`
		C: USER alice
		S: +OK*
		C: PASS secret
		S: +OK*
		C: CAPA
		S: +OK*
		S: TOP
		S: UIDL
		S: RESP-CODES
		S: AUTH-RESP-CODE
		S: PIPELINING
		S: USER
		S: EXPIRE 31
		S: IMPLEMENTATION mailwire
		S: .
		C: QUIT
		S: +OK*`)
}

func TestUTF8(t *testing.T) {
	b := testBackend()
	b.drops["alice"][1].utf8 = true
	srv := newTestServer(t, b)
	srv.EnableUTF8 = true
	addr := startServer(t, srv)
	dialT(t, addr).run(`
		S: +OK*
		C: USER alice
		S: +OK*
		C: PASS secret
		S: +OK*
		C: RETR 2
		S: -ERR [UTF8] message needs UTF-8 mode
		C: TOP 2 0
		S: -ERR [UTF8] message needs UTF-8 mode
		C: UTF8
		S: -ERR command not valid in this state
		C: QUIT
		S: +OK*`)
	dialT(t, addr).run(`
		S: +OK*
		C: UTF8 x
		S: -ERR UTF8 takes no argument
		C: UTF8
		S: +OK UTF8 enabled
		C: USER alice
		S: +OK*
		C: PASS secret
		S: +OK*
		C: TOP 2 0
		S: +OK*
		S: Subject: two
		S: X: y
		S:
		S: .
		C: QUIT
		S: +OK*`)
}

func TestAuthTranscripts(t *testing.T) {
	addr := startServer(t, newTestServer(t, testBackend()))
	dialT(t, addr).run(`
		S: +OK*
		C: AUTH
		S: +OK
		S: PLAIN
		S: .
		C: AUTH CRAM-MD5
		S: -ERR unknown authentication mechanism
		C: AUTH PLAIN !!!
		S: -ERR invalid base64 in initial response
		C: AUTH PLAIN AGFsaWNl=AHNlY3JldA==
		S: -ERR invalid base64 in initial response
		C: AUTH PLAIN
		S: + 
		C: *
		S: -ERR authentication cancelled
		C: AUTH PLAIN
		S: + 
		C: AGFsaWNlAHdyb25n
		S: -ERR [AUTH] authentication failed
		C: AUTH PLAIN =
		S: -ERR malformed authentication exchange
		C: auth plain
		S: + 
		C: AGFsaWNlAHNlY3JldA==
		S: +OK maildrop has 2 messages (69 octets)
		C: QUIT
		S: +OK*`)
}

func TestMaxConnections(t *testing.T) {
	srv := newTestServer(t, testBackend())
	srv.MaxConnections = 1
	addr := startServer(t, srv)
	first := dialT(t, addr)
	first.run(`S: +OK*`)
	dialT(t, addr).run(`
		S: -ERR [SYS/TEMP] too many connections, try again later
		S: <EOF>`)
	first.run(`
		C: QUIT
		S: +OK*`)
}

func TestShutdown(t *testing.T) {
	b := testBackend()
	srv := newTestServer(t, b)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(l) }()
	tc := dialT(t, l.Addr().String())
	tc.run(`
		S: +OK*
		C: USER alice
		S: +OK*
		C: PASS secret
		S: +OK*
		C: DELE 1
		S: +OK*`)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	tc.run(`
		S: -ERR [SYS/TEMP] server shutting down
		S: <EOF>`)
	if err := <-errc; !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve = %v", err)
	}
	if b.count("alice") != 2 || b.isLocked("alice") || b.openSessions() != 0 {
		t.Fatal("shutdown committed deletions or leaked the lock/session")
	}
	if err := srv.Serve(l); !errors.Is(err, ErrServerClosed) {
		t.Fatalf("Serve after Shutdown = %v", err)
	}
}
