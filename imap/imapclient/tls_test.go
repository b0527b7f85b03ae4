package imapclient

import (
	"errors"
	"testing"
)

func TestStartTLS(t *testing.T) {
	fs := startScript(t, `
		S: * OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready
		C: A1 STARTTLS
		S: A1 OK begin TLS
		TLS
		C: A2 CAPABILITY
		S: * CAPABILITY IMAP4rev1 AUTH=PLAIN
		S: A2 OK
		C: A3 LOGIN alice secret
		S: A3 OK
	`)
	c := fs.dial(t, &Options{TLSConfig: clientTLSConfig(t)})
	if !c.HasCap("STARTTLS") {
		t.Fatal("STARTTLS not announced")
	}
	if err := c.StartTLS(nil); err != nil {
		t.Fatal(err)
	}
	if c.Caps() != nil {
		t.Error("capabilities kept across STARTTLS")
	}
	caps, err := c.Capability().Wait()
	if err != nil || len(caps) != 2 || !c.HasCap("AUTH=PLAIN") {
		t.Fatalf("caps %v %v", caps, err)
	}
	if err := c.Login("alice", "secret").Wait(); err != nil {
		t.Fatal(err)
	}
	fs.wait(t)
}

// Data sent in the clear together with the STARTTLS OK is an injection
// attack (CVE-2011-0411 class): the client must not act on it.
func TestStartTLSInjection(t *testing.T) {
	fs := startScript(t, `
		S: * OK [CAPABILITY IMAP4rev1 STARTTLS] ready
		C: A1 STARTTLS
		S+ A1 OK begin TLS\r\n* 1 EXISTS\r\n
	`)
	c := fs.dial(t, &Options{TLSConfig: clientTLSConfig(t)})
	if err := c.StartTLS(nil); !errors.Is(err, ErrSTARTTLSInjection) {
		t.Fatalf("err = %v", err)
	}
}

func TestDialTLS(t *testing.T) {
	fs := startScript(t, `
		TLS
		S: * OK ready
		C: A1 NOOP
		S: A1 OK
	`)
	c, err := DialTLS(t.Context(), fs.ln.Addr().String(), &Options{TLSConfig: clientTLSConfig(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
	fs.wait(t)
}
