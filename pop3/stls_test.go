package pop3

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"testing"
	"time"
)

func secureServer(t *testing.T, b Backend) (*Server, *tls.Config) {
	scfg, ccfg := testTLS(t)
	srv := newTestServer(t, b)
	srv.AllowInsecureAuth = false
	srv.TLSConfig = scfg
	return srv, ccfg
}

// upgrade runs the client side of the TLS handshake on tc's connection.
func (tc *tconn) upgrade(cfg *tls.Config) {
	tc.t.Helper()
	if tc.r.Buffered() > 0 {
		tc.t.Fatalf("server sent %d bytes after STLS +OK", tc.r.Buffered())
	}
	c := tls.Client(tc.c, cfg)
	if err := c.Handshake(); err != nil {
		tc.t.Fatalf("TLS handshake: %v", err)
	}
	tc.c = c
	tc.r = bufio.NewReader(c)
}

func TestSTLSRefusesCleartextAuth(t *testing.T) {
	srv, ccfg := secureServer(t, testBackend())
	tc := dialT(t, startServer(t, srv))
	tc.run(`
		S: +OK*
		C: CAPA
		S: +OK capability list follows
		S: TOP
		S: UIDL
		S: RESP-CODES
		S: AUTH-RESP-CODE
		S: PIPELINING
		S: STLS
		S: IMPLEMENTATION mailwire
		S: .
		C: USER alice
		S: -ERR [AUTH] authentication requires TLS: use STLS first
		C: AUTH PLAIN AGFsaWNlAHNlY3JldA==
		S: -ERR [AUTH] authentication requires TLS: use STLS first
		C: APOP alice 0123456789abcdef0123456789abcdef
		S: -ERR [AUTH] authentication requires TLS: use STLS first
		C: STLS x
		S: -ERR STLS takes no argument
		C: STLS
		S: +OK begin TLS negotiation`)
	tc.upgrade(ccfg)
	tc.run(`
		C: CAPA
		S: +OK capability list follows
		S: TOP
		S: UIDL
		S: RESP-CODES
		S: AUTH-RESP-CODE
		S: PIPELINING
		S: USER
		S: SASL PLAIN
		S: IMPLEMENTATION mailwire
		S: .
		C: STLS
		S: -ERR command not permitted when TLS active
		C: AUTH PLAIN AGFsaWNlAHNlY3JldA==
		S: +OK maildrop has 2 messages (69 octets)
		C: QUIT
		S: +OK*`)
}

// TestSTLSDiscardsPipelinedPlaintext: commands sent in the clear after STLS,
// before the handshake, must not be executed (RFC 2595 §3.1, CVE-2011-0411).
func TestSTLSDiscardsPipelinedPlaintext(t *testing.T) {
	srv, ccfg := secureServer(t, testBackend())
	srv.AllowInsecureAuth = true // so that an injected USER would be accepted
	tc := dialT(t, startServer(t, srv))
	tc.run(`
		S: +OK*
		C: USER alice
		S: +OK send PASS
		Craw: STLS\r\nPASS secret\r\nSTAT\r\n
		S: +OK begin TLS negotiation`)
	tc.upgrade(ccfg)
	tc.run(`
		C: NOOP
		S: -ERR command not valid in this state
		C: PASS secret
		S: -ERR PASS must follow USER
		C: QUIT
		S: +OK*`)
}

func TestImplicitTLS(t *testing.T) {
	scfg, ccfg := testTLS(t)
	srv := newTestServer(t, testBackend())
	srv.AllowInsecureAuth = false
	srv.TLSConfig = scfg
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(tls.NewListener(l, scfg))
	defer srv.Close()

	ctx := context.Background()
	c, err := DialTLS(ctx, l.Addr().String(), &DialOptions{TLSConfig: ccfg})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	caps, err := c.Capabilities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := caps["STLS"]; ok {
		t.Error("STLS advertised under implicit TLS")
	}
	if _, ok := caps["USER"]; !ok {
		t.Error("USER not advertised under TLS")
	}
	if err := c.Login(ctx, "alice", "secret"); err != nil {
		t.Fatal(err)
	}
	if err := c.Quit(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestListenAndServeTLS(t *testing.T) {
	certFile, keyFile := testCertFiles(t)
	_, ccfg := testTLS(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	srv := newTestServer(t, testBackend())
	srv.Addr = addr
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServeTLS(certFile, keyFile) }()
	var c *Client
	for i := 0; ; i++ {
		c, err = DialTLS(context.Background(), addr, &DialOptions{TLSConfig: ccfg, Timeout: 5 * time.Second})
		if err == nil || i == 100 {
			break
		}
		time.Sleep(10 * time.Millisecond) // waiting for the listener to come up
	}
	if err != nil {
		t.Fatal(err)
	}
	if !c.TLS() {
		t.Fatal("client not on TLS")
	}
	c.Close()
	srv.Close()
	if err := <-errc; !errors.Is(err, ErrServerClosed) {
		t.Fatalf("ListenAndServeTLS = %v, want ErrServerClosed", err)
	}
}

func TestClientStartTLS(t *testing.T) {
	srv, ccfg := secureServer(t, testBackend())
	addr := startServer(t, srv)
	ctx := context.Background()
	c := dialClient(t, addr)
	if err := c.Login(ctx, "alice", "secret"); err == nil || !strings.Contains(err.Error(), "TLS") {
		t.Fatalf("cleartext login: %v", err)
	}
	if err := c.StartTLS(ctx, ccfg); err != nil {
		t.Fatal(err)
	}
	if err := c.Auth(ctx, NewPlainClient("", "alice", "secret")); err != nil {
		t.Fatal(err)
	}
	c.Quit(ctx)
}

// TestShutdownAfterSTLS: Shutdown interrupts a session that upgraded to
// TLS (the deadline is set on the underlying connection, race-free).
func TestShutdownAfterSTLS(t *testing.T) {
	srv, ccfg := secureServer(t, testBackend())
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	tc := dialT(t, l.Addr().String())
	tc.run(`
		S: +OK*
		C: STLS
		S: +OK*`)
	tc.upgrade(ccfg)
	tc.run(`
		C: USER alice
		S: +OK*
		C: PASS secret
		S: +OK*`)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	tc.run(`
		S: -ERR [SYS/TEMP] server shutting down
		S: <EOF>`)
}
