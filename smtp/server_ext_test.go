package smtp

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
)

func srvB64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// srvCountingConn counts the writes the server makes.
type srvCountingConn struct {
	net.Conn
	mu     *sync.Mutex
	writes *int
}

func (c srvCountingConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	*c.writes++
	c.mu.Unlock()
	return c.Conn.Write(p)
}

type srvCountingListener struct {
	net.Listener
	mu     sync.Mutex
	writes int
}

func (l *srvCountingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return srvCountingConn{c, &l.mu, &l.writes}, nil
}

func (l *srvCountingListener) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.writes
}

// TestServerPipeliningOneWrite: replies to a pipelined group go out in one
// write, flushed only when the input is exhausted (RFC 2920 §3.1).
func TestServerPipeliningOneWrite(t *testing.T) {
	s := &Server{Backend: &srvBackend{}, Hostname: "mx.test", Logger: srvQuietLogger()}
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &srvCountingListener{Listener: inner}
	go s.Serve(l)
	defer s.Close()
	conn := srvDial(t, inner.Addr().String())
	srvTranscript(t, conn, srvEHLO)
	before := l.count()
	srvTranscript(t, conn, `
C: MAIL FROM:<a@example.org>
C: RCPT TO:<b@example.org>
C: RCPT TO:<c@example.org>
C: DATA
S: 250 *
S: 250 *
S: 250 *
S: 354 *
`)
	if got := l.count() - before; got != 1 {
		t.Errorf("server used %d writes for 4 pipelined replies, want 1", got)
	}
	srvTranscript(t, conn, `
C: hello
C: .
C: RSET
C: NOOP
C: QUIT
S: 250 2.0.0 Message accepted
S: 250 2.0.0 OK
S: 250 2.0.0 OK
S: 221 2.0.0 Bye
EOF
`)
}

func TestServerSize(t *testing.T) {
	b := &srvBackend{}
	srvRun(t, b, func(s *Server) { s.MaxMessageBytes = 10 }, `
S: 220 *
C: EHLO c.test
S: 250-mx.test
S: 250-PIPELINING
S: 250-8BITMIME
S: 250-SIZE 10
S: 250-*
S: 250-*
S: 250 *
C: MAIL FROM:<a@example.org> SIZE=11
S: 552 5.3.4 Message size exceeds fixed maximum message size
C: MAIL FROM:<a@example.org> SIZE=10
C: RCPT TO:<b@example.org>
C: DATA
S: 250 *
S: 250 *
S: 354 *
C: 0123456789
C: 0123456789
C: .
S: 552 5.3.4 Message size exceeds fixed maximum message size
C: MAIL FROM:<a@example.org>
C: RCPT TO:<b@example.org>
C: DATA
S: 250 *
S: 250 *
S: 354 *
C: 01234567
C: .
S: 250 2.0.0 Message accepted
`)
	msgs := b.messages()
	if len(msgs) != 2 || msgs[0].err == nil || msgs[1].body != "01234567\r\n" {
		t.Fatalf("messages = %+v", msgs)
	}
}

// TestServerOversizeDrainLimit: data far beyond the limit is not drained
// forever: the server answers 552 and closes.
func TestServerOversizeDrainLimit(t *testing.T) {
	s := &Server{Backend: &srvBackend{}, MaxMessageBytes: 100}
	addr := srvStart(t, s)
	conn := srvDial(t, addr)
	srvTranscript(t, conn, srvEHLOSize(100)+`
C: MAIL FROM:<a@example.org>
C: RCPT TO:<b@example.org>
C: DATA
S: 250 *
S: 250 *
S: 354 *
`)
	// 2 MiB without a terminator: beyond the drain limit (max + 1 MiB).
	go func() {
		line := bytes.Repeat([]byte("x"), 998)
		line = append(line, "\r\n"...)
		for i := 0; i < 2100; i++ {
			if _, err := conn.Write(line); err != nil {
				return
			}
		}
	}()
	srvTranscript(t, conn, `
S: 552 5.3.4 Message size exceeds fixed maximum message size, closing connection
EOF
`)
}

