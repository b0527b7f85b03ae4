package dnsmx

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/mailwire/mailwire/smtp"
)

// testCA issues certificates for loopback test servers.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	Pool *x509.CertPool
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "dnsmx test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, Pool: pool}
}

// issue returns a server certificate for names.
func (ca *testCA) issue(t *testing.T, names ...string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: names[0]},
		DNSNames:     names,
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// mxBehaviour selects how a test MX answers.
type mxBehaviour int

const (
	mxAccept      mxBehaviour = iota
	mxTempRcpt                // 451 4.3.0 to every RCPT
	mxPermRcpt                // 550 5.1.1 to every RCPT
	mxTempData                // 451 4.3.0 after the data
	mxTempConnect             // 421 at the greeting (refuse the session)
)

// testMX is a mailwire smtp.Server acting as a remote MX host on a loopback
// address, recording what it accepted.
type testMX struct {
	Name string
	IP   string
	Addr string
	srv  *smtp.Server
	ln   net.Listener

	mu        sync.Mutex
	behaviour mxBehaviour
	discard   bool // count only (benchmarks)
	count     int
	msgs      []receivedMsg
	sessions  int
	tlsSeen   bool
}

type receivedMsg struct {
	From     string
	Rcpts    []string
	Body     string
	TLS      bool
	Mail     smtp.MailOptions
	RcptOpts []smtp.RcptOptions
}

func (m *testMX) set(b mxBehaviour) {
	m.mu.Lock()
	m.behaviour = b
	m.mu.Unlock()
}

func (m *testMX) Messages() []receivedMsg {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]receivedMsg(nil), m.msgs...)
}

func (m *testMX) Sessions() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.sessions
}

// startMXs starts one server per loopback IP, all on the same port (a
// Relayer uses one port for every MX). certs, when given, enable STARTTLS
// with the certificate for the server at the same index (nil: no TLS).
func startMXs(t *testing.T, names, ips []string, certs []*tls.Certificate) (port int, mxs []*testMX) {
	t.Helper()
	for attempt := 0; attempt < 20; attempt++ {
		mxs = nil
		port = 0
		ok := true
		for i, ip := range ips {
			addr := net.JoinHostPort(ip, strconv.Itoa(port))
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				if i == 0 {
					t.Skipf("cannot listen on %s: %v", addr, err)
				}
				ok = false
				break
			}
			if port == 0 {
				port = ln.Addr().(*net.TCPAddr).Port
			}
			m := &testMX{Name: names[i], IP: ip, Addr: ln.Addr().String(), ln: ln}
			m.srv = &smtp.Server{Backend: m, Hostname: names[i], Logger: discardLogger(), EnableDSN: true, EnableSMTPUTF8: true}
			if certs != nil && certs[i] != nil {
				m.srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*certs[i]}}
			}
			mxs = append(mxs, m)
		}
		if !ok {
			for _, m := range mxs {
				m.ln.Close()
			}
			continue
		}
		for _, m := range mxs {
			go m.srv.Serve(m.ln)
			t.Cleanup(func() { m.srv.Close() })
		}
		return port, mxs
	}
	t.Fatal("no port free on every loopback address")
	return 0, nil
}

// startOne serves m on its listener.
func startOne(t *testing.T, m *testMX) { startOneB(t, m) }

func startOneB(t testing.TB, m *testMX) {
	m.srv = &smtp.Server{Backend: m, Hostname: m.Name, Logger: discardLogger(), EnableDSN: true, EnableSMTPUTF8: true}
	go m.srv.Serve(m.ln)
	t.Cleanup(func() { m.srv.Close() })
}

// stop closes the server: connections to it are refused from now on.
func (m *testMX) stop() { m.srv.Close() }

// smtp.Backend and smtp.Session for the test MX.

func (m *testMX) NewSession(ctx context.Context, c *smtp.Conn) (smtp.Session, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sessions++
	if m.behaviour == mxTempConnect {
		return nil, &smtp.Error{Code: 421, EnhancedCode: [3]int{4, 3, 2}, Message: "Try again later"}
	}
	return &mxSession{m: m, c: c}, nil
}

type mxSession struct {
	m        *testMX
	c        *smtp.Conn
	from     string
	mail     smtp.MailOptions
	rcpts    []string
	rcptOpts []smtp.RcptOptions
}

func (s *mxSession) Mail(ctx context.Context, from string, opts *smtp.MailOptions) error {
	s.from = from
	if opts != nil {
		s.mail = *opts
	}
	return nil
}

func (s *mxSession) Rcpt(ctx context.Context, to string, opts *smtp.RcptOptions) error {
	s.m.mu.Lock()
	b := s.m.behaviour
	s.m.mu.Unlock()
	switch b {
	case mxTempRcpt:
		return &smtp.Error{Code: 451, EnhancedCode: [3]int{4, 3, 0}, Message: "Temporary local problem"}
	case mxPermRcpt:
		return &smtp.Error{Code: 550, EnhancedCode: [3]int{5, 1, 1}, Message: "No such user here"}
	}
	s.rcpts = append(s.rcpts, to)
	var o smtp.RcptOptions
	if opts != nil {
		o = *opts
	}
	s.rcptOpts = append(s.rcptOpts, o)
	return nil
}

func (s *mxSession) Data(ctx context.Context, r io.Reader) error {
	if s.m.discard {
		_, err := io.Copy(io.Discard, r)
		s.m.mu.Lock()
		s.m.count++
		s.m.mu.Unlock()
		return err
	}
	body, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.m.mu.Lock()
	defer s.m.mu.Unlock()
	if s.m.behaviour == mxTempData {
		return &smtp.Error{Code: 451, EnhancedCode: [3]int{4, 3, 0}, Message: "Queue full"}
	}
	s.m.msgs = append(s.m.msgs, receivedMsg{From: s.from, Rcpts: append([]string(nil), s.rcpts...), Body: string(body),
		TLS: s.c.TLS() != nil, Mail: s.mail, RcptOpts: append([]smtp.RcptOptions(nil), s.rcptOpts...)})
	return nil
}

func (s *mxSession) Reset(ctx context.Context) {
	s.from, s.rcpts, s.rcptOpts, s.mail = "", nil, nil, smtp.MailOptions{}
}

func (s *mxSession) Logout(ctx context.Context) error { return nil }
