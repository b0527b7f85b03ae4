package imapserver

import (
	"io"
	"testing"
	"time"
)

// FuzzExtCommands feeds QUOTA, METADATA, MULTIAPPEND and COMPRESS command
// lines to an authenticated session over a backend that implements all of
// them: nothing may panic and the session must end cleanly.
func FuzzExtCommands(f *testing.F) {
	for _, s := range []string{
		`a GETQUOTAROOT INBOX`,
		`a GETQUOTA ""`,
		`a SETQUOTA "" (STORAGE 10 MESSAGE 5)`,
		`a SETMETADATA INBOX (/private/comment "x" /shared/y NIL)`,
		"a SETMETADATA \"\" (/private/v {3+}\r\nabc)",
		`a GETMETADATA (MAXSIZE 2 DEPTH infinity) INBOX (/private /shared)`,
		"a APPEND INBOX (\\Seen) {5+}\r\nhello (\\Flagged) \"1-Jan-2020 00:00:00 +0000\" {3+}\r\nabc",
		"a APPEND INBOX {5+}\r\nhello UTF8 (~{3+}\r\nabc)",
		"a COMPRESS DEFLATE",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, input string) {
		b := newExtBackend()
		b.storageLimit, b.messageLimit = 100, 10
		b.appendMsg("INBOX", simpleMsg)
		s := &Server{Backend: b, AllowInsecureAuth: true, AuthFailureDelay: time.Microsecond}
		fuzzSession(t, s, func(cli io.Writer) {
			io.WriteString(cli, "a LOGIN user pass\r\n")
			io.WriteString(cli, input)
			io.WriteString(cli, "\r\nz LOGOUT\r\n")
		})
	})
}
