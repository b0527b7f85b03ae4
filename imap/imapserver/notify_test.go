package imapserver

import (
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// next reads the next unsolicited line, which must be want.
func (c *client) next(want string) {
	c.t.Helper()
	if got := c.readLine(); got != want {
		c.t.Fatalf("got %q, want %q", got, want)
	}
}

// quiet asserts that the server sends nothing for a while: a negative
// check, so it can only be bounded by a (short) timeout.
func (c *client) quiet() {
	c.t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(150 * time.Millisecond))
	l, err := c.r.ReadString('\n')
	var ne net.Error
	if err == nil || !errors.As(err, &ne) || !ne.Timeout() {
		c.t.Fatalf("unexpected data %q (err %v)", l, err)
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		c.t.Fatalf("read: %v", err)
	}
}

func TestNotifyCapability(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.dial(t)
	mustContain(t, c.mustOK("c CAPABILITY"), " NOTIFY")
}

// Malformed NOTIFY commands get BAD and the connection keeps working;
// semantic errors of RFC 5465 §5 and §6.1 are BAD too.
func TestNotifySyntax(t *testing.T) {
	ts, _ := startNotifyServer(t, nil)
	c := ts.dial(t).login()
	bads := []string{
		"NOTIFY",
		"NOTIFY FOO",
		"NOTIFY NONE extra",
		"NOTIFY SET",
		"NOTIFY SET STATUS",
		"NOTIFY SET FOO (selected NONE)",
		"NOTIFY SET ()",
		"NOTIFY SET (selected)",
		"NOTIFY SET (selected (MessageNew MessageExpunge)",
		"NOTIFY SET (selected ())",
		"NOTIFY SET (nowhere (MessageNew MessageExpunge))",
		"NOTIFY SET (subtree (MessageNew MessageExpunge))",
		"NOTIFY SET (mailboxes () (MessageNew MessageExpunge))",
		"NOTIFY SET (selected (MessageNew (uid) MessageExpunge)) (selected-delayed (MessageNew MessageExpunge))",
		"NOTIFY SET (selected (MailboxName))",
		"NOTIFY SET (selected (MessageNew))",
		"NOTIFY SET (selected (MessageExpunge))",
		"NOTIFY SET (personal (FlagChange))",
		"NOTIFY SET (personal (FlagChange MessageNew))",
		"NOTIFY SET (personal (MessageNew (uid) MessageExpunge))",
		"NOTIFY SET (selected (MessageNew (nosuchitem) MessageExpunge))",
		"NOTIFY SET (selected (MessageNew MessageExpunge)) trailing",
		"NOTIFY SET (selected (MessageNew MessageExpunge))(personal NONE)",
		"NOTIFY SET " + strings.Repeat("(", 100),
	}
	for i, cmd := range bads {
		tag := "b" + string(rune('a'+i%26))
		out := c.cmd(tag + " " + cmd)
		if !strings.HasPrefix(last(out), tag+" BAD") {
			t.Errorf("%s: got %q, want BAD", cmd, out)
		}
		c.mustOK("n NOOP")
	}
	c.mustOK("ok NOTIFY SET (selected (MessageNew MessageExpunge)) (personal NONE)")
	c.mustOK("ok2 notify set (SELECTED-delayed (messagenew messageexpunge flagchange)) (MAILBOXES (INBOX \"Sent\") (mailboxname))")
	c.mustOK("ok3 NOTIFY NONE")
}

// RFC 5465 §3.1: an unsupported event is NO with BADEVENT listing every
// supported event, not BAD.
func TestNotifyBadEvent(t *testing.T) {
	ts, _ := startNotifyServer(t, nil)
	c := ts.dial(t).login()
	for _, cmd := range []string{
		"NOTIFY SET (selected (MessageNew MessageExpunge AnnotationChange))",
		"NOTIFY SET (personal (FutureEvent))",
	} {
		out := c.cmd("x " + cmd)
		want := "x NO [BADEVENT (MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange MailboxMetadataChange ServerMetadataChange)] "
		if !strings.HasPrefix(last(out), want) {
			t.Errorf("%s: got %q", cmd, out)
		}
	}
	c.mustOK("n NOOP")
}

