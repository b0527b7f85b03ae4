package smtp

import (
	"strings"
	"testing"
)

func TestServerBasicTransaction(t *testing.T) {
	b := &srvBackend{}
	srvRun(t, b, nil, srvEHLO+`
C: MAIL FROM:<alice@example.org>
S: 250 2.1.0 Sender OK
C: RCPT TO:<bob@example.net>
S: 250 2.1.5 Recipient OK
C: RCPT TO:<Postmaster>
S: 250 2.1.5 Recipient OK
C: DATA
S: 354 Start mail input; end with <CRLF>.<CRLF>
C: Subject: hi
C:
C: ..leading dot
C: .
S: 250 2.0.0 Message accepted
C: QUIT
S: 221 2.0.0 Bye
EOF
`)
	msgs := b.messages()
	if len(msgs) != 1 {
		t.Fatalf("got %d messages, want 1", len(msgs))
	}
	m := msgs[0]
	if m.from != "alice@example.org" || strings.Join(m.rcpts, ",") != "bob@example.net,Postmaster" {
		t.Errorf("envelope = %q %q", m.from, m.rcpts)
	}
	if want := "Subject: hi\r\n\r\n.leading dot\r\n"; m.body != want {
		t.Errorf("body = %q, want %q", m.body, want)
	}
	if b.logouts != 1 || len(b.helos) != 1 || b.helos[0] != "client.test" {
		t.Errorf("logouts=%d helos=%q", b.logouts, b.helos)
	}
}

