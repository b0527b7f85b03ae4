package imapserver

import (
	"io"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// FuzzServerCommands feeds raw command lines into an authenticated session
// with a selected mailbox: nothing may panic and the session must end
// cleanly.
func FuzzServerCommands(f *testing.F) {
	for _, s := range []string{
		"a FETCH 1:* (UID FLAGS ENVELOPE BODYSTRUCTURE BODY.PEEK[1.MIME] BINARY[2]<0.5>)",
		"a UID FETCH 1:* (BODY.PEEK[HEADER.FIELDS (From To)]<0.10>) (CHANGEDSINCE 1)",
		"a SEARCH RETURN (MIN MAX COUNT SAVE) OR (FROM x TO y) NOT (SUBJECT {3+}\r\nabc SEEN)",
		"a STORE 1:3 (UNCHANGEDSINCE 5) +FLAGS.SILENT (\\Seen $x)",
		"a APPEND INBOX (\\Seen) \"1-Jan-2020 00:00:00 +0000\" {5+}\r\nhello",
		"a LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (* %) RETURN (CHILDREN STATUS (MESSAGES))",
		"a UID MOVE 1:* Trash\r\nb EXPUNGE",
		"a SELECT INBOX (QRESYNC (1001 1 1:5 (1:2 1:2)))",
		"a IDLE\r\nDONE",
		"a ENABLE QRESYNC IMAP4rev2 UTF8=ACCEPT\r\nb LIST \"\" *",
		"a SEARCH CHARSET UTF-8 TEXT {2}\r\nxy",
		"a FETCH $ (BODY[TEXT]<1.1>)",
		"a CREATE &AMk-t&AOk-/x (USE (\\Archive))",
		"a STATUS INBOX (MESSAGES UIDNEXT SIZE)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, input string) {
		b := newMemBackend()
		b.appendMsg("INBOX", multipartMsg)
		b.appendMsg("INBOX", simpleMsg, `\Seen`)
		s := &Server{Backend: b, AllowInsecureAuth: true, AuthFailureDelay: time.Microsecond}
		fuzzSession(t, s, func(cli io.Writer) {
			io.WriteString(cli, "a LOGIN user pass\r\nb SELECT INBOX\r\n")
			io.WriteString(cli, input)
			io.WriteString(cli, "\r\nDONE\r\nz LOGOUT\r\n")
		})
	})
}

// fuzzSession serves one connection of s over a pipe while write sends
// the client's side, and fails if the server panicked (recovered per
// connection, reported through testPanicHook) or sent no greeting.
func fuzzSession(t *testing.T, s *Server, write func(cli io.Writer)) {
	t.Helper()
	var panicked atomic.Value
	testPanicHook = func(r any) { panicked.Store(r) }
	defer func() { testPanicHook = nil }()
	if s.Logger == nil {
		s.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	cli, srv := net.Pipe()
	c := newConn(s, srv)
	done := make(chan struct{})
	go func() { c.serve(); close(done) }()
	go write(cli)
	cli.SetDeadline(time.Now().Add(2 * time.Second))
	out, _ := io.ReadAll(cli)
	cli.Close()
	<-done
	if r := panicked.Load(); r != nil {
		t.Fatalf("panic: %v", r)
	}
	if !strings.HasPrefix(string(out), "* OK") {
		t.Fatalf("no greeting: %q", out)
	}
}
