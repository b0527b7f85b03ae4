package imapserver

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log/slog"
	"math/big"
	"net"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// pipeSession runs one connection over net.Pipe (inside a synctest bubble
// the deadlines then follow the fake clock).
func pipeSession(t *testing.T, cfg func(*Server)) (*bufio.Reader, net.Conn, chan struct{}) {
	b := newMemBackend()
	s := &Server{Backend: b, AllowInsecureAuth: true, AuthFailureDelay: time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if cfg != nil {
		cfg(s)
	}
	cli, srv := net.Pipe()
	c := newConn(s, srv)
	done := make(chan struct{})
	go func() { c.serve(); close(done) }()
	r := bufio.NewReader(cli)
	if l, _ := r.ReadString('\n'); !strings.HasPrefix(l, "* OK") {
		t.Fatalf("greeting %q", l)
	}
	return r, cli, done
}

func TestTimeouts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Before login: PreAuthTimeout (default 1 min).
		r, cli, done := pipeSession(t, nil)
		start := time.Now()
		l, _ := r.ReadString('\n')
		if !strings.HasPrefix(l, "* BYE") || time.Since(start) != time.Minute {
			t.Fatalf("pre-auth: %q after %v", l, time.Since(start))
		}
		<-done
		cli.Close()

		// Authenticated: at least 30 minutes (RFC 9051 §5.4), IDLE too.
		r, cli, done = pipeSession(t, nil)
		io.WriteString(cli, "a LOGIN user pass\r\n")
		r.ReadString('\n')
		time.Sleep(29 * time.Minute)
		io.WriteString(cli, "b NOOP\r\n")
		if l, _ := r.ReadString('\n'); !strings.HasPrefix(l, "b OK") {
			t.Fatalf("after 29 min: %q", l)
		}
		start = time.Now()
		io.WriteString(cli, "c IDLE\r\n")
		r.ReadString('\n')
		l, _ = r.ReadString('\n')
		if !strings.HasPrefix(l, "* BYE") || time.Since(start) != 30*time.Minute {
			t.Fatalf("idle: %q after %v", l, time.Since(start))
		}
		<-done
		cli.Close()
	})
}

func TestShutdown(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.dial(t).login()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- ts.srv.Shutdown(ctx) }()
	if l := c.readLine(); !strings.HasPrefix(l, "* BYE") {
		t.Fatalf("got %q", l)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if err := ts.srv.Serve(ts.ln); err != ErrServerClosed {
		t.Fatalf("Serve after Shutdown: %v", err)
	}
	if _, err := net.Dial("tcp", ts.ln.Addr().String()); err == nil {
		t.Fatal("listener still open")
	}
}

func testCert(t *testing.T) tls.Certificate {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"localhost"}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func TestStartTLS(t *testing.T) {
	cert := testCert(t)
	ts := startServer(t, func(s *Server) {
		s.AllowInsecureAuth = false
		s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}}
	})
	c := ts.dial(t)
	mustContain(t, c.mustOK("a CAPABILITY"), "STARTTLS", "LOGINDISABLED")
	// Injected command after STARTTLS in the same packet is discarded
	// (CVE-2011-0411 class).
	c.send("b STARTTLS\r\nc LOGIN user pass\r\n")
	if l := c.readLine(); !strings.HasPrefix(l, "b OK") {
		t.Fatalf("got %q", l)
	}
	tc := tls.Client(c.nc, &tls.Config{InsecureSkipVerify: true})
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	c.nc, c.r = tc, bufio.NewReader(tc)
	out := c.mustOK("d CAPABILITY")
	mustNotContain(t, out, "STARTTLS", "LOGINDISABLED")
	mustContain(t, out, "AUTH=PLAIN")
	mustNotContain(t, c.mustOK("e LOGIN user pass"), "c OK", "c NO")
	c.expect("f STARTTLS", "f BAD")
}

func TestImplicitTLS(t *testing.T) {
	cert := testCert(t)
	b := newMemBackend()
	s := &Server{Backend: b, TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", s.TLSConfig)
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(ln)
	defer s.Close()
	nc, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	c := &client{t: t, nc: nc, r: bufio.NewReader(nc)}
	c.readLine()
	mustNotContain(t, c.mustOK("a CAPABILITY"), "LOGINDISABLED", "STARTTLS")
	c.mustOK("b LOGIN user pass")
}

func TestMaxConnections(t *testing.T) {
	ts := startServer(t, func(s *Server) { s.MaxConnections = 1 })
	ts.dial(t)
	nc, err := net.Dial("tcp", ts.ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	l, _ := bufio.NewReader(nc).ReadString('\n')
	if !strings.HasPrefix(l, "* BYE [UNAVAILABLE]") {
		t.Fatalf("got %q", l)
	}
}
