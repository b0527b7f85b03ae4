package imapclient

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
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
		case line == "TLS":
			tc := tls.Server(conn, testTLSConfig(fs.t))
			if err := tc.Handshake(); err != nil {
				fs.fail("server handshake: %v", err)
				return false
			}
			conn = tc
			r = bufio.NewReader(conn)
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

var (
	tlsOnce sync.Once
	tlsCert tls.Certificate
	tlsPool *x509.CertPool
)

// testTLSConfig returns a server config with a self-signed certificate
// for 127.0.0.1 and localhost.
func testTLSConfig(t testing.TB) *tls.Config {
	tlsOnce.Do(func() {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			BasicConstraintsValid: true, IsCA: true,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			t.Fatal(err)
		}
		cert, _ := x509.ParseCertificate(der)
		tlsPool = x509.NewCertPool()
		tlsPool.AddCert(cert)
		tlsCert = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	})
	return &tls.Config{Certificates: []tls.Certificate{tlsCert}}
}

func clientTLSConfig(t testing.TB) *tls.Config {
	testTLSConfig(t)
	return &tls.Config{RootCAs: tlsPool}
}
