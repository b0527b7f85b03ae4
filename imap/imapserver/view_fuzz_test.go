package imapserver

import (
	"io"
	"testing"
	"time"
)

// FuzzSharedViewCommands runs arbitrary commands on a mailbox selected
// through SharedSnapshot: whatever the session does to its view, the
// backend's arrays stay as they were handed out, and nothing panics.
func FuzzSharedViewCommands(f *testing.F) {
	for _, s := range []string{
		`a STORE 1:* +FLAGS (\Deleted $x)` + "\r\nb EXPUNGE",
		`a STORE 2 FLAGS (\Seen)` + "\r\nb FETCH 1:* (UID FLAGS)",
		"a FETCH 1 BODY[]\r\nb SEARCH UNSEEN",
		"a ENABLE CONDSTORE\r\nb UID STORE 1:3 (UNCHANGEDSINCE 3) -FLAGS (\\Seen)\r\nc SEARCH MODSEQ 2",
		"a APPEND INBOX (\\Flagged) {5+}\r\nhello\r\nb NOOP\r\nc FETCH 1:* (FLAGS MODSEQ)",
		"a UID EXPUNGE 4\r\nb CLOSE",
		"a ENABLE QRESYNC\r\nb SELECT INBOX (QRESYNC (1001 2))\r\nc UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)",
		"a UID MOVE 2:3 Trash\r\nb FETCH 1:* FLAGS",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, input string) {
		b := newMemBackend()
		for _, fl := range [][]string{nil, {`\Seen`}, {`\Seen`}, {`\Deleted`}, {`\Flagged`, `\Seen`}} {
			b.appendMsg("INBOX", simpleMsg, fl...)
		}
		sb := newSharedBackend(b)
		b.mu.Lock()
		a := sb.arraysFor(b.boxes["INBOX"])
		b.mu.Unlock()
		orig := copyArrays(a)
		s := &Server{Backend: sb, AllowInsecureAuth: true, AuthFailureDelay: time.Microsecond}
		fuzzSession(t, s, func(cli io.Writer) {
			io.WriteString(cli, "a LOGIN user pass\r\nb SELECT INBOX\r\n")
			io.WriteString(cli, input)
			io.WriteString(cli, "\r\nDONE\r\nz LOGOUT\r\n")
		})
		if !orig.same(a) {
			t.Fatalf("backend arrays written: %+v, was %+v", *a, orig)
		}
	})
}
