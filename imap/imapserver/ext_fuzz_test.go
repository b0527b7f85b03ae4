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
		var panicked atomic.Value
		testPanicHook = func(r any) { panicked.Store(r) }
		defer func() { testPanicHook = nil }()
		b := newExtBackend()
		b.storageLimit, b.messageLimit = 100, 10
		b.appendMsg("INBOX", simpleMsg)
		s := &Server{Backend: b, AllowInsecureAuth: true, AuthFailureDelay: time.Microsecond,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		cli, srv := net.Pipe()
		c := newConn(s, srv)
		done := make(chan struct{})
		go func() { c.serve(); close(done) }()
		go func() {
			io.WriteString(cli, "a LOGIN user pass\r\n")
			io.WriteString(cli, input)
			io.WriteString(cli, "\r\nz LOGOUT\r\n")
		}()
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
	})
}