// SELECTED: new messages, flag changes and expunges of the selected
// mailbox are pushed between commands (RFC 5465 §5.1-§5.3), with the
// fetch-att of MessageNew.
func TestNotifySelectedPush(t *testing.T) {
	ts, _ := startNotifyServer(t, nil)
	a := ts.dial(t).login()
	b := ts.dial(t).login()
	a.selectBox("INBOX")
	a.mustOK("n1 NOTIFY SET (selected (MessageNew (UID FLAGS BODY.PEEK[HEADER.FIELDS (Subject)]) MessageExpunge FlagChange))")

	b.send("p1 APPEND INBOX {" + itoa(len(simpleMsg)) + "+}\r\n" + simpleMsg + "\r\n")
	b.readUntilTag("p1")
	a.next("* 1 EXISTS")
	a.next("* 1 RECENT")
	a.next("* 1 FETCH (UID 1 FLAGS (\\Recent) BODY[HEADER.FIELDS (Subject)] {18}")
	a.next("Subject: hello")
	a.next("")
	a.next(")")

	b.selectBox("INBOX")
	b.mustOK("p2 UID STORE 1 +FLAGS (\\Seen)")
	a.next("* 1 FETCH (UID 1 FLAGS (\\Seen \\Recent))")

	b.mustOK("p3 UID STORE 1 +FLAGS (\\Deleted)")
	a.next("* 1 FETCH (UID 1 FLAGS (\\Deleted \\Seen \\Recent))")
	b.mustOK("p4 EXPUNGE")
	a.next("* 1 EXPUNGE")
	// The view followed: the next command sees an empty mailbox.
	mustContain(t, a.mustOK("n2 UID FETCH 1:* UID"), "n2 OK")
	a.expect("n3 FETCH 1 UID", "n3 BAD")
}

// Without FlagChange, flag changes of the selected mailbox wait for the
// end of the next command, as without NOTIFY.
func TestNotifySelectedNoFlagChange(t *testing.T) {
	ts, _ := startNotifyServer(t, nil)
	ts.b.appendMsg("INBOX", simpleMsg)
	a := ts.dial(t).login()
	b := ts.dial(t).login()
	a.mustOK("e ENABLE IMAP4rev2")
	a.selectBox("INBOX")
	a.mustOK("n1 NOTIFY SET (selected (MessageNew MessageExpunge))")
	b.selectBox("INBOX")
	b.mustOK("p1 STORE 1 +FLAGS (\\Flagged)")
	ts.b.appendMsg("INBOX", simpleMsg)
	a.next("* 2 EXISTS") // MessageNew without fetch-att: EXISTS only
	out := a.mustOK("n2 NOOP")
	mustContain(t, out, "* 1 FETCH (UID 1 FLAGS (\\Flagged))")
}

// SELECTED-DELAYED: EXISTS at once, EXPUNGE only when a command allows it
// (RFC 5465 §6.1.2), so sequence numbers stay valid between commands.
func TestNotifySelectedDelayed(t *testing.T) {
	ts, _ := startNotifyServer(t, nil)
	ts.b.appendMsg("INBOX", simpleMsg, `\Deleted`)
	a := ts.dial(t).login()
	b := ts.dial(t).login()
	a.mustOK("e ENABLE IMAP4rev2")
	a.selectBox("INBOX")
	a.mustOK("n1 NOTIFY SET (selected-delayed (MessageNew MessageExpunge))")
	b.selectBox("INBOX")
	b.mustOK("p1 EXPUNGE")
	ts.b.appendMsg("INBOX", simpleMsg)
	a.next("* 2 EXISTS")
	a.quiet()
	// FETCH must not expunge (RFC 9051 §7.5.1); NOOP does.
	out := a.mustOK("n2 FETCH 1 UID")
	mustNotContain(t, out, "EXPUNGE")
	out = a.mustOK("n3 NOOP")
	mustContain(t, out, "* 1 EXPUNGE")
}