func srvEHLOSize(n int) string {
	return fmt.Sprintf(`
S: 220 mx.test ESMTP ready
C: EHLO client.test
S: 250-mx.test
S: 250-PIPELINING
S: 250-8BITMIME
S: 250-SIZE %d
S: 250-ENHANCEDSTATUSCODES
S: 250-CHUNKING
S: 250 LIMITS RCPTMAX=100
`, n)
}

// TestServerSmuggling: none of the smuggling end-of-data variants ends
// the data, and what follows them is never run as a command.
func TestServerSmuggling(t *testing.T) {
	variants := map[string]string{
		"LF.LF":     "\n.\n",
		"CR.CR":     "\r.\r",
		"LF.CRLF":   "\n.\r\n",
		"CRLF.LF":   "\r\n.\n",
		"CR.CRLF":   "\r.\r\n",
		"CRLF.CR":   "\r\n.\r",
		"LF.LF-lfl": "\n.\n\n",
	}
	for name, v := range variants {
		t.Run(name, func(t *testing.T) {
			b := &srvBackend{}
			srvRun(t, b, nil, srvEHLO+`
C: MAIL FROM:<a@example.org>
C: RCPT TO:<b@example.org>
C: DATA
S: 250 *
S: 250 *
S: 354 *
R: "Subject: x\r\n\r\nbody`+strings.NewReplacer("\r", `\r`, "\n", `\n`).Replace(v)+`MAIL FROM:<evil@example.org>\r\nRCPT TO:<victim@example.org>\r\nDATA\r\nsmuggled\r\n.\r\n"
S: 550 5.6.0 Bare CR or LF in message data not allowed
C: NOOP
S: 250 2.0.0 OK
`)
			for _, m := range b.messages() {
				if m.err == nil {
					t.Errorf("a message was accepted: %+v", m)
				}
				if m.from == "evil@example.org" {
					t.Errorf("smuggled transaction executed")
				}
			}
		})
	}
}

func TestServerHugeLine(t *testing.T) {
	s := &Server{Backend: &srvBackend{}}
	addr := srvStart(t, s)
	conn := srvDial(t, addr)
	srvTranscript(t, conn, srvEHLO)
	go conn.Write(append(append([]byte("MAIL FROM:<"), bytes.Repeat([]byte("a"), 1<<20)...), ">\r\nNOOP\r\n"...))
	srvTranscript(t, conn, `
S: 500 5.5.2 Line too long
S: 250 2.0.0 OK
`)
}

func TestServerManyRecipients(t *testing.T) {
	b := &srvBackend{}
	s := &Server{Backend: b}
	addr := srvStart(t, s)
	conn := srvDial(t, addr)
	srvTranscript(t, conn, srvEHLO+`
C: MAIL FROM:<a@example.org>
S: 250 *
`)
	var script strings.Builder
	go func() {
		var buf bytes.Buffer
		for i := 0; i < 10000; i++ {
			fmt.Fprintf(&buf, "RCPT TO:<r%d@example.org>\r\n", i)
		}
		buf.WriteString("DATA\r\n")
		conn.Write(buf.Bytes())
	}()
	for i := 0; i < 10000; i++ {
		if i < 100 {
			script.WriteString("S: 250 2.1.5 Recipient OK\n")
		} else {
			script.WriteString("S: 452 4.5.3 Too many recipients\n")
		}
	}
	script.WriteString("S: 354 *\nC: x\nC: .\nS: 250 2.0.0 Message accepted\n")
	srvTranscript(t, conn, script.String())
	if m := b.messages(); len(m) != 1 || len(m[0].rcpts) != 100 {
		t.Fatalf("want 1 message with 100 recipients")
	}
}

func TestServerAuthCleartextRefused(t *testing.T) {
	b := &srvBackend{users: map[string]string{"alice": "secret"}}
	srvRun(t, b, nil, srvEHLO+`
C: AUTH PLAIN `+srvB64("\x00alice\x00secret")+`
S: 538 5.7.11 Encryption required for requested authentication mechanism
C: MAIL FROM:<a@example.org>
S: 250 *
`)
}

