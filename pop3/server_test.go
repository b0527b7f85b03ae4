package pop3

import (
	"strings"
	"testing"
)

func testBackend() *memBackend {
	b := newMemBackend()
	b.addUser("alice", "secret")
	b.addUser("bob", "hunter2")
	b.add("alice",
		"Subject: one\r\n\r\nHello\r\n",
		"Subject: two\r\nX: y\r\n\r\nline 1\r\nline 2\r\nline 3\r\n",
	)
	return b
}

func TestTranscripts(t *testing.T) {
	tests := []struct{ name, script string }{
		{"greeting and quit in AUTHORIZATION", `
			S: +OK POP3 server ready <*
			C: QUIT
			S: +OK POP3 server signing off
			S: <EOF>`},
		{"USER PASS STAT LIST UIDL", `
			S: +OK*
			C: USER alice
			S: +OK send PASS
			C: PASS secret
			S: +OK maildrop has 2 messages (69 octets)
			C: STAT
			S: +OK 2 69
			C: LIST
			S: +OK 2 messages (69 octets)
			S: 1 23
			S: 2 46
			S: .
			C: LIST 2
			S: +OK 2 46
			C: UIDL
			S: +OK unique-id listing follows
			S: 1 uid-1
			S: 2 uid-2
			S: .
			C: UIDL 1
			S: +OK 1 uid-1
			C: NOOP
			S: +OK
			C: QUIT
			S: +OK POP3 server signing off
			S: <EOF>`},
		{"keywords are case-insensitive", `
			S: +OK*
			C: user alice
			S: +OK send PASS
			C: pAsS secret
			S: +OK maildrop has 2 messages (69 octets)
			C: stat
			S: +OK 2 69
			C: quit
			S: +OK*`},
		{"RETR and TOP", `
			S: +OK*
			C: USER alice
			S: +OK*
			C: PASS secret
			S: +OK*
			C: RETR 1
			S: +OK 23 octets
			S: Subject: one
			S: 
			S: Hello
			S: .
			C: TOP 2 0
			S: +OK top of message follows
			S: Subject: two
			S: X: y
			S: 
			S: .
			C: TOP 2 2
			S: +OK*
			S: Subject: two
			S: X: y
			S: 
			S: line 1
			S: line 2
			S: .
			C: TOP 2 99
			S: +OK*
			S: Subject: two
			S: X: y
			S: 
			S: line 1
			S: line 2
			S: line 3
			S: .
			C: QUIT
			S: +OK*`},
		{"DELE RSET and the deletion marks", `
			S: +OK*
			C: USER alice
			S: +OK*
			C: PASS secret
			S: +OK*
			C: DELE 1
			S: +OK message 1 deleted
			C: DELE 1
			S: -ERR message already deleted
			C: RETR 1
			S: -ERR message already deleted
			C: TOP 1 0
			S: -ERR message already deleted
			C: LIST 1
			S: -ERR message already deleted
			C: UIDL 1
			S: -ERR message already deleted
			C: STAT
			S: +OK 1 46
			C: LIST
			S: +OK 1 messages (46 octets)
			S: 2 46
			S: .
			C: UIDL
			S: +OK*
			S: 2 uid-2
			S: .
			C: RSET
			S: +OK maildrop has 2 messages (69 octets)
			C: STAT
			S: +OK 2 69
			C: QUIT
			S: +OK*`},
		{"wrong state: TRANSACTION commands before login", `
			S: +OK*
			C: STAT
			S: -ERR command not valid in this state
			C: LIST
			S: -ERR command not valid in this state
			C: UIDL
			S: -ERR command not valid in this state
			C: RETR 1
			S: -ERR command not valid in this state
			C: TOP 1 0
			S: -ERR command not valid in this state
			C: DELE 1
			S: -ERR command not valid in this state
			C: RSET
			S: -ERR command not valid in this state
			C: NOOP
			S: -ERR command not valid in this state
			C: QUIT
			S: +OK*`},
		{"wrong state: AUTHORIZATION commands after login", `
			S: +OK*
			C: USER alice
			S: +OK*
			C: PASS secret
			S: +OK*
			C: USER alice
			S: -ERR command not valid in this state
			C: PASS secret
			S: -ERR command not valid in this state
			C: APOP alice 0123456789abcdef0123456789abcdef
			S: -ERR command not valid in this state
			C: AUTH PLAIN
			S: -ERR command not valid in this state
			C: STLS
			S: -ERR command not valid in this state
			C: QUIT
			S: +OK*`},
		{"PASS without USER", `
			S: +OK*
			C: PASS secret
			S: -ERR PASS must follow USER
			C: USER alice
			S: +OK*
			C: NOOP
			S: -ERR command not valid in this state
			C: PASS secret
			S: -ERR PASS must follow USER
			C: QUIT
			S: +OK*`},
		{"wrong password", `
			S: +OK*
			C: USER alice
			S: +OK*
			C: PASS wrong
			S: -ERR [AUTH] authentication failed
			C: USER nobody
			S: +OK*
			C: PASS secret
			S: -ERR [AUTH] authentication failed
			C: USER alice
			S: +OK*
			C: PASS secret
			S: +OK*
			C: QUIT
			S: +OK*`},
		{"too many auth failures close the connection", `
			S: +OK*
			C: USER alice
			S: +OK*
			C: PASS a
			S: -ERR [AUTH]*
			C: USER alice
			S: +OK*
			C: PASS b
			S: -ERR [AUTH]*
			C: USER alice
			S: +OK*
			C: PASS c
			S: -ERR [AUTH]*
			S: -ERR too many authentication failures, closing connection
			S: <EOF>`},
		{"malformed arguments", `
			S: +OK*
			C: USER
			S: -ERR invalid user name
			C: USER alice
			S: +OK*
			C: PASS secret
			S: +OK*
			C: RETR
			S: -ERR invalid message number
			C: RETR x
			S: -ERR invalid message number
			C: RETR -1
			S: -ERR invalid message number
			C: RETR 0
			S: -ERR no such message
			C: RETR 3
			S: -ERR no such message
			C: RETR 99999999999
			S: -ERR invalid message number
			C: LIST 1 2
			S: -ERR invalid message number
			C: TOP 1
			S: -ERR usage: TOP msg n
			C: TOP 1 -1
			S: -ERR invalid line count
			C: TOP 1 x
			S: -ERR invalid line count
			C: STAT x
			S: -ERR STAT takes no argument
			C: XYZZY
			S: -ERR unknown command
			C: RETRIEVE 1
			S: -ERR unknown command
			C: 
			S: -ERR unknown command
			C: QUIT
			S: +OK*`},
		{"too many errors close the connection", `
			S: +OK*
			C: A
			S: -ERR*
			C: B
			S: -ERR*
			C: C
			S: -ERR*
			C: D
			S: -ERR*
			C: E
			S: -ERR*
			C: F
			S: -ERR*
			C: G
			S: -ERR*
			C: H
			S: -ERR*
			C: I
			S: -ERR*
			C: J
			S: -ERR unknown command
			S: -ERR too many errors, closing connection
			S: <EOF>`},
		{"overlong line", `
			S: +OK*
			C: NOOP ` + strings.Repeat("x", 300) + `
			S: -ERR line too long
			C: QUIT
			S: +OK*`},
		{"pipelined commands", `
			S: +OK*
			Craw: USER alice\r\nPASS secret\r\nSTAT\r\nRETR 1\r\nNOOP\r\nQUIT\r\n
			S: +OK send PASS
			S: +OK maildrop has*
			S: +OK 2 69
			S: +OK 23 octets
			S: Subject: one
			S: 
			S: Hello
			S: .
			S: +OK
			S: +OK*
			S: <EOF>`},
		{"bare LF commands are accepted", `
			S: +OK*
			Craw: USER alice\nPASS secret\n
			S: +OK*
			S: +OK*
			C: QUIT
			S: +OK*`},
		{"UTF8 unknown unless enabled", `
			S: +OK*
			C: UTF8
			S: -ERR unknown command
			C: QUIT
			S: +OK*`},
		{"CAPA in AUTHORIZATION and TRANSACTION", `
			S: +OK*
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
			C: USER alice
			S: +OK*
			C: PASS secret
			S: +OK*
			C: CAPA
			S: +OK capability list follows
			S: TOP
			S: UIDL
			S: RESP-CODES
			S: AUTH-RESP-CODE
			S: PIPELINING
			S: USER
			S: IMPLEMENTATION mailwire
			S: .
			C: CAPA x
			S: -ERR CAPA takes no argument
			C: QUIT
			S: +OK*`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newTestServer(t, testBackend())
			if strings.HasPrefix(tt.name, "malformed") {
				srv.MaxErrors = 100
			}
			addr := startServer(t, srv)
			dialT(t, addr).run(tt.script)
		})
	}
}
