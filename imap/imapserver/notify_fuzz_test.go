package imapserver

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// FuzzNotify runs a NOTIFY command (or any input) in a selected session
// over a backend that reports other mailboxes, then changes the store
// (new messages, a flag change, a created and a renamed mailbox, metadata)
// so that the notification paths run: nothing may panic and the session
// must end cleanly.
func FuzzNotify(f *testing.F) {
	for _, s := range []string{
		"a NOTIFY SET STATUS (selected (MessageNew (UID FLAGS ENVELOPE BODY.PEEK[1]) MessageExpunge FlagChange)) (personal (MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange))",
		"a NOTIFY SET (selected-delayed (MessageNew MessageExpunge)) (subtree (INBOX Sent) (MessageNew MessageExpunge MailboxName))",
		"a NOTIFY SET (subscribed (MessageNew MessageExpunge SubscriptionChange)) (mailboxes \"Tr*\" (MailboxName))\r\nb SUBSCRIBE Trash",
		"a ENABLE CONDSTORE\r\nb NOTIFY SET (inboxes (MessageNew MessageExpunge FlagChange))",
		"a NOTIFY SET (selected (MessageNew (BINARY[1] RFC822.SIZE) MessageExpunge))\r\nb IDLE",
		"a NOTIFY NONE",
		"a NOTIFY SET (selected (MessageNew MessageExpunge AnnotationChange))",
		"a NOTIFY SET (selected (MessageNew MessageExpunge)) (personal (MailboxMetadataChange ServerMetadataChange))\r\nb SETMETADATA INBOX (/private/own \"1\")",
		"a NOTIFY SET (mailboxes (INBOX Sent) (MailboxMetadataChange)) (subtree Trash (ServerMetadataChange MailboxName))",
		// The session's own new messages (RFC 5465 §5.2, notify_own.go).
		"a NOTIFY SET (selected (MessageNew (UID) MessageExpunge))\r\nb APPEND INBOX {3+}\r\nabc\r\nc COPY 1:* INBOX\r\nd UID MOVE 1:* INBOX\r\ne APPEND INBOX {1+}\r\nx {1+}\r\ny",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, input string) {
		var panicked atomic.Value
		testPanicHook = func(r any) { panicked.Store(r) }
		defer func() { testPanicHook = nil }()
		nb := newNotifyBackend()
		nb.appendMsg("INBOX", multipartMsg)
		s := &Server{Backend: nb, AllowInsecureAuth: true, AuthFailureDelay: time.Microsecond,
			MaxNotifyMailboxes: 5, NotifyQueueSize: 4,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		cli, srv := net.Pipe()
		c := newConn(s, srv)
		done := make(chan struct{})
		go func() { c.serve(); close(done) }()
		go func() {
			io.WriteString(cli, "a LOGIN user pass\r\nb SELECT INBOX\r\n")
			io.WriteString(cli, input)
			io.WriteString(cli, "\r\nDONE\r\ny1 NOOP\r\n")
		}()
		cli.SetDeadline(time.Now().Add(2 * time.Second))
		r := bufio.NewReader(cli)
		var out strings.Builder
		for {
			l, err := r.ReadString('\n')
			out.WriteString(l)
			if err != nil || strings.HasPrefix(l, "y1 ") {
				break
			}
		}
		// Changes by "another session" once the input has run.
		other := &notifyUser{memUser: &memUser{b: nb.memBackend}, nb: nb}
		nb.appendMsg("INBOX", simpleMsg)
		nb.appendMsg("Sent", simpleMsg, `\Seen`)
		other.Create(context.Background(), "Sent/New", nil)
		other.Rename(context.Background(), "Sent/New", "Trash/Old")
		other.SetSubscribed(context.Background(), "Trash", true)
		other.SetMetadata(context.Background(), "INBOX", map[string][]byte{"/private/comment": []byte("x")})
		other.SetMetadata(context.Background(), "", map[string][]byte{"/shared/admin": nil})
		go io.WriteString(cli, "y2 NOOP\r\nz LOGOUT\r\n")
		rest, _ := io.ReadAll(r)
		out.Write(rest)
		cli.Close()
		<-done
		if p := panicked.Load(); p != nil {
			t.Fatalf("panic: %v", p)
		}
		if !strings.HasPrefix(out.String(), "* OK") {
			t.Fatalf("no greeting: %q", out.String())
		}
	})
}