func TestServerAuth(t *testing.T) {
	b := &srvBackend{users: map[string]string{"alice": "secret"}}
	ehlo := `
S: 220 *
C: EHLO c.test
S: 250-mx.test
S: 250-AUTH PLAIN LOGIN
S: 250-*
S: 250-*
S: 250-*
S: 250-*
S: 250-*
S: 250 *
`
	setup := func(s *Server) { s.AllowInsecureAuth = true; s.MaxAuthFailures = 3 }
	t.Run("plain initial response", func(t *testing.T) {
		srvRun(t, b, setup, ehlo+`
C: AUTH PLAIN `+srvB64("\x00alice\x00secret")+`
S: 235 2.7.0 Authentication successful
C: AUTH PLAIN
S: 503 5.5.1 Already authenticated
C: EHLO again.test
S: 250-mx.test
S: 250-PIPELINING
`)
	})
	t.Run("plain challenge", func(t *testing.T) {
		srvRun(t, b, setup, ehlo+`
C: AUTH PLAIN
S: 334 
C: `+srvB64("alice\x00alice\x00secret")+`
S: 235 2.7.0 Authentication successful
`)
	})
	t.Run("login", func(t *testing.T) {
		srvRun(t, b, setup, ehlo+`
C: AUTH LOGIN
S: 334 VXNlcm5hbWU6
C: `+srvB64("alice")+`
S: 334 UGFzc3dvcmQ6
C: `+srvB64("secret")+`
S: 235 2.7.0 Authentication successful
`)
	})
	t.Run("cancel and errors", func(t *testing.T) {
		srvRun(t, b, setup, ehlo+`
C: AUTH PLAIN
S: 334 
C: *
S: 501 5.0.0 Authentication cancelled
C: AUTH PLAIN !!!
S: 501 5.5.2 Invalid base64 in initial response
C: AUTH CRAM-MD5
S: 504 5.5.4 Unrecognized authentication type
C: AUTH
S: 501 5.5.4 *
C: AUTH PLAIN =
S: 501 5.5.2 Malformed authentication exchange
C: AUTH PLAIN `+srvB64("\x00alice\x00wrong")+`
S: 535 5.7.8 Authentication credentials invalid
C: AUTH PLAIN `+srvB64("\x00bob\x00secret")+`
S: 535 5.7.8 Authentication credentials invalid
C: AUTH LOGIN `+srvB64("alice")+`
S: 334 UGFzc3dvcmQ6
C: `+srvB64("nope")+`
S: 535 5.7.8 Authentication credentials invalid
S: 421 4.7.0 Too many authentication failures, closing connection
EOF
`)
	})
}

func TestServerSubmissionRequiresAuth(t *testing.T) {
	b := &srvBackend{users: map[string]string{"alice": "secret"}}
	srvRun(t, b, func(s *Server) { s.Submission = true; s.AllowInsecureAuth = true }, `
S: 220 *
C: EHLO c.test
S: 250-mx.test
S: 250-AUTH PLAIN LOGIN
S: 250-*
S: 250-*
S: 250-*
S: 250-*
S: 250-*
S: 250 *
C: MAIL FROM:<alice@example.org>
S: 530 5.7.0 Authentication required
C: AUTH PLAIN `+srvB64("\x00alice\x00secret")+`
S: 235 *
C: MAIL FROM:<alice@example.org> AUTH=alice+40example.org
S: 250 *
`)
	if m := b.messages(); len(m) != 0 {
		t.Fatal("unexpected message")
	}
}

