package smtp

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailwire/mailwire/internal/sasl"
)

func clientTestOpts() *ClientOptions {
	return &ClientOptions{LocalName: "client.example.test"}
}

// clientScripted starts a Client on a pipe whose server end plays the
// named script from testdata/client.
func clientScripted(t *testing.T, name string, opts *ClientOptions, tlsServer *tls.Config) (*Client, *clientFake) {
	t.Helper()
	conn, f := clientPipe(t, clientLoadScript(t, name), tlsServer)
	if opts == nil {
		opts = clientTestOpts()
	}
	c, err := NewClient(conn, opts)
	if err != nil {
		f.wait(t)
		t.Fatalf("NewClient: %v", err)
	}
	return c, f
}

func clientMustQuit(t *testing.T, c *Client) {
	t.Helper()
	if err := c.Quit(); err != nil {
		t.Fatalf("Quit: %v", err)
	}
}

// clientSMTPErr returns err as *Error or fails.
func clientSMTPErr(t *testing.T, err error) *Error {
	t.Helper()
	var se *Error
	if !errors.As(err, &se) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	return se
}

func TestClientBasicTransaction(t *testing.T) {
	c, f := clientScripted(t, "basic.txt", nil, nil)
	if !c.HasExtension("8bitmime") || c.MaxSize() != 1000 || c.HasExtension("PIPELINING") {
		t.Fatalf("extensions = %v, MaxSize %d", c.Extensions(), c.MaxSize())
	}
	if c.Greeting() != "mx.example.test ESMTP ready" {
		t.Errorf("Greeting = %q", c.Greeting())
	}
	if err := c.Mail("alice@example.test", &MailOptions{Size: 42, Body: Body8BitMIME}); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("bob@example.test", nil); err != nil {
		t.Fatalf("Rcpt with 251: %v", err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	// Written in pieces that split the CRLF and the leading dot.
	for _, p := range []string{"Subject: hi\r", "\n\r\n", ".", "leading dot\nbare LF line"} {
		if _, err := io.WriteString(w, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if dw := w.(*clientDataWriter); dw.reply != "Ok: queued as 1234" {
		t.Errorf("data reply %q", dw.reply)
	}
	clientMustQuit(t, c)
	f.wait(t)
	if f.turns != 6 { // EHLO, MAIL, RCPT, DATA, ".", QUIT
		t.Errorf("round trips = %d, want 6", f.turns)
	}
}

func TestClientHeloFallback(t *testing.T) {
	c, f := clientScripted(t, "helo_fallback.txt", nil, nil)
	if len(c.Extensions()) != 0 {
		t.Errorf("extensions after HELO: %v", c.Extensions())
	}
	res, err := c.Send(context.Background(), "alice@example.test",
		[]string{"bob@example.test", "carol@example.test"},
		strings.NewReader("Subject: old\r\n\r\nbody\r\n"), nil)
	if err != nil || res.Accepted() != 2 || res.Err() != nil {
		t.Fatalf("Send: %v, %+v", err, res)
	}
	clientMustQuit(t, c)
	f.wait(t)
	// HELO fallback costs a turn; without PIPELINING every command is one.
	if f.turns != 8 { // EHLO, HELO, MAIL, RCPT, RCPT, DATA, ".", QUIT
		t.Errorf("round trips = %d, want 8", f.turns)
	}
}

// TestClientPipeliningOneRoundTrip proves RFC 2920 pipelining: the fake
// reads MAIL, the three RCPTs and DATA before it sends any reply, so Send
// can only complete if the client sent all five commands before waiting,
// and the whole envelope costs a single round trip.
func TestClientPipeliningOneRoundTrip(t *testing.T) {
	c, f := clientScripted(t, "pipelining.txt", nil, nil)
	res, err := c.Send(context.Background(), "alice@example.test",
		[]string{"bob@example.test", "carol@example.test", "dave@example.test"},
		strings.NewReader("Subject: pipelined\r\n\r\nhello\r\n"), nil)
	if err != nil || res.Accepted() != 3 {
		t.Fatalf("Send: %v, %+v", err, res)
	}
	if res.Reply != "queued as P1" {
		t.Errorf("Reply = %q", res.Reply)
	}
	clientMustQuit(t, c)
	f.wait(t)
	if f.turns != 4 { // EHLO, MAIL+RCPT×3+DATA, body+".", QUIT
		t.Errorf("round trips = %d, want 4 (envelope in one)", f.turns)
	}
}

func TestClientPerRecipientResults(t *testing.T) {
	c, f := clientScripted(t, "rcpt_mixture.txt", nil, nil)
	rcpts := []string{"ok1@example.test", "unknown@example.test", "full@example.test", "ok2@example.test"}
	res, err := c.Send(context.Background(), "alice@example.test", rcpts,
		strings.NewReader("Subject: mix\r\n\r\nbody\r\n"), nil)
	if err != nil {
		t.Fatalf("Send: %v (two recipients were accepted)", err)
	}
	if res.Accepted() != 2 || res.Rcpts[0].Err != nil || res.Rcpts[3].Err != nil {
		t.Fatalf("results %+v", res.Rcpts)
	}
	perm := clientSMTPErr(t, res.Rcpts[1].Err)
	if perm.Code != 550 || perm.EnhancedCode != [3]int{5, 1, 1} || !perm.Permanent() || perm.Temporary() ||
		perm.Message != "No such user here\nCheck the address" {
		t.Errorf("unknown user: %#v", perm)
	}
	temp := clientSMTPErr(t, res.Rcpts[2].Err)
	if temp.Code != 450 || temp.EnhancedCode != [3]int{4, 2, 1} || !temp.Temporary() || temp.Permanent() {
		t.Errorf("full mailbox: %#v", temp)
	}
	var re *RcptError
	if joined := res.Err(); !errors.As(joined, &re) || re.Rcpt != "unknown@example.test" {
		t.Errorf("res.Err() = %v", joined)
	}
	clientMustQuit(t, c)
	f.wait(t)
}

func TestClientAllRecipientsRefusedThenReuse(t *testing.T) {
	c, f := clientScripted(t, "all_rcpts_refused.txt", nil, nil)
	res, err := c.Send(context.Background(), "alice@example.test",
		[]string{"x@example.test", "y@example.test"}, strings.NewReader("first\r\n"), nil)
	if err == nil {
		t.Fatal("Send succeeded with every recipient refused")
	}
	var re *RcptError
	if !errors.As(err, &re) || re.Rcpt != "x@example.test" {
		t.Errorf("err = %v, want *RcptError for x", err)
	}
	if !clientSMTPErr(t, res.Rcpts[0].Err).Permanent() || !clientSMTPErr(t, res.Rcpts[1].Err).Temporary() {
		t.Errorf("results %+v", res.Rcpts)
	}
	if c.Err() != nil {
		t.Fatalf("connection broken: %v", c.Err())
	}
	// The connection carries the next message.
	res, err = c.Send(context.Background(), "alice@example.test", []string{"z@example.test"}, strings.NewReader("second\r\n"), nil)
	if err != nil || res.Accepted() != 1 {
		t.Fatalf("second Send: %v %+v", err, res)
	}
	clientMustQuit(t, c)
	f.wait(t)
}

func TestClientAllRecipientsRefusedDespite354(t *testing.T) {
	c, f := clientScripted(t, "all_rcpts_refused_354.txt", nil, nil)
	_, err := c.Send(context.Background(), "alice@example.test", []string{"x@example.test"}, strings.NewReader("never sent\r\n"), nil)
	if se := clientSMTPErr(t, err); se.Code != 550 {
		t.Errorf("err = %v", err)
	}
	clientMustQuit(t, c)
	f.wait(t)
}

func TestClientMailRefusedTemporary(t *testing.T) {
	c, f := clientScripted(t, "mail_refused.txt", nil, nil)
	res, err := c.Send(context.Background(), "alice@example.test", []string{"bob@example.test"}, strings.NewReader("x\r\n"), nil)
	se := clientSMTPErr(t, err)
	if se.Code != 451 || se.EnhancedCode != [3]int{4, 7, 1} || !se.Temporary() {
		t.Errorf("err = %#v", se)
	}
	if !errors.Is(res.Rcpts[0].Err, err) {
		t.Errorf("recipient result %v, want the MAIL error", res.Rcpts[0].Err)
	}
	if se.Error() != "smtp: 451 4.7.1 Greylisted, try again in 5 minutes" {
		t.Errorf("Error() = %q", se.Error())
	}
	clientMustQuit(t, c)
	f.wait(t)
}

func TestClientBDATChunks(t *testing.T) {
	opts := clientTestOpts()
	opts.ChunkSize = 8
	c, f := clientScripted(t, "bdat.txt", opts, nil)
	body := "abcdef\r\n.ghijk\r\nxyz\r\n"
	res, err := c.Send(context.Background(), "alice@example.test", []string{"bob@example.test"},
		io.MultiReader(strings.NewReader(body)), // size unknown: BDAT because BINARYMIME
		&SendOptions{Mail: &MailOptions{Body: BodyBinaryMIME}})
	if err != nil || res.Reply != "message ok" {
		t.Fatalf("Send: %v %+v", err, res)
	}
	clientMustQuit(t, c)
	f.wait(t)
}

func TestClientBDATForLargeBody(t *testing.T) {
	script := clientParseScript(t, `
S: 220 mx ESMTP
C: EHLO client.example.test
S: 250-mx
S: 250-SIZE 100
S: 250 CHUNKING
C: MAIL FROM:<a@example.test> SIZE=16
S: 250 ok
C: RCPT TO:<b@example.test>
S: 250 ok
C: BDAT 16 LAST
C: 0123456789abcd
S: 250 ok
C: QUIT
S: 221 bye
`)
	conn, f := clientPipe(t, script, nil)
	opts := clientTestOpts()
	opts.ChunkingThreshold = 16
	c, err := NewClient(conn, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(context.Background(), "a@example.test", []string{"b@example.test"}, strings.NewReader("0123456789abcd\r\n"), nil); err != nil {
		t.Fatal(err)
	}
	clientMustQuit(t, c)
	f.wait(t)
}

func TestClientBinaryMIMEWithoutChunkingRefused(t *testing.T) {
	c, f := clientScripted(t, "pipelining.txt", nil, nil)
	_, err := c.Send(context.Background(), "alice@example.test", []string{"bob@example.test"}, strings.NewReader("x"),
		&SendOptions{Mail: &MailOptions{Body: BodyBinaryMIME}})
	if !errors.Is(err, ErrNotAdvertised) {
		t.Fatalf("err = %v, want ErrNotAdvertised", err)
	}
	if se := clientSMTPErr(t, err); se.EnhancedCode != [3]int{5, 6, 3} || !se.Permanent() {
		t.Errorf("equivalent reply %#v", se)
	}
	c.Close()
	<-f.done // the script expected a transaction; only the refusal matters
}

func TestClientDSNParameters(t *testing.T) {
	c, f := clientScripted(t, "dsn.txt", nil, nil)
	body := "Subject: dsn\r\n\r\nbody" // 20 octets, declared as SIZE
	_, err := c.Send(context.Background(), "alice@example.test", []string{"bob@example.test", "carol@example.test"},
		strings.NewReader(body), &SendOptions{
			Mail:    &MailOptions{Return: DSNReturnHeaders, EnvelopeID: "QQ+1 x"},
			Rcpt:    &RcptOptions{Notify: []DSNNotify{DSNNotifyNever}},
			PerRcpt: []*RcptOptions{{Notify: []DSNNotify{DSNNotifySuccess, DSNNotifyFailure}, OriginalRecipient: "bob+old@example.test"}},
		})
	if err != nil {
		t.Fatal(err)
	}
	clientMustQuit(t, c)
	f.wait(t)
}

func TestClientDSNDroppedWhenNotAdvertised(t *testing.T) {
	c, f := clientScripted(t, "pipelining.txt", nil, nil)
	_, err := c.Send(context.Background(), "alice@example.test",
		[]string{"bob@example.test", "carol@example.test", "dave@example.test"},
		strings.NewReader("Subject: pipelined\r\n\r\nhello\r\n"),
		&SendOptions{Mail: &MailOptions{Return: DSNReturnFull, EnvelopeID: "x"}, Rcpt: &RcptOptions{Notify: []DSNNotify{DSNNotifyFailure}}})
	if err != nil {
		t.Fatal(err)
	}
	clientMustQuit(t, c)
	f.wait(t)
}

func TestClientSMTPUTF8(t *testing.T) {
	c, f := clientScripted(t, "smtputf8.txt", nil, nil)
	if _, err := c.Send(context.Background(), "alice@example.test", []string{"jöran@exämple.test"},
		strings.NewReader("Subject: utf8\r\n\r\n"), nil); err != nil {
		t.Fatal(err)
	}
	clientMustQuit(t, c)
	f.wait(t)
}

func TestClientSMTPUTF8RefusedWhenNotOffered(t *testing.T) {
	c, f := clientScripted(t, "pipelining.txt", nil, nil)
	for _, tc := range []struct{ from, to string }{
		{"jöran@exämple.test", "bob@example.test"},
		{"alice@example.test", "bøb@example.test"},
	} {
		_, err := c.Send(context.Background(), tc.from, []string{tc.to}, strings.NewReader("x\r\n"), nil)
		if !errors.Is(err, ErrNotAdvertised) {
			t.Fatalf("%s → %s: err = %v, want ErrNotAdvertised", tc.from, tc.to, err)
		}
		if se := clientSMTPErr(t, err); se.Code != 553 || se.EnhancedCode != [3]int{5, 6, 7} {
			t.Errorf("equivalent reply %#v", se)
		}
	}
	// The low-level API refuses too, before sending anything.
	if err := c.Mail("jöran@exämple.test", nil); !errors.Is(err, ErrNotAdvertised) {
		t.Errorf("Mail: %v", err)
	}
	if err := c.Rcpt("bøb@example.test", nil); !errors.Is(err, ErrNotAdvertised) {
		t.Errorf("Rcpt: %v", err)
	}
	if c.Err() != nil {
		t.Fatal(c.Err())
	}
	c.Close()
	<-f.done
}

func TestClientSizeExceededRefusedClientSide(t *testing.T) {
	script := clientParseScript(t, `
S: 220 mx ESMTP
C: EHLO client.example.test
S: 250-mx
S: 250-PIPELINING
S: 250 SIZE 100
C: QUIT
S: 221 bye
`)
	conn, f := clientPipe(t, script, nil)
	c, err := NewClient(conn, clientTestOpts())
	if err != nil {
		t.Fatal(err)
	}
	// Known length (strings.Reader) over the limit.
	_, err = c.Send(context.Background(), "a@example.test", []string{"b@example.test"}, strings.NewReader(strings.Repeat("x", 101)), nil)
	if !errors.Is(err, ErrSizeExceedsLimit) {
		t.Fatalf("err = %v, want ErrSizeExceedsLimit", err)
	}
	if se := clientSMTPErr(t, err); se.Code != 552 || se.EnhancedCode != [3]int{5, 3, 4} || !se.Permanent() {
		t.Errorf("equivalent reply %#v", se)
	}
	// Declared size over the limit.
	if err := c.Mail("a@example.test", &MailOptions{Size: 1 << 20}); !errors.Is(err, ErrSizeExceedsLimit) {
		t.Errorf("Mail: %v", err)
	}
	clientMustQuit(t, c) // nothing but QUIT reached the server
	f.wait(t)
}

func TestClientLMTPPerRecipientAfterData(t *testing.T) {
	conn, f := clientPipe(t, clientLoadScript(t, "lmtp.txt"), nil)
	c, err := NewLMTPClient(conn, clientTestOpts())
	if err != nil {
		t.Fatal(err)
	}
	if !c.IsLMTP() {
		t.Fatal("IsLMTP false")
	}
	res, err := c.Send(context.Background(), "alice@example.test",
		[]string{"a@example.test", "b@example.test", "c@example.test"},
		strings.NewReader("Subject: lmtp\r\n\r\nbody\r\n"), nil)
	if err != nil {
		t.Fatalf("Send: %v (one recipient was delivered)", err)
	}
	if res.Rcpts[0].Err != nil {
		t.Errorf("a: %v", res.Rcpts[0].Err)
	}
	if se := clientSMTPErr(t, res.Rcpts[1].Err); se.Code != 550 {
		t.Errorf("b: %v", se)
	}
	if se := clientSMTPErr(t, res.Rcpts[2].Err); se.Code != 452 || !se.Temporary() {
		t.Errorf("c: %v", se)
	}
	clientMustQuit(t, c)
	f.wait(t)
}

func TestClientLMTPDataWriter(t *testing.T) {
	conn, f := clientPipe(t, clientParseScript(t, `
S: 220 lmtp ready
C: LHLO client.example.test
S: 250 lmtp
C: MAIL FROM:<a@example.test>
S: 250 ok
C: RCPT TO:<x@example.test>
S: 250 ok
C: RCPT TO:<y@example.test>
S: 250 ok
C: DATA
S: 354 go
C: hi
C: .
S: 250 ok x
S: 552 5.2.2 y over quota
C: QUIT
S: 221 bye
`), nil)
	c, err := NewLMTPClient(conn, clientTestOpts())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("a@example.test", nil); err != nil {
		t.Fatal(err)
	}
	for _, r := range []string{"x@example.test", "y@example.test"} {
		if err := c.Rcpt(r, nil); err != nil {
			t.Fatal(err)
		}
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	io.WriteString(w, "hi\r\n")
	err = w.Close()
	var re *RcptError
	if !errors.As(err, &re) || re.Rcpt != "y@example.test" || clientSMTPErr(t, err).Code != 552 {
		t.Fatalf("Close = %v, want y's 552", err)
	}
	clientMustQuit(t, c)
	f.wait(t)
}

func TestClientLMTPNoHeloFallback(t *testing.T) {
	conn, f := clientPipe(t, clientParseScript(t, `
S: 220 lmtp ready
C: LHLO client.example.test
S: 500 5.5.1 unknown command
`), nil)
	_, err := NewLMTPClient(conn, clientTestOpts())
	if se := clientSMTPErr(t, err); se.Code != 500 {
		t.Fatalf("err = %v", err)
	}
	f.wait(t)
}

// clientTestTLS returns a server config with a fresh self-signed
// certificate for mx.example.test and a client config that trusts it.
func clientTestTLS(t testing.TB) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mx.example.test"},
		DNSNames:              []string{"mx.example.test"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	client = &tls.Config{RootCAs: pool, ServerName: "mx.example.test"}
	return server, client
}

func TestClientStartTLSAuthRequireTLS(t *testing.T) {
	srvTLS, cliTLS := clientTestTLS(t)
	opts := clientTestOpts()
	opts.TLSConfig = cliTLS
	c, f := clientScripted(t, "starttls.txt", opts, srvTLS)
	if c.IsTLS() || c.AuthMechanisms() != nil {
		t.Fatal("TLS or AUTH before STARTTLS")
	}
	// REQUIRETLS is refused on cleartext before anything is sent.
	_, err := c.Send(context.Background(), "alice@example.test", []string{"bob@example.test"}, strings.NewReader(""),
		&SendOptions{Mail: &MailOptions{RequireTLS: true}})
	if se := clientSMTPErr(t, err); !errors.Is(err, ErrNotAdvertised) || se.EnhancedCode != [3]int{5, 7, 30} {
		t.Fatalf("REQUIRETLS on cleartext: %v", err)
	}
	if err := c.Auth(PlainAuth("", "alice", "secret")); !errors.Is(err, ErrNotAdvertised) {
		t.Fatalf("AUTH before STARTTLS: %v", err)
	}
	if err := c.StartTLS(nil); err != nil {
		t.Fatal(err)
	}
	if st, ok := c.TLSConnectionState(); !ok || !st.HandshakeComplete || !c.IsTLS() {
		t.Fatal("no TLS after StartTLS")
	}
	if c.HasExtension("STARTTLS") || !c.HasExtension("REQUIRETLS") {
		t.Errorf("extensions not refreshed after STARTTLS: %v", c.Extensions())
	}
	if err := c.StartTLS(nil); err == nil {
		t.Error("second StartTLS succeeded")
	}
	if err := c.Auth(PlainAuth("", "alice", "secret")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(context.Background(), "alice@example.test", []string{"bob@example.test"},
		strings.NewReader("Subject: tls\r\n\r\n"), &SendOptions{Mail: &MailOptions{RequireTLS: true}}); err != nil {
		t.Fatal(err)
	}
	clientMustQuit(t, c)
	f.wait(t)
}

func TestClientStartTLSRejectsInjectedResponse(t *testing.T) {
	// A man in the middle appends a forged reply to the 220: the client
	// must not read it as coming from inside TLS.
	conn, f := clientPipe(t, clientParseScript(t, `
S: 220 mx ESMTP
C: EHLO client.example.test
S: 250-mx
S: 250 STARTTLS
C: STARTTLS
S: 220 go ahead
S: 250 forged
`), nil)
	opts := clientTestOpts()
	opts.TLSConfig = &tls.Config{ServerName: "mx.example.test"}
	c, err := NewClient(conn, opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.StartTLS(nil); !errors.Is(err, ErrMalformedReply) {
		t.Fatalf("StartTLS = %v, want ErrMalformedReply", err)
	}
	if c.Err() == nil {
		t.Error("connection still usable after response injection")
	}
	f.wait(t)
}

func TestClientStartTLSNotOffered(t *testing.T) {
	c, f := clientScripted(t, "pipelining.txt", nil, nil)
	if err := c.StartTLS(nil); !errors.Is(err, ErrNotAdvertised) {
		t.Fatalf("StartTLS = %v", err)
	}
	c.Close()
	<-f.done
}

func TestClientServerClosing421(t *testing.T) {
	conn, f := clientPipe(t, clientParseScript(t, `
S: 220 mx ESMTP
C: EHLO client.example.test
S: 250 mx
C: MAIL FROM:<a@example.test>
S: 250 ok
C: RCPT TO:<b@example.test>
S: 421 4.3.2 shutting down
CLOSE
`), nil)
	c, err := NewClient(conn, clientTestOpts())
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Send(context.Background(), "a@example.test", []string{"b@example.test"}, strings.NewReader("x"), nil)
	if se := clientSMTPErr(t, err); se.Code != 421 || !se.Temporary() {
		t.Fatalf("err = %v", err)
	}
	if c.Err() == nil {
		t.Fatal("client usable after 421")
	}
	if err := c.Noop(); err != c.Err() {
		t.Errorf("Noop after 421 = %v, want the sticky error", err)
	}
	f.wait(t)
}

func TestClientGreetingRefused(t *testing.T) {
	conn, f := clientPipe(t, clientParseScript(t, `
S: 554 5.3.2 no service for you
`), nil)
	_, err := NewClient(conn, clientTestOpts())
	if se := clientSMTPErr(t, err); se.Code != 554 || !se.Permanent() {
		t.Fatalf("err = %v", err)
	}
	f.wait(t)
}

func TestClientVerifyNoopReset(t *testing.T) {
	conn, f := clientPipe(t, clientParseScript(t, `
S: 220 mx ESMTP
C: EHLO client.example.test
S: 250-mx
S: 250 ENHANCEDSTATUSCODES
C: VRFY bob
S: 250 2.1.5 Bob <bob@example.test>
C: VRFY carol
S: 251 2.1.5 will forward
C: VRFY dave
S: 252 2.5.0 Cannot VRFY user
C: NOOP
S: 250 2.0.0 ok
C: MAIL FROM:<>
S: 250 2.1.0 ok
C: RSET
S: 250 2.0.0 flushed
C: QUIT
S: 221 2.0.0 bye
`), nil)
	c, err := NewClient(conn, clientTestOpts())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Verify("bob"); err != nil {
		t.Error(err)
	}
	if err := c.Verify("carol"); err != nil {
		t.Error(err)
	}
	if se := clientSMTPErr(t, c.Verify("dave")); se.Code != 252 {
		t.Error(se)
	}
	if err := c.Verify("x\r\nRSET"); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("VRFY injection: %v", err)
	}
	if err := c.Noop(); err != nil {
		t.Error(err)
	}
	if err := c.Mail("", nil); err != nil { // null reverse-path
		t.Error(err)
	}
	if err := c.Reset(); err != nil {
		t.Error(err)
	}
	clientMustQuit(t, c)
	f.wait(t)
}

func TestClientRefusesCommandInjection(t *testing.T) {
	c, f := clientScripted(t, "pipelining.txt", nil, nil)
	for _, addr := range []string{"a@b\r\nRCPT TO:<evil@x>", "a@b>\x00", "a>b@c", "a\nb@c"} {
		if _, err := c.Send(context.Background(), addr, []string{"bob@example.test"}, strings.NewReader("x"), nil); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("from %q: %v", addr, err)
		}
		if _, err := c.Send(context.Background(), "a@b", []string{addr}, strings.NewReader("x"), nil); !errors.Is(err, ErrInvalidArgument) {
			t.Errorf("to %q: %v", addr, err)
		}
	}
	if _, err := c.Send(context.Background(), "a@b", nil, strings.NewReader("x"), nil); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("no recipients: %v", err)
	}
	if _, err := NewClient(&net.TCPConn{}, &ClientOptions{LocalName: "a b"}); err == nil {
		t.Error("LocalName with a space accepted")
	}
	c.Close()
	<-f.done
}

// A body that fails mid-way must not end the data: the server would
// deliver a truncated message. The client closes the connection instead.
func TestClientBodyErrorClosesWithoutDot(t *testing.T) {
	conn, f := clientPipe(t, clientParseScript(t, `
S: 220 mx ESMTP
C: EHLO client.example.test
S: 250 mx
C: MAIL FROM:<a@example.test>
S: 250 ok
C: RCPT TO:<b@example.test>
S: 250 ok
C: DATA
S: 354 go
`), nil)
	c, err := NewClient(conn, clientTestOpts())
	if err != nil {
		t.Fatal(err)
	}
	bodyErr := errors.New("disk on fire")
	body := io.MultiReader(strings.NewReader("Subject: x\r\n\r\npartial\r\n.\r\n"), clientErrReader{bodyErr})
	_, err = c.Send(context.Background(), "a@example.test", []string{"b@example.test"}, body, nil)
	if !errors.Is(err, bodyErr) || c.Err() == nil {
		t.Fatalf("err = %v, c.Err() = %v", err, c.Err())
	}
	// The fake's end-of-script check fails if the client sent any line
	// (in particular the terminating dot) before closing.
	f.wait(t)
}

type clientErrReader struct{ err error }

func (r clientErrReader) Read([]byte) (int, error) { return 0, r.err }

func TestClientContextCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cc, sc := net.Pipe()
	defer cc.Close()
	sc.SetDeadline(time.Now().Add(5 * time.Second))
	f := &clientFake{done: make(chan error, 1)}
	// The silent server cancels the context once MAIL has reached it.
	f.onLine = func(l string) {
		if strings.HasPrefix(l, "MAIL") {
			cancel()
		}
	}
	go func() {
		err := f.play(sc, clientParseScript(t, `
S: 220 mx ESMTP
C: EHLO client.example.test
S: 250 mx
C: MAIL FROM:<a@example.test>
`), nil)
		sc.Close()
		f.done <- err
	}()
	c, err := NewClient(cc, clientTestOpts())
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Send(ctx, "a@example.test", []string{"b@example.test"}, strings.NewReader("x"), nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	f.wait(t)
}

// clientAuthPrelude is the session start every auth.txt section follows.
const clientAuthPrelude = `
S: 220 mx ESMTP
C: EHLO client.example.test
S: 250-mx
S: 250-AUTH PLAIN LOGIN CRAM-MD5 XOAUTH2 OAUTHBEARER SCRAM-SHA-256
S: 250 ENHANCEDSTATUSCODES
`

func TestClientAuthMechanismsTranscripts(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "client", "auth.txt"))
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]string{}
	var name string
	for _, l := range strings.Split(string(b), "\n") {
		if n, ok := strings.CutPrefix(l, "=== "); ok {
			name = n
			continue
		}
		if name != "" {
			sections[name] += l + "\n"
		}
	}
	tests := []struct {
		section string
		mech    SASLClient
		code    int // expected failure reply code, 0 for success
	}{
		{"PLAIN", PlainAuth("", "alice", "secret"), 0},
		{"LOGIN", LoginAuth("alice", "secret"), 0},
		{"CRAM-MD5", CramMD5Auth("tim", "tanstaaftanstaaf"), 0},
		{"XOAUTH2", XOAuth2Auth("alice", "tok"), 0},
		{"OAUTHBEARER", OAuthBearerAuth("alice", "tok"), 0},
		{"OAUTHBEARER-rejected", OAuthBearerAuth("alice", "tok"), 535},
		{"PLAIN-rejected", PlainAuth("", "alice", "secret"), 535},
		{"LOGIN-bad-challenge", LoginAuth("alice", "secret"), -1},
	}
	for _, tc := range tests {
		t.Run(tc.section, func(t *testing.T) {
			body, ok := sections[tc.section]
			if !ok {
				t.Fatalf("no section %q in auth.txt", tc.section)
			}
			script := clientParseScript(t, clientAuthPrelude+body+"C: QUIT\nS: 221 bye\n")
			conn, f := clientPipe(t, script, nil)
			c, err := NewClient(conn, clientTestOpts())
			if err != nil {
				t.Fatal(err)
			}
			err = c.Auth(tc.mech)
			switch {
			case tc.code == 0 && err != nil:
				t.Errorf("Auth: %v", err)
			case tc.code > 0:
				if se := clientSMTPErr(t, err); se.Code != tc.code || se.EnhancedCode != [3]int{5, 7, 8} {
					t.Errorf("Auth = %v, want %d 5.7.8", err, tc.code)
				}
			case tc.code < 0:
				if !errors.Is(err, ErrMalformedReply) {
					t.Errorf("Auth = %v, want ErrMalformedReply after cancel", err)
				}
			}
			clientMustQuit(t, c)
			f.wait(t)
		})
	}
}

func TestClientAuthNotOfferedMechanism(t *testing.T) {
	conn, f := clientPipe(t, clientParseScript(t, `
S: 220 mx ESMTP
C: EHLO client.example.test
S: 250-mx
S: 250 AUTH=PLAIN LOGIN
C: QUIT
S: 221 bye
`), nil)
	c, err := NewClient(conn, clientTestOpts())
	if err != nil {
		t.Fatal(err)
	}
	if got := c.AuthMechanisms(); len(got) != 2 || got[0] != "PLAIN" {
		t.Errorf("old-style AUTH= parsed as %v", got)
	}
	if err := c.Auth(CramMD5Auth("a", "b")); !errors.Is(err, ErrNotAdvertised) {
		t.Errorf("Auth CRAM-MD5 = %v, want ErrNotAdvertised", err)
	}
	clientMustQuit(t, c)
	f.wait(t)
}

// An initial response that would make the AUTH line longer than 512 octets
// is sent after an empty 334 instead (RFC 4954 §4).
func TestClientAuthLongInitialResponse(t *testing.T) {
	token := strings.Repeat("t", 600)
	ir := base64.StdEncoding.EncodeToString([]byte("user=alice\x01auth=Bearer " + token + "\x01\x01"))
	conn, f := clientPipe(t, clientParseScript(t, clientAuthPrelude+`
C: AUTH XOAUTH2
S: 334 
C: `+ir+`
S: 235 2.7.0 ok
C: QUIT
S: 221 bye
`), nil)
	c, err := NewClient(conn, clientTestOpts())
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Auth(XOAuth2Auth("alice", token)); err != nil {
		t.Fatal(err)
	}
	clientMustQuit(t, c)
	f.wait(t)
}

// SCRAM-SHA-256 needs a live server (the client's nonce is random): this
// fake runs internal/sasl's server mechanism behind the AUTH command.
func TestClientAuthScramSHA256(t *testing.T) {
	creds := sasl.NewScramCredentials("pencil", []byte("salt-salt-salt"), 4096)
	for _, tc := range []struct {
		password string
		ok       bool
	}{{"pencil", true}, {"wrong", false}} {
		cc, sc := net.Pipe()
		sc.SetDeadline(time.Now().Add(5 * time.Second))
		done := make(chan error, 1)
		go func() {
			defer sc.Close()
			done <- clientScramFake(sc, sasl.NewScramSHA256Server(func(user string) (sasl.ScramCredentials, error) {
				return creds, nil
			}))
		}()
		c, err := NewClient(cc, clientTestOpts())
		if err != nil {
			t.Fatal(err)
		}
		err = c.Auth(ScramSHA256Auth("", "user", tc.password))
		if tc.ok && err != nil {
			t.Errorf("SCRAM with the right password: %v", err)
		}
		if !tc.ok {
			if se := clientSMTPErr(t, err); se.Code != 535 {
				t.Errorf("SCRAM with a wrong password: %v", err)
			}
		}
		c.Close()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// clientScramFake greets, answers EHLO, and runs one AUTH exchange with srv.
func clientScramFake(conn net.Conn, srv sasl.Server) error {
	br := bufio.NewReader(conn)
	io.WriteString(conn, "220 mx\r\n")
	if l, _ := br.ReadString('\n'); !strings.HasPrefix(l, "EHLO") {
		return fmt.Errorf("want EHLO, got %q", l)
	}
	io.WriteString(conn, "250-mx\r\n250-ENHANCEDSTATUSCODES\r\n250 AUTH SCRAM-SHA-256\r\n")
	l, _ := br.ReadString('\n')
	fields := strings.Fields(l)
	if len(fields) != 3 || fields[0] != "AUTH" || fields[1] != "SCRAM-SHA-256" {
		return fmt.Errorf("want AUTH SCRAM-SHA-256 with initial response, got %q", l)
	}
	resp, err := base64.StdEncoding.DecodeString(fields[2])
	for err == nil {
		chal, done, serr := srv.Next(resp)
		if serr != nil {
			io.WriteString(conn, "535 5.7.8 Authentication credentials invalid\r\n")
			return nil
		}
		if done {
			io.WriteString(conn, "235 2.7.0 ok\r\n")
			return nil
		}
		io.WriteString(conn, "334 "+base64.StdEncoding.EncodeToString(chal)+"\r\n")
		l, err = br.ReadString('\n')
		if err == nil {
			resp, err = base64.StdEncoding.DecodeString(strings.TrimSpace(l))
		}
	}
	return err
}

func TestClientBDATOneRoundTrip(t *testing.T) {
	c, f := clientScripted(t, "bdat_oneshot.txt", nil, nil)
	body := "Subject: one\n\r\n.hello" // 21 octets before repair, 24 after
	res, err := c.Send(context.Background(), "alice@example.test",
		[]string{"bob@example.test", "nobody@example.test"}, strings.NewReader(body), nil)
	if err != nil || res.Accepted() != 1 || res.Reply != "queued as B1" {
		t.Fatalf("Send: %v %+v", err, res)
	}
	if se := clientSMTPErr(t, res.Rcpts[1].Err); se.Code != 550 {
		t.Errorf("nobody: %v", se)
	}
	_, err = c.Send(context.Background(), "alice@example.test", []string{"nobody@example.test"}, strings.NewReader(body), nil)
	var re *RcptError
	if !errors.As(err, &re) || clientSMTPErr(t, err).Code != 550 {
		t.Fatalf("all refused: %v", err)
	}
	clientMustQuit(t, c)
	f.wait(t)
	if f.turns != 5 { // EHLO, message 1, message 2, RSET, QUIT
		t.Errorf("round trips = %d, want 5", f.turns)
	}
}

// A hostile server cannot make the client buffer without bound: a 1 MiB
// line and a 10,000-line reply both end the session with ErrMalformedReply.
func TestClientBoundedReplies(t *testing.T) {
	for name, greeting := range map[string]string{
		"1 MiB line":   "220 " + strings.Repeat("x", 1<<20) + "\r\n",
		"10,000 lines": strings.Repeat("220-hello\r\n", 10000) + "220 end\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			cc, sc := net.Pipe()
			defer cc.Close()
			go func() {
				sc.Write([]byte(greeting)) // fails once the client hangs up
				sc.Close()
			}()
			_, err := NewClient(cc, clientTestOpts())
			if !errors.Is(err, ErrMalformedReply) {
				t.Fatalf("err = %v, want ErrMalformedReply", err)
			}
		})
	}
}

// With more commands than PipelineWindow, Send writes a window, reads its
// replies, then writes the next one.
func TestClientPipelineWindow(t *testing.T) {
	conn, f := clientPipe(t, clientParseScript(t, `
S: 220 mx
C: EHLO client.example.test
S: 250-mx
S: 250 PIPELINING
C: MAIL FROM:<a@example.test>
C: RCPT TO:<r1@example.test>
C: RCPT TO:<r2@example.test>
S: 250 ok
S: 250 ok
S: 250 ok
C: RCPT TO:<r3@example.test>
C: RCPT TO:<r4@example.test>
C: DATA
S: 250 ok
S: 250 ok
S: 354 go
C: x
C: .
S: 250 ok
C: QUIT
S: 221 bye
`), nil)
	opts := clientTestOpts()
	opts.PipelineWindow = 3
	c, err := NewClient(conn, opts)
	if err != nil {
		t.Fatal(err)
	}
	rcpts := []string{"r1@example.test", "r2@example.test", "r3@example.test", "r4@example.test"}
	if res, err := c.Send(context.Background(), "a@example.test", rcpts, io.MultiReader(strings.NewReader("x\r\n")), nil); err != nil || res.Accepted() != 4 {
		t.Fatalf("Send: %v %+v", err, res)
	}
	clientMustQuit(t, c)
	f.wait(t)
	if f.turns != 5 { // EHLO, window 1, window 2, data, QUIT
		t.Errorf("round trips = %d, want 5", f.turns)
	}
}

func TestClientBDATChunkRefused(t *testing.T) {
	opts := clientTestOpts()
	opts.ChunkSize = 8
	c, f := clientScripted(t, "bdat_refused.txt", opts, nil)
	_, err := c.Send(context.Background(), "alice@example.test", []string{"bob@example.test"},
		io.MultiReader(strings.NewReader("abcdef\r\n.ghijk\r\nxyz\r\n")),
		&SendOptions{Mail: &MailOptions{Body: BodyBinaryMIME}})
	if se := clientSMTPErr(t, err); se.Code != 452 || !se.Temporary() {
		t.Fatalf("err = %v", err)
	}
	clientMustQuit(t, c)
	f.wait(t)
}
