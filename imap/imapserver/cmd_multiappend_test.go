package imapserver

import (
	"fmt"
	"strings"
	"testing"
)

const (
	rfc3502Msg1 = "Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\r\nFrom: Fred Foobar <foobar@Blurdybloop.example.COM>\r\nSubject: afternoon meeting\r\nTo: mooch@owatagu.example.net\r\n\r\nHello Joe, do you think we can meet at 3:30 tomorrow?\r\n"
	rfc3502Msg2 = "Date: Mon, 7 Feb 1994 22:43:04 -0800 (PST)\r\nFrom: Joe Mooch <mooch@OWaTaGu.example.net>\r\nSubject: Re: afternoon meeting\r\nTo: foobar@blurdybloop.example.com\r\n\r\n3:30 is fine with me.\r\n"
)

func expectContinuation(t *testing.T, c *client) {
	t.Helper()
	if l := c.readLine(); !strings.HasPrefix(l, "+") {
		t.Fatalf("want continuation, got %q", l)
	}
}

// The RFC 3502 §6.3.11 example: two messages in one APPEND, each after a
// continuation request; APPENDUID lists both UIDs (RFC 4315 §3).
func TestMultiAppendTranscript(t *testing.T) {
	ts, _ := startExtServer(t, nil)
	c := ts.dial(t).login()
	c.mustOK("c CREATE saved-messages")
	c.send(fmt.Sprintf("A003 APPEND saved-messages (\\Seen) {%d}\r\n", len(rfc3502Msg1)))
	expectContinuation(t, c)
	c.send(rfc3502Msg1 + fmt.Sprintf(" (\\Seen) \"7-Feb-1994 22:43:04 -0800\" {%d}\r\n", len(rfc3502Msg2)))
	expectContinuation(t, c)
	c.send(rfc3502Msg2 + "\r\n")
	out := c.readUntilTag("A003")
	if !strings.HasPrefix(last(out), "A003 OK [APPENDUID ") || !strings.Contains(last(out), " 1,2]") {
		t.Fatalf("got %q", out)
	}
	out = c.mustOK("s STATUS saved-messages (MESSAGES)")
	mustContain(t, out, "MESSAGES 2")
	c.selectBox("saved-messages")
	out = c.mustOK("f FETCH 1:2 (FLAGS INTERNALDATE)")
	mustContain(t, out, `INTERNALDATE "07-Feb-1994 22:43:04 -0800"`)

	// LITERAL+ and a single message work the same way.
	c.send(fmt.Sprintf("B APPEND saved-messages {%d+}\r\n%s {%d+}\r\n%s {%d+}\r\n%s\r\n",
		len(rfc3502Msg1), rfc3502Msg1, len(rfc3502Msg2), rfc3502Msg2, len(rfc3502Msg1), rfc3502Msg1))
	if out := c.readUntilTag("B"); !strings.Contains(last(out), " 3,4,5]") {
		t.Fatalf("got %q", out)
	}
	c.send(fmt.Sprintf("C APPEND saved-messages {%d+}\r\n%s\r\n", len(rfc3502Msg1), rfc3502Msg1))
	if out := c.readUntilTag("C"); !strings.Contains(last(out), " 6]") {
		t.Fatalf("got %q", out)
	}
}

// All or nothing (RFC 3502 §6.3.11): over quota, or a malformed second
// message, stores none of the messages; the connection stays in sync.
func TestMultiAppendAtomic(t *testing.T) {
	ts, eb := startExtServer(t, nil)
	eb.messageLimit = 1
	c := ts.dial(t).login()
	c.send(fmt.Sprintf("A APPEND INBOX {%d+}\r\n%s {%d+}\r\n%s\r\n", len(rfc3502Msg1), rfc3502Msg1, len(rfc3502Msg2), rfc3502Msg2))
	if out := c.readUntilTag("A"); last(out) != "A NO [OVERQUOTA] Quota exceeded" {
		t.Fatalf("got %q", out)
	}
	mustContain(t, c.mustOK("s STATUS INBOX (MESSAGES)"), "MESSAGES 0")
	eb.messageLimit = 0

	// Malformed second message header: BAD, nothing stored.
	c.send(fmt.Sprintf("B APPEND INBOX {%d+}\r\n%s (\\Seen \"bad date\" {%d+}\r\n%s\r\n", len(rfc3502Msg1), rfc3502Msg1, len(rfc3502Msg2), rfc3502Msg2))
	if out := c.readUntilTag("B"); !strings.HasPrefix(last(out), "B BAD") {
		t.Fatalf("got %q", out)
	}
	mustContain(t, c.mustOK("t STATUS INBOX (MESSAGES)"), "MESSAGES 0")

	// Too big second message with a synchronizing literal: NO [TOOBIG].
	c.send(fmt.Sprintf("C APPEND INBOX {%d+}\r\n%s {999999999999}\r\n", len(rfc3502Msg1), rfc3502Msg1))
	if out := c.readUntilTag("C"); !strings.HasPrefix(last(out), "C NO [TOOBIG]") {
		t.Fatalf("got %q", out)
	}
	mustContain(t, c.mustOK("u STATUS INBOX (MESSAGES)"), "MESSAGES 0")

	// Unknown mailbox: TRYCREATE, and the literals were consumed.
	c.send(fmt.Sprintf("D APPEND nosuch {%d+}\r\n%s {%d+}\r\n%s\r\n", len(rfc3502Msg1), rfc3502Msg1, len(rfc3502Msg2), rfc3502Msg2))
	if out := c.readUntilTag("D"); !strings.HasPrefix(last(out), "D NO [TRYCREATE]") {
		t.Fatalf("got %q", out)
	}
	c.mustOK("n NOOP")
}