// TestServerSTARTTLSPipelinedPlaintext: commands pipelined after STARTTLS
// in the clear are discarded, never executed in the TLS session
// (CVE-2011-0411), and the session starts over.
func TestServerSTARTTLSPipelinedPlaintext(t *testing.T) {
	b := &srvBackend{users: map[string]string{"alice": "secret"}}
	s := &Server{Backend: b, TLSConfig: srvTLSConfig(t)}
	addr := srvStart(t, s)
	conn := srvDial(t, addr)
	srvTranscript(t, conn, `
S: 220 *
C: EHLO c.test
S: 250-mx.test
S: 250-PIPELINING
S: 250-8BITMIME
S: 250-SIZE 33554432
S: 250-ENHANCEDSTATUSCODES
S: 250-CHUNKING
S: 250-STARTTLS
S: 250 LIMITS RCPTMAX=100
C: STARTTLS
C: MAIL FROM:<evil@example.org>
C: RCPT TO:<victim@example.org>
S: 220 2.0.0 Ready to start TLS
`)
	tc := tls.Client(conn, srvClientTLS(t))
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	srvTranscript(t, tc, `
C: MAIL FROM:<a@example.org>
S: 503 5.5.1 Send EHLO or HELO first
C: EHLO c.test
S: 250-mx.test
S: 250-AUTH PLAIN LOGIN
S: 250-PIPELINING
S: 250-8BITMIME
S: 250-SIZE 33554432
S: 250-ENHANCEDSTATUSCODES
S: 250-CHUNKING
S: 250 LIMITS RCPTMAX=100
C: STARTTLS
S: 503 5.5.1 Already running TLS
C: AUTH PLAIN `+srvB64("\x00alice\x00secret")+`
S: 235 *
C: MAIL FROM:<a@example.org>
C: RCPT TO:<b@example.org>
C: DATA
S: 250 *
S: 250 *
S: 354 *
C: hi
C: .
S: 250 *
`)
	msgs := b.messages()
	if len(msgs) != 1 || msgs[0].from != "a@example.org" || msgs[0].auth != "alice" {
		t.Fatalf("messages = %+v", msgs)
	}
}

