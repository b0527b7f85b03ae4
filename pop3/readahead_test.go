package pop3

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func readAheadBackend() *memBackend {
	b := newMemBackend()
	b.addUser("alice", "secret")
	b.add("alice",
		"Subject: one\r\n\r\nfirst\r\n",
		"Subject: two\r\n\r\n.dot line\nbare LF",
		"Subject: three\r\n\r\nthird\r\n",
		"Subject: four\r\n\r\n"+strings.Repeat("x", 40<<10)+"\r\n",
		"Subject: five\r\n\r\nfifth\r\n",
	)
	return b
}

const readAheadLogin = `
	S: +OK*
	C: USER alice
	S: +OK*
	C: PASS secret
	S: +OK maildrop has 5 messages*`

// After RETR n the server reads message n+1 ahead; what RETR n+1 then
// sends is exactly what it sends without read-ahead (dot-stuffed, line
// ends normalised, final CRLF added), and the backend is asked for each
// message once.
func TestReadAheadSequential(t *testing.T) {
	b := readAheadBackend()
	tc := dialT(t, startServer(t, newTestServer(t, b)))
	tc.run(readAheadLogin + `
		C: RETR 1
		S: +OK 23 octets
		S: Subject: one
		S:
		S: first
		S: .
		C: RETR 2
		S: +OK 36 octets
		S: Subject: two
		S:
		S: ..dot line
		S: bare LF
		S: .
		C: RETR 3
		S: +OK 25 octets
		S: Subject: three
		S:
		S: third
		S: .
		C: QUIT
		S: +OK*`)
	for _, uid := range []string{"uid-1", "uid-2", "uid-3"} {
		if n := b.opens(uid); n != 1 {
			t.Errorf("%s opened %d times, want 1", uid, n)
		}
	}
	if n := b.opens("uid-4"); n != 0 {
		t.Errorf("message 4 (40 KiB) was read ahead: %d opens", n)
	}
}

// The usual download-and-delete loop: the read-ahead survives the DELE in
// between; deleting the message read ahead makes RETR fail as always; a
// RETR of another message drops the read-ahead; TOP does not use it.
func TestReadAheadAcrossCommands(t *testing.T) {
	b := readAheadBackend()
	tc := dialT(t, startServer(t, newTestServer(t, b)))
	tc.run(readAheadLogin + `
		C: RETR 1
		S: +OK*
		S: Subject: one
		S:
		S: first
		S: .
		C: DELE 1
		S: +OK*
		C: NOOP
		S: +OK
		C: RETR 2
		S: +OK 36 octets
		S: Subject: two
		S:
		S: ..dot line
		S: bare LF
		S: .
		C: DELE 3
		S: +OK*
		C: RETR 3
		S: -ERR message already deleted
		C: TOP 5 0
		S: +OK*
		S: Subject: five
		S:
		S: .
		C: RETR 5
		S: +OK 24 octets
		S: Subject: five
		S:
		S: fifth
		S: .
		C: RSET
		S: +OK*
		C: RETR 3
		S: +OK 25 octets
		S: Subject: three
		S:
		S: third
		S: .
		C: QUIT
		S: +OK*`)
	if n := b.opens("uid-2"); n != 1 {
		t.Errorf("message 2 opened %d times, want 1 (read ahead)", n)
	}
}

// A message that needs UTF-8 mode is not read ahead for a client that did
// not enable it: RETR still answers -ERR [UTF8].
func TestReadAheadUTF8(t *testing.T) {
	b := readAheadBackend()
	b.drops["alice"][1].utf8 = true
	tc := dialT(t, startServer(t, newTestServer(t, b)))
	tc.run(readAheadLogin + `
		C: RETR 1
		S: +OK*
		S: Subject: one
		S:
		S: first
		S: .
		C: RETR 2
		S: -ERR [UTF8] message needs UTF-8 mode
		C: QUIT
		S: +OK*`)
	if n := b.opens("uid-2"); n != 0 {
		t.Errorf("UTF-8 message opened %d times", n)
	}
}

// failingReader fails its first read.
type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire at /var/secret") }
func (failingReader) Close() error             { return nil }

// A message that cannot be read gets -ERR [SYS/TEMP] (nothing was sent
// yet, so the connection stays usable), whether it failed during the
// read-ahead or in RETR itself; the error text is not sent.
func TestRetrReadError(t *testing.T) {
	b := readAheadBackend()
	b.drops["alice"][1].open = func() io.ReadCloser { return failingReader{} }
	tc := dialT(t, startServer(t, newTestServer(t, b)))
	tc.run(readAheadLogin + `
		C: RETR 1
		S: +OK*
		S: Subject: one
		S:
		S: first
		S: .
		C: RETR 2
		S: -ERR [SYS/TEMP] reading message: temporary failure, try again later
		C: RETR 3
		S: +OK 25 octets
		S: Subject: three
		S:
		S: third
		S: .
		C: QUIT
		S: +OK*`)
	if n := b.opens("uid-2"); n != 2 {
		t.Errorf("failing message opened %d times, want 2 (read-ahead, RETR)", n)
	}
}

// Pipelined commands are answered from the input buffer: no read-ahead
// happens while a command is waiting, and the answers are the same.
func TestReadAheadPipelined(t *testing.T) {
	b := readAheadBackend()
	tc := dialT(t, startServer(t, newTestServer(t, b)))
	tc.run(readAheadLogin)
	tc.send("RETR 1\r\nRETR 2\r\nRETR 3\r\nRETR 5\r\n")
	tc.run(`
		S: +OK 23 octets
		S: Subject: one
		S:
		S: first
		S: .
		S: +OK 36 octets
		S: Subject: two
		S:
		S: ..dot line
		S: bare LF
		S: .
		S: +OK 25 octets
		S: Subject: three
		S:
		S: third
		S: .
		S: +OK 24 octets
		S: Subject: five
		S:
		S: fifth
		S: .
		C: QUIT
		S: +OK*`)
}

// A client that picks messages out of order (new mail found by UIDL, say)
// causes no read-ahead: every message is opened once, by its RETR.
func TestReadAheadOutOfOrder(t *testing.T) {
	b := readAheadBackend()
	tc := dialT(t, startServer(t, newTestServer(t, b)))
	tc.run(readAheadLogin + `
		C: RETR 3
		S: +OK 25 octets
		S: Subject: three
		S:
		S: third
		S: .
		C: RETR 5
		S: +OK 24 octets
		S: Subject: five
		S:
		S: fifth
		S: .
		C: RETR 2
		S: +OK 36 octets
		S: Subject: two
		S:
		S: ..dot line
		S: bare LF
		S: .
		C: QUIT
		S: +OK*`)
	for uid, want := range map[string]int{"uid-1": 0, "uid-2": 1, "uid-3": 1, "uid-4": 0, "uid-5": 1} {
		if n := b.opens(uid); n != want {
			t.Errorf("%s opened %d times, want %d", uid, n, want)
		}
	}
}
