package serve

import (
	"crypto/tls"
	"testing"
)

// testdata/cert.pem is a self-signed certificate for mx.test, valid until
// 2126, with its key in testdata/key.pem.
const certFile, keyFile = "testdata/cert.pem", "testdata/key.pem"

func TestTLSConfig(t *testing.T) {
	cfg, err := TLSConfig(nil, "", "")
	if err != nil || cfg == nil || len(cfg.Certificates) != 0 {
		t.Fatalf("TLSConfig(nil) = %v, %v", cfg, err)
	}
	base := &tls.Config{ServerName: "mx.test", Certificates: []tls.Certificate{{}}}
	cfg, err = TLSConfig(base, "", "")
	if err != nil || cfg == base || cfg.ServerName != "mx.test" || len(cfg.Certificates) != 1 {
		t.Fatalf("TLSConfig(base) = %+v, %v; want a copy of base", cfg, err)
	}
	if _, err := TLSConfig(base, "testdata/missing.pem", keyFile); err == nil {
		t.Fatal("missing certificate file accepted")
	}
	cfg, err = TLSConfig(base, certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Certificates) != 2 || cfg.Certificates[1].Leaf == nil || cfg.Certificates[1].Leaf.Subject.CommonName != "mx.test" {
		t.Fatalf("key pair not added after base's certificates: %d certificates", len(cfg.Certificates))
	}
	if len(base.Certificates) != 1 {
		t.Fatal("base modified")
	}
}