func TestServerImplicitTLS(t *testing.T) {
	b := &srvBackend{}
	s := &Server{Backend: b, Hostname: "mx.test", Logger: srvQuietLogger(), TLSConfig: srvTLSConfig(t)}
	l, err := tls.Listen("tcp", "127.0.0.1:0", s.TLSConfig)
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(l)
	defer s.Close()
	conn, err := tls.Dial("tcp", l.Addr().String(), srvClientTLS(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	srvTranscript(t, conn, srvEHLO+`
C: STARTTLS
S: 503 5.5.1 Already running TLS
C: QUIT
S: 221 *
`)
}

func TestServerBDAT(t *testing.T) {
	b := &srvBackend{}
	srvRun(t, b, func(s *Server) { s.EnableBINARYMIME = true }, `
S: 220 *
C: EHLO c.test
S: 250-mx.test
S: 250-*
S: 250-*
S: 250-*
S: 250-*
S: 250-CHUNKING
S: 250-BINARYMIME
S: 250 *
C: MAIL FROM:<a@example.org> BODY=BINARYMIME
C: RCPT TO:<b@example.org>
R: "BDAT 5\r\nhello"
R: "BDAT 7\r\n, \x00\r\n.\n"
R: "BDAT 0 LAST\r\n"
S: 250 2.1.0 Sender OK
S: 250 2.1.5 Recipient OK
S: 250 2.0.0 Chunk received
S: 250 2.0.0 Chunk received
S: 250 2.0.0 Message accepted
C: MAIL FROM:<a@example.org> BODY=BINARYMIME
C: RCPT TO:<b@example.org>
C: DATA
S: 250 *
S: 250 *
S: 503 5.5.1 BINARYMIME requires BDAT (RFC 3030 §3)
C: RSET
S: 250 *
R: "BDAT 4 LAST\r\nRSET"
S: 503 5.5.1 Need MAIL and RCPT before BDAT
C: MAIL FROM:<a@example.org>
R: "BDAT 4 LAST\r\nNOOP"
S: 250 *
S: 554 5.5.1 No valid recipients
C: RCPT TO:<b@example.org>
R: "BDAT 3\r\nabc"
C: RSET
S: 250 *
S: 250 2.0.0 Chunk received
S: 250 2.0.0 OK
C: BDAT x
S: 501 5.5.4 Syntax: BDAT chunk-size [LAST], closing connection
EOF
`)
	msgs := b.messages()
	if len(msgs) < 1 || msgs[0].body != "hello, \x00\r\n.\n" || msgs[0].mailOpts.Body != BodyBinaryMIME {
		t.Fatalf("messages = %+v", msgs)
	}
	if len(msgs) != 2 || msgs[1].err == nil {
		t.Fatalf("aborted BDAT transaction: %+v", msgs)
	}
}

func TestServerBDATTooLarge(t *testing.T) {
	b := &srvBackend{}
	srvRun(t, b, func(s *Server) { s.MaxMessageBytes = 8 }, srvEHLOSize(8)+`
C: MAIL FROM:<a@example.org>
C: RCPT TO:<b@example.org>
R: "BDAT 6\r\n123456"
R: "BDAT 6\r\n789012"
R: "BDAT 6 LAST\r\n345678"
C: NOOP
S: 250 *
S: 250 *
S: 250 2.0.0 Chunk received
S: 552 5.3.4 Message size exceeds fixed maximum message size
S: 503 5.5.1 Need MAIL and RCPT before BDAT
S: 250 2.0.0 OK
`)
}

func TestServerDSNAndUTF8Params(t *testing.T) {
	b := &srvBackend{}
	srvRun(t, b, func(s *Server) { s.EnableDSN = true; s.EnableSMTPUTF8 = true }, `
S: 220 *
C: EHLO c.test
S: 250-mx.test
S: 250-*
S: 250-*
S: 250-*
S: 250-*
S: 250-*
S: 250-SMTPUTF8
S: 250-DSN
S: 250 *
C: MAIL FROM:<ü@例え.jp> SMTPUTF8 RET=HDRS ENVID=abc+2Bdef BODY=8BITMIME
C: RCPT TO:<δ@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;d+40example.org
C: RCPT TO:<x@example.org> NOTIFY=NEVER,SUCCESS
C: RCPT TO:<x@example.org> NOTIFY=DELAY
C: RCPT TO:<x@example.org> ORCPT=bad
C: MAIL FROM:<a@b.c> RET=ALL
C: DATA
S: 250 *
S: 250 *
S: 501 5.5.4 Bad NOTIFY value
S: 250 *
S: 501 5.5.4 Bad ORCPT value
S: 503 5.5.1 Nested MAIL command
S: 354 *
C: .
S: 250 *
C: MAIL FROM:<a@b.c> RET=ALL
S: 501 5.5.4 Bad RET value
C: MAIL FROM:<a@b.c> REQUIRETLS
S: 555 5.5.4 Unsupported parameter
`)
	m := b.messages()[0]
	if m.from != "ü@例え.jp" || !m.mailOpts.SMTPUTF8 || m.mailOpts.Return != DSNReturnHeaders || m.mailOpts.EnvelopeID != "abc+def" || m.mailOpts.Body != Body8BitMIME {
		t.Errorf("mail = %q %+v", m.from, m.mailOpts)
	}
	if len(m.rcpts) != 2 || m.rcpts[0] != "δ@example.org" {
		t.Fatalf("rcpts = %q", m.rcpts)
	}
	o := m.rcptOpts[0]
	if len(o.Notify) != 2 || o.Notify[0] != DSNNotifySuccess || o.OriginalRecipientType != "rfc822" || o.OriginalRecipient != "d@example.org" {
		t.Errorf("rcpt opts = %+v", o)
	}
}

func TestServerLMTP(t *testing.T) {
	b := &srvBackend{rcptErr: map[string]error{"gone@example.org": &Error{Code: 550, EnhancedCode: [3]int{5, 1, 1}, Message: "No such user"}}}
	srvRun(t, b, func(s *Server) { s.LMTP = true }, `
S: 220 mx.test LMTP ready
C: EHLO c.test
S: 500 5.5.1 Use LHLO in LMTP (RFC 2033 §4.1)
C: LHLO c.test
S: 250-mx.test
S: 250-*
S: 250-*
S: 250-*
S: 250-*
S: 250-*
S: 250 *
C: MAIL FROM:<a@example.org>
C: RCPT TO:<one@example.org>
C: RCPT TO:<gone@example.org>
C: RCPT TO:<two@example.org>
C: DATA
S: 250 *
S: 250 *
S: 550 5.1.1 No such user
S: 250 *
S: 354 *
C: hi
C: .
S: 250 2.0.0 Delivered
S: 250 2.0.0 Delivered
C: QUIT
S: 221 *
`)
}

// srvLMTPBackend reports a per-recipient status through LMTPSession.
type srvLMTPBackend struct{ srvBackend }

type srvLMTPSession struct{ *srvSession }

func (b *srvLMTPBackend) NewSession(ctx context.Context, c *Conn) (Session, error) {
	s, _ := b.srvBackend.NewSession(ctx, c)
	return srvLMTPSession{s.(*srvSession)}, nil
}

func (s srvLMTPSession) LMTPData(ctx context.Context, r io.Reader, status StatusCollector) error {
	if err := s.Data(ctx, r); err != nil {
		return err
	}
	for _, rc := range s.cur.rcpts {
		if strings.HasPrefix(rc, "full") {
			status.SetStatus(rc, &Error{Code: 452, EnhancedCode: [3]int{4, 2, 2}, Message: "Mailbox full"})
		} else {
			status.SetStatus(rc, nil)
		}
	}
	return nil
}

func TestServerLMTPPerRecipient(t *testing.T) {
	b := &srvLMTPBackend{}
	s := &Server{Backend: b, LMTP: true}
	addr := srvStart(t, s)
	srvTranscript(t, srvDial(t, addr), `
S: 220 *
C: LHLO c.test
S: 250-*
S: 250-*
S: 250-*
S: 250-*
S: 250-*
S: 250-*
S: 250 *
C: MAIL FROM:<a@example.org>
C: RCPT TO:<one@example.org>
C: RCPT TO:<full@example.org>
R: "BDAT 2 LAST\r\nhi"
S: 250 *
S: 250 *
S: 250 *
S: 250 2.0.0 Delivered
S: 452 4.2.2 Mailbox full
`)
}

func TestServerREQUIRETLS(t *testing.T) {
	b := &srvBackend{}
	s := &Server{Backend: b, TLSConfig: srvTLSConfig(t), EnableREQUIRETLS: true}
	addr := srvStart(t, s)
	conn := srvDial(t, addr)
	srvTranscript(t, conn, "S: 220 *\nC: EHLO c.test\n"+strings.Repeat("S: 250-*\n", 6)+`S: 250-STARTTLS
S: 250 *
C: MAIL FROM:<a@example.org> REQUIRETLS
S: 555 5.5.4 Unsupported parameter
C: STARTTLS
S: 220 *
`)
	tc := tls.Client(conn, srvClientTLS(t))
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	srvTranscript(t, tc, "C: EHLO c.test\n"+strings.Repeat("S: 250-*\n", 6)+`S: 250-REQUIRETLS
S: 250 *
C: MAIL FROM:<a@example.org> REQUIRETLS
C: RCPT TO:<b@example.org>
C: DATA
S: 250 *
S: 250 *
S: 354 *
C: .
S: 250 *
`)
	if m := b.messages(); len(m) != 1 || !m[0].mailOpts.RequireTLS {
		t.Fatalf("messages = %+v", m)
	}
}

// srvHelloBackend refuses one HELO name.
type srvHelloBackend struct{ srvBackend }
type srvHelloSession struct{ *srvSession }

func (b *srvHelloBackend) NewSession(ctx context.Context, c *Conn) (Session, error) {
	s, _ := b.srvBackend.NewSession(ctx, c)
	return srvHelloSession{s.(*srvSession)}, nil
}
func (s srvHelloSession) Hello(ctx context.Context, name string) error {
	if name == "bad.test" {
		return &Error{Code: 550, EnhancedCode: [3]int{5, 7, 1}, Message: "Go away"}
	}
	if s.c.Hostname() != name {
		return fmt.Errorf("Hostname() = %q during Hello(%q)", s.c.Hostname(), name)
	}
	return nil
}

func TestServerHelloSessionAndConnInfo(t *testing.T) {
	s := &Server{Backend: &srvHelloBackend{}}
	addr := srvStart(t, s)
	srvTranscript(t, srvDial(t, addr), `
S: 220 *
C: HELO bad.test
S: 550 5.7.1 Go away
C: MAIL FROM:<a@example.org>
S: 503 5.5.1 Send EHLO or HELO first
C: HELO good.test
S: 250 mx.test
C: MAIL FROM:<a@example.org>
S: 250 *
`)
}