// NOTIFY NONE stops notifications; updates come back at command ends.
func TestNotifyNone(t *testing.T) {
	ts, nb := startNotifyServer(t, nil)
	a := ts.dial(t).login()
	a.mustOK("e ENABLE IMAP4rev2")
	a.selectBox("INBOX")
	a.mustOK("n1 NOTIFY SET (selected (MessageNew MessageExpunge)) (personal (MessageNew MessageExpunge))")
	if n := nb.notifierCount(); n != 1 {
		t.Fatalf("%d notifiers", n)
	}
	a.mustOK("n2 NOTIFY NONE")
	if n := nb.notifierCount(); n != 0 {
		t.Fatalf("NOTIFY NONE left %d notifiers open", n)
	}
	ts.b.appendMsg("INBOX", simpleMsg)
	ts.b.appendMsg("Sent", simpleMsg)
	a.quiet()
	mustContain(t, a.mustOK("n3 NOOP"), "* 1 EXISTS")
}

// Other mailboxes: STATUS before the tagged OK with the STATUS indicator
// (RFC 5465 §3.1), then STATUS as messages arrive, are expunged or change
// flags (§5.1-§5.3), never for the selected mailbox (§3.1).
func TestNotifyOtherMailboxes(t *testing.T) {
	ts, _ := startNotifyServer(t, nil)
	ts.b.appendMsg("Sent", simpleMsg)
	a := ts.dial(t).login()
	b := ts.dial(t).login()
	a.selectBox("INBOX")
	out := a.mustOK("n1 NOTIFY SET STATUS (selected (MessageNew MessageExpunge)) (personal (MessageNew MessageExpunge FlagChange))")
	mustContain(t, out,
		`* STATUS Sent (MESSAGES 1 UIDNEXT 2 UIDVALIDITY 1002 UNSEEN 1)`,
		`* STATUS Trash (MESSAGES 0 UIDNEXT 1 UIDVALIDITY 1003 UNSEEN 0)`)
	mustNotContain(t, out, "STATUS INBOX")

	ts.b.appendMsg("Trash", simpleMsg)
	a.next(`* STATUS Trash (MESSAGES 1 UIDNEXT 2 UIDVALIDITY 1003 UNSEEN 1)`)

	b.selectBox("Sent")
	b.mustOK("p1 STORE 1 +FLAGS (\\Seen)")
	a.next(`* STATUS Sent (MESSAGES 1 UIDNEXT 2 UIDVALIDITY 1002 UNSEEN 0)`)
	// A flag change that moves no UNSEEN count is not reported without
	// CONDSTORE (§5.1).
	b.mustOK("p2 STORE 1 +FLAGS (\\Flagged)")
	b.mustOK("p3 STORE 1 +FLAGS (\\Deleted)")
	b.mustOK("p4 EXPUNGE")
	a.next(`* STATUS Sent (MESSAGES 0 UIDNEXT 2 UIDVALIDITY 1002 UNSEEN 0)`)

	// With CONDSTORE, HIGHESTMODSEQ is included and flag changes always
	// count.
	a.mustOK("e ENABLE CONDSTORE")
	b.selectBox("Trash")
	b.mustOK("p5 STORE 1 +FLAGS (\\Flagged)")
	a.next(`* STATUS Trash (MESSAGES 1 UIDNEXT 2 UIDVALIDITY 1003 UNSEEN 1 HIGHESTMODSEQ 3)`)

	// The selected mailbox is reported by SELECTED only.
	ts.b.appendMsg("INBOX", simpleMsg)
	a.next("* 1 EXISTS")
}

