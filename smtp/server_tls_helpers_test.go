package smtp

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"sync"
	"testing"
	"time"
)

var (
	srvCertOnce sync.Once
	srvCert     tls.Certificate
)

// srvTLSConfig returns a server config with a self-signed certificate for
// "mx.test" and 127.0.0.1.
func srvTLSConfig(t testing.TB) *tls.Config {
	srvCertOnce.Do(func() {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(1),
			Subject:      pkix.Name{CommonName: "mx.test"},
			DNSNames:     []string{"mx.test", "localhost"},
			IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(24 * time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			panic(err)
		}
		srvCert = tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	})
	return &tls.Config{Certificates: []tls.Certificate{srvCert}}
}

// srvClientTLS is a client config that trusts the test certificate.
func srvClientTLS(t testing.TB) *tls.Config {
	srvTLSConfig(t)
	pool := x509.NewCertPool()
	cert, _ := x509.ParseCertificate(srvCert.Certificate[0])
	pool.AddCert(cert)
	return &tls.Config{RootCAs: pool, ServerName: "mx.test"}
}