// TestServerCommandsInEveryState walks each command through each state of
// the dialogue (RFC 5321 §4.1.4, §4.3.2).
func TestServerCommandsInEveryState(t *testing.T) {
	tests := []struct{ name, script string }{
		{"before EHLO", `
S: 220 *
C: MAIL FROM:<a@b.c>
S: 503 5.5.1 Send EHLO or HELO first
C: RCPT TO:<a@b.c>
S: 503 5.5.1 Need MAIL before RCPT
C: DATA
S: 503 5.5.1 Need MAIL and RCPT before DATA
C: BDAT 3 LAST
C: abcNOOP
S: 503 5.5.1 Need MAIL and RCPT before BDAT
S: 250 2.0.0 OK
C: RSET
S: 250 2.0.0 OK
C: VRFY bob
S: 252 2.5.0 *
C: EXPN list
S: 502 5.5.1 EXPN not implemented
C: HELP
S: 214 2.0.0 *
C: AUTH PLAIN
S: 503 5.5.1 *
C: STARTTLS
S: 502 5.5.1 STARTTLS not supported
C: LHLO x.test
S: 500 5.5.1 Command not recognized
C: HELO client.test
S: 250 mx.test
C: QUIT
S: 221 2.0.0 Bye
EOF
`},
		{"after EHLO", srvEHLO + `
C: RCPT TO:<a@b.c>
S: 503 5.5.1 Need MAIL before RCPT
C: DATA
S: 503 5.5.1 Need MAIL and RCPT before DATA
C: NOOP anything
S: 250 2.0.0 OK
C: RSET extra
S: 501 5.5.4 RSET takes no arguments
C: EHLO again.test
S: 250-mx.test
S: 250-PIPELINING
S: 250-8BITMIME
S: 250-SIZE 33554432
S: 250-ENHANCEDSTATUSCODES
S: 250-CHUNKING
S: 250 LIMITS RCPTMAX=100
C: QUIT
S: 221 *
`},
		{"in MAIL", srvEHLO + `
C: MAIL FROM:<a@b.c>
S: 250 *
C: MAIL FROM:<a@b.c>
S: 503 5.5.1 Nested MAIL command
C: DATA
S: 554 5.5.1 No valid recipients
C: STARTTLS
S: 503 5.5.1 STARTTLS not allowed during a mail transaction
C: AUTH PLAIN
S: 503 *
C: VRFY x
S: 252 *
C: RSET
S: 250 2.0.0 OK
C: RCPT TO:<a@b.c>
S: 503 5.5.1 Need MAIL before RCPT
`},
		{"in RCPT", srvEHLO + `
C: MAIL FROM:<a@b.c>
C: RCPT TO:<d@e.f>
S: 250 *
S: 250 *
C: MAIL FROM:<a@b.c>
S: 503 5.5.1 Nested MAIL command
C: DATA extra
S: 501 5.5.4 DATA takes no arguments
C: NOOP
S: 250 2.0.0 OK
C: EHLO again.test
S: 250-mx.test
S: 250-*
S: 250-*
S: 250-*
S: 250-*
S: 250-*
S: 250 *
C: DATA
S: 503 5.5.1 Need MAIL and RCPT before DATA
`},
		{"unknown and malformed", srvEHLO + `
C: FOO bar
S: 500 5.5.1 Command not recognized
C:
S: 500 5.5.1 Command not recognized
C: MAIL TO:<a@b.c>
S: 501 5.5.4 Syntax: MAIL FROM:<address>
C: MAIL FROM:a@b.c
S: 501 5.1.7 Bad address syntax
C: MAIL FROM:<a@b.c>x
S: 501 5.1.7 Bad address syntax
C: MAIL FROM:<a@@b.c>
S: 501 5.1.7 Bad address syntax
C: MAIL FROM:<a@b.c> FOO=BAR
S: 555 5.5.4 Unsupported parameter
C: MAIL FROM:<a@b.c> SIZE=abc
S: 501 5.5.4 Bad SIZE value
C: MAIL FROM:<a@b.c> SIZE=1 SIZE=2
S: 501 5.5.4 Duplicate parameter
C: MAIL FROM:<a@b.c> BODY=9BIT
S: 501 5.5.4 Unsupported BODY value
C: MAIL FROM:<ünicode@b.c>
S: 553 5.6.7 Non-ASCII address requires SMTPUTF8
C: mail from: <@route.test,@r2.test:a@b.c> size=10 body=8bitmime
S: 250 2.1.0 Sender OK
C: RCPT TO:<>
S: 501 5.1.3 Bad address syntax
C: RCPT TO:<x@y.z> NOTIFY=NEVER
S: 555 5.5.4 Unsupported parameter
C: RCPT TO:<"quoted name"@[192.0.2.1]>
S: 250 2.1.5 Recipient OK
C: RCPT TO:<a@-bad.test>
S: 501 5.1.3 Bad address syntax
`},
		{"HELO and EHLO args", `
S: 220 *
C: EHLO
S: 501 5.5.4 Invalid domain name
C: HELO bad_name!
S: 501 5.5.4 Invalid domain name
C: EHLO [127.0.0.1]
S: 250-mx.test
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srvRun(t, &srvBackend{}, func(s *Server) { s.MaxErrors = 100 }, tt.script)
		})
	}
}

func TestServerTooManyErrors(t *testing.T) {
	srvRun(t, &srvBackend{}, func(s *Server) { s.MaxErrors = 3 }, `
S: 220 *
C: FOO
C: BAR
C: BAZ
C: NOOP
S: 500 *
S: 500 *
S: 500 *
S: 421 4.7.0 Too many errors, closing connection
EOF
`)
}

func TestServerBackendRefusals(t *testing.T) {
	b := &srvBackend{
		mailErr: nil,
		rcptErr: map[string]error{"nobody@example.net": &Error{Code: 550, EnhancedCode: [3]int{5, 1, 1}, Message: "No such user"},
			"internal@example.net": errSrvInternal},
	}
	srvRun(t, b, nil, srvEHLO+`
C: MAIL FROM:<a@example.org>
C: RCPT TO:<nobody@example.net>
C: RCPT TO:<internal@example.net>
C: RCPT TO:<ok@example.net>
C: DATA
S: 250 *
S: 550 5.1.1 No such user
S: 451 4.3.0 Requested action aborted: local error in processing
S: 250 *
S: 354 *
C: x
C: .
S: 250 2.0.0 Message accepted
`)
	if m := b.messages(); len(m) != 1 || len(m[0].rcpts) != 1 {
		t.Fatalf("messages = %+v", m)
	}
}

var errSrvInternal = &srvInternalError{}

type srvInternalError struct{}

func (*srvInternalError) Error() string { return "disk on fire at /var/secret" }

func TestServerNewSessionRefused(t *testing.T) {
	b := &srvBackend{newSessionErr: &Error{Code: 554, EnhancedCode: [3]int{5, 7, 1}, Message: "Go away"}}
	srvRun(t, b, nil, `
S: 554 5.7.1 Go away
EOF
`)
	b = &srvBackend{newSessionErr: errSrvInternal}
	srvRun(t, b, nil, `
S: 554 5.3.2 Service not available
EOF
`)
}

func TestServerDataErrorAndMultiline(t *testing.T) {
	b := &srvBackend{dataErr: &Error{Code: 452, EnhancedCode: [3]int{4, 2, 2}, Message: "Mailbox full\nTry later"}}
	srvRun(t, b, nil, srvEHLO+`
C: MAIL FROM:<a@example.org>
C: RCPT TO:<b@example.org>
C: DATA
S: 250 *
S: 250 *
S: 354 *
C: body
C: .
S: 452-4.2.2 Mailbox full
S: 452 4.2.2 Try later
C: RSET
S: 250 2.0.0 OK
`)
}

// TestServerBackendStopsEarly: a backend that returns nil without reading
// the whole body must not get a 250 (no truncated delivery).
func TestServerBackendStopsEarly(t *testing.T) {
	b := &srvBackend{readLimit: 3}
	srvRun(t, b, nil, srvEHLO+`
C: MAIL FROM:<a@example.org>
C: RCPT TO:<b@example.org>
C: DATA
S: 250 *
S: 250 *
S: 354 *
C: 0123456789
C: more
C: .
S: 451 4.3.0 *
C: NOOP
S: 250 2.0.0 OK
`)
}