// MailboxName and SubscriptionChange: LIST responses (RFC 5465 §5.4,
// §5.5), OLDNAME for a rename, \NonExistent for a deleted mailbox; the
// watched set follows renames.
func TestNotifyMailboxNames(t *testing.T) {
	ts, _ := startNotifyServer(t, nil)
	a := ts.dial(t).login()
	b := ts.dial(t).login()
	a.mustOK("e ENABLE IMAP4rev2")
	a.mustOK("n1 NOTIFY SET (personal (MessageNew MessageExpunge MailboxName SubscriptionChange))")
	b.mustOK("p1 CREATE Lists")
	a.next(`* LIST (\HasNoChildren) "/" Lists`)
	b.mustOK("p2 RENAME Lists Lists2")
	a.next(`* LIST (\HasNoChildren) "/" Lists2 ("OLDNAME" (Lists))`)
	b.mustOK("p3 SUBSCRIBE Lists2")
	a.next(`* LIST (\HasNoChildren \Subscribed) "/" Lists2`)
	// The renamed mailbox is watched under its new name.
	ts.b.appendMsg("Lists2", simpleMsg)
	a.next(`* STATUS Lists2 (MESSAGES 1 UIDNEXT 2 UIDVALIDITY 1004 UNSEEN 1)`)
	b.mustOK("p4 UNSUBSCRIBE Lists2")
	a.next(`* LIST (\HasNoChildren) "/" Lists2`)
	b.mustOK("p5 DELETE Lists2")
	a.next(`* LIST (\NonExistent) "/" Lists2`)
	// The session's own changes are not reported (§5 SHOULD).
	a.mustOK("n2 CREATE Mine")
	a.quiet()
}

// MAILBOXES and SUBTREE select exactly the named mailboxes (§6.5, §6.6).
func TestNotifyFilters(t *testing.T) {
	ts, _ := startNotifyServer(t, nil)
	for _, n := range []string{"Lists", "Lists/A", "Lists/B", "ListsX", "misc"} {
		ts.b.create(n, nil)
	}
	a := ts.dial(t).login()
	out := a.mustOK("n1 NOTIFY SET STATUS (subtree Lists (MessageNew MessageExpunge)) (mailboxes (misc \"Lists*\") (MessageNew MessageExpunge))")
	mustContain(t, out, "STATUS Lists ", "STATUS Lists/A ", "STATUS Lists/B ", "STATUS misc ")
	mustNotContain(t, out, "STATUS ListsX", "STATUS INBOX", "STATUS Sent")
	ts.b.appendMsg("ListsX", simpleMsg)
	ts.b.appendMsg("Lists/B", simpleMsg)
	a.next(`* STATUS Lists/B (MESSAGES 1 UIDNEXT 2 UIDVALIDITY 1006 UNSEEN 1)`)

	// SUBSCRIBED follows the subscription list (§6.4).
	a.mustOK("n2 NOTIFY SET (subscribed (MessageNew MessageExpunge))")
	ts.b.appendMsg("misc", simpleMsg)
	a.quiet()
}

// More watched mailboxes than MaxNotifyMailboxes: NO [NOTIFICATIONOVERFLOW]
// (RFC 5465 §3.1); the previous NOTIFY stays in effect.
func TestNotifyTooManyMailboxes(t *testing.T) {
	ts, _ := startNotifyServer(t, func(s *Server) { s.MaxNotifyMailboxes = 2 })
	a := ts.dial(t).login()
	a.mustOK("n1 NOTIFY SET (mailboxes (INBOX Sent) (MessageNew MessageExpunge))")
	a.expect("n2 NOTIFY SET (personal (MessageNew MessageExpunge))", "n2 NO [NOTIFICATIONOVERFLOW]")
	ts.b.appendMsg("Sent", simpleMsg)
	a.next(`* STATUS Sent (MESSAGES 1 UIDNEXT 2 UIDVALIDITY 1002 UNSEEN 1)`)
}

