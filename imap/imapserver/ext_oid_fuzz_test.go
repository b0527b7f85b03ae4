package imapserver

import (
	"io"
	"testing"
	"time"
)

// FuzzObjectContextCommands feeds SAVEDATE, OBJECTID, PREVIEW and CONTEXT
// command lines to a selected session over a backend with save dates,
// object ids and MAILBOXIDs (oidBackend), while another message arrives so
// that kept results get updates: nothing may panic and the session must
// end cleanly.
func FuzzObjectContextCommands(f *testing.F) {
	for _, s := range []string{
		"a UID SEARCH RETURN (UPDATE PARTIAL 1:2) SAVEDSINCE 1-Jan-2000 EMAILID E1\r\nb NOOP\r\nc CANCELUPDATE \"a\"",
		"a UID SORT RETURN (UPDATE ALL) (REVERSE ARRIVAL) US-ASCII THREADID T1\r\nb NOOP",
		"a STATUS INBOX (MAILBOXID UIDNEXT)\r\nb CREATE x\r\nc EXAMINE x",
		"a FETCH 1:* (PREVIEW (LAZY) SAVEDATE EMAILID THREADID)",
		"a SEARCH SAVEDATESUPPORTED NOT SAVEDON 1-Jan-2020",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, input string) {
		mb := newMemBackend()
		mb.appendMsg("INBOX", multipartMsg)
		mb.appendMsg("INBOX", simpleMsg, `\Seen`)
		s := &Server{Backend: oidBackend{mb}, AllowInsecureAuth: true, AuthFailureDelay: time.Microsecond,
			MaxSearchContexts: 2}
		fuzzSession(t, s, func(cli io.Writer) {
			io.WriteString(cli, "a LOGIN user pass\r\nb SELECT INBOX\r\n")
			io.WriteString(cli, input)
			mb.appendMsg("INBOX", simpleMsg)
			io.WriteString(cli, "\r\ny NOOP\r\nz LOGOUT\r\n")
		})
	})
}