// Lost events and full queues end in OK [NOTIFICATIONOVERFLOW] and NOTIFY
// NONE (RFC 5465 §5.8).
func TestNotifyOverflow(t *testing.T) {
	t.Run("backend", func(t *testing.T) {
		ts, nb := startNotifyServer(t, nil)
		a := ts.dial(t).login()
		a.mustOK("n1 NOTIFY SET (personal (MessageNew MessageExpunge))")
		nb.overflowAll()
		if l := a.readLine(); !strings.HasPrefix(l, "* OK [NOTIFICATIONOVERFLOW]") {
			t.Fatalf("got %q", l)
		}
		a.mustOK("n2 NOOP")
		if n := nb.notifierCount(); n != 0 {
			t.Fatalf("overflow left %d notifiers", n)
		}
		ts.b.appendMsg("Sent", simpleMsg)
		a.quiet()
	})
	t.Run("queue", func(t *testing.T) {
		ts, _ := startNotifyServer(t, func(s *Server) { s.NotifyQueueSize = 3 })
		a := ts.dial(t).login()
		b := ts.dial(t).login()
		a.mustOK("n1 NOTIFY SET (personal (MailboxName))")
		// a is busy in IDLE-less command processing? No: its notifier
		// buffers at most 3 list events while a does not read them.
		a.send("n2 APPEND INBOX {" + itoa(len(simpleMsg)) + "}\r\n")
		a.readLine() // "+ Ready": a now waits for the literal
		for i := range 5 {
			b.mustOK("c" + itoa(i) + " CREATE Box" + itoa(i))
		}
		a.send(simpleMsg + "\r\n")
		out := a.readUntilTag("n2")
		if !strings.HasPrefix(last(out), "n2 OK") {
			t.Fatalf("APPEND: %q", out)
		}
		if l := a.readLine(); !strings.HasPrefix(l, "* OK [NOTIFICATIONOVERFLOW]") {
			t.Fatalf("got %q", l)
		}
		b.mustOK("c9 CREATE Later")
		a.quiet()
	})
}

// UNAUTHENTICATE drops NOTIFY: the next user never sees the previous
// user's events.
func TestNotifyUnauthenticate(t *testing.T) {
	ts, nb := startNotifyServer(t, nil)
	a := ts.dial(t).login()
	a.mustOK("n1 NOTIFY SET (personal (MessageNew MessageExpunge))")
	a.mustOK("u UNAUTHENTICATE")
	ts.b.appendMsg("Sent", simpleMsg)
	a.quiet()
	a.mustOK("n2 NOOP")
	if n := nb.notifierCount(); n != 0 {
		t.Fatalf("%d notifiers after UNAUTHENTICATE", n)
	}
}

// A backend without NotifyUser serves SELECTED only.
func TestNotifyWithoutBackendSupport(t *testing.T) {
	ts := startServer(t, nil)
	a := ts.dial(t).login()
	a.expect("n1 NOTIFY SET (personal (MessageNew MessageExpunge))", "n1 NO")
	a.mustOK("n2 NOTIFY SET (selected (MessageNew MessageExpunge))")
}

// A message that arrives while a command runs is announced with EXISTS at
// the command's end and still gets its MessageNew FETCH right after.
func TestNotifyFetchAfterCommandEnd(t *testing.T) {
	ts, _ := startNotifyServer(t, nil)
	a := ts.dial(t).login()
	a.mustOK("e ENABLE IMAP4rev2")
	a.selectBox("INBOX")
	a.mustOK("n1 NOTIFY SET (selected (MessageNew (UID) MessageExpunge))")
	// The literal wait holds a inside APPEND while the message arrives.
	a.send("n2 APPEND Sent {" + itoa(len(simpleMsg)) + "}\r\n")
	a.readLine()
	ts.b.appendMsg("INBOX", simpleMsg)
	a.send(simpleMsg + "\r\n")
	a.next("* 1 EXISTS")
	if l := a.readLine(); !strings.HasPrefix(l, "n2 OK") {
		t.Fatalf("got %q", l)
	}
	a.next("* 1 FETCH (UID 1)")
}
