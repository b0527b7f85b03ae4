package mailbox

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// next reads the next line, which must be want.
func (c *imapTestClient) next(want string) {
	c.t.Helper()
	if got := c.line(); got != want {
		c.t.Fatalf("got %q, want %q", got, want)
	}
}

// TestIMAPNotify replays RFC 5465's scenario over the store: session A
// asks for notifications, session B (and delivery) change the store, and
// A receives STATUS, LIST, EXISTS, FETCH and EXPUNGE between its commands
// without asking.
func TestIMAPNotify(t *testing.T) {
	imapStores(t, func(t *testing.T, st Store) {
		ctx := context.Background()
		addr := startIMAP(t, st)
		for _, n := range []string{"Lists/Lemonade", "Lists/Im2000", "misc"} {
			if err := st.CreateMailbox(ctx, "user", n, ""); err != nil {
				t.Fatal(err)
			}
		}
		uv := func(name string) uint32 {
			s, err := st.Status(ctx, "user", name)
			if err != nil {
				t.Fatal(err)
			}
			return s.UIDValidity
		}
		a := dialIMAP(t, addr)
		a.do("a LOGIN user pass", "OK")
		a.do("c SELECT INBOX", "OK")
		// RFC 5465 §3.1 example (with the parentheses its grammar
		// requires around events, and MessageExpunge, which §5 requires
		// beside MessageNew).
		out := a.do("b NOTIFY SET STATUS (selected (MessageNew (uid body.peek[header.fields (from to subject)]) MessageExpunge)) (subtree Lists (MessageNew MessageExpunge MailboxName)) (personal (SubscriptionChange))", "OK")
		mustHave(t, out,
			fmt.Sprintf("* STATUS Lists (MESSAGES 0 UIDNEXT 1 UIDVALIDITY %d UNSEEN 0)", uv("Lists")),
			fmt.Sprintf("* STATUS Lists/Lemonade (MESSAGES 0 UIDNEXT 1 UIDVALIDITY %d UNSEEN 0)", uv("Lists/Lemonade")),
			fmt.Sprintf("* STATUS Lists/Im2000 (MESSAGES 0 UIDNEXT 1 UIDVALIDITY %d UNSEEN 0)", uv("Lists/Im2000")))

		// A new message is delivered to Lists/Lemonade.
		if _, err := st.Append(ctx, "user", "Lists/Lemonade", strings.NewReader(adapterMsg), nil, time.Time{}); err != nil {
			t.Fatal(err)
		}
		a.next(fmt.Sprintf("* STATUS Lists/Lemonade (MESSAGES 1 UIDNEXT 2 UIDVALIDITY %d UNSEEN 1)", uv("Lists/Lemonade")))

		// A new message is delivered to INBOX: EXISTS, then the FETCH the
		// client asked for.
		b := dialIMAP(t, addr)
		b.do("a LOGIN user pass", "OK")
		b.do(fmt.Sprintf("p1 APPEND INBOX {%d+}\r\n%s", len(adapterMsg), adapterMsg), "OK")
		a.next("* 1 EXISTS")
		a.next("* 1 RECENT")
		a.next("* 1 FETCH (UID 1 BODY[HEADER.FIELDS (from to subject)] {72}")
		a.next("From: Alice <alice@example.org>")
		a.next("To: bob@example.com")
		a.next("Subject: hello")
		a.next("")
		a.next(")")

		// Mailbox names: creation with its parent, rename with OLDNAME,
		// deletion with \NonExistent (§5.4); the session's own CREATE is
		// not reported (§5), so B's is the next line A reads.
		a.do("d CREATE Lists/Mine", "OK")
		b.do("p2 CREATE Lists/New", "OK")
		a.next(`* LIST (\HasNoChildren) "/" Lists/New`)
		a.next(`* LIST (\HasChildren) "/" Lists`)
		b.do("p3 RENAME Lists/New Lists/Newer", "OK")
		a.next(`* LIST (\HasNoChildren) "/" Lists/Newer ("OLDNAME" (Lists/New))`)
		// The renamed mailbox is watched under its new name.
		if _, err := st.Append(ctx, "user", "Lists/Newer", strings.NewReader(adapterMsg), nil, time.Time{}); err != nil {
			t.Fatal(err)
		}
		a.next(fmt.Sprintf("* STATUS Lists/Newer (MESSAGES 1 UIDNEXT 2 UIDVALIDITY %d UNSEEN 1)", uv("Lists/Newer")))
		b.do("p4 DELETE Lists/Newer", "OK")
		a.next(`* LIST (\NonExistent) "/" Lists/Newer`)
		a.next(`* LIST (\HasChildren) "/" Lists`)

		// Subscriptions (§5.5).
		b.do("p5 UNSUBSCRIBE Archive", "OK")
		a.next(`* LIST (\HasNoChildren \Archive) "/" Archive`)
		b.do("p6 SUBSCRIBE misc", "OK")
		a.next(`* LIST (\HasNoChildren \Subscribed) "/" misc`)

		// Expunge in the selected mailbox (§5.3).
		b.do("p7 SELECT INBOX", "OK")
		b.do("p8 STORE 1 +FLAGS (\\Deleted)", "OK")
		b.do("p9 EXPUNGE", "OK")
		a.next("* 1 EXPUNGE")

		// §3.1 continued: the client adds a mailbox without STATUS.
		a.do("d STATUS misc (UIDVALIDITY UIDNEXT MESSAGES)", "OK")
		a.do("e NOTIFY SET (selected (MessageNew (uid body.peek[header.fields (from to subject)]) MessageExpunge)) (subtree Lists (MessageNew MessageExpunge)) (mailboxes misc (MessageNew MessageExpunge))", "OK")
		if _, err := st.Append(ctx, "user", "misc", strings.NewReader(adapterMsg), nil, time.Time{}); err != nil {
			t.Fatal(err)
		}
		a.next(fmt.Sprintf("* STATUS misc (MESSAGES 1 UIDNEXT 2 UIDVALIDITY %d UNSEEN 1)", uv("misc")))

		a.do("h NOTIFY NONE", "OK")
		a.do("i LOGOUT", "OK")
	})
}

// TestIMAPNotifyCleanup: NOTIFY NONE, a new NOTIFY SET and the end of the
// connection release every subscription the notifier held.
func TestIMAPNotifyCleanup(t *testing.T) {
	st := NewMemory(Options{Analyze: IMAPAnalyze})
	defer st.Close()
	addr := startIMAP(t, st)
	feedLen := func(name string) int {
		n := -1
		st.engine.read("user", name, func(mb *mbox) error { n = mb.feed.Len(); return nil })
		return n
	}
	a := dialIMAP(t, addr)
	a.do("a LOGIN user pass", "OK")
	a.do("b NOTIFY SET (personal (MessageNew MessageExpunge MailboxName))", "OK")
	if n := feedLen("Sent"); n != 1 {
		t.Fatalf("Sent has %d subscribers, want 1", n)
	}
	a.do("c NOTIFY SET (mailboxes INBOX (MessageNew MessageExpunge))", "OK")
	if n := feedLen("Sent"); n != 0 {
		t.Fatalf("Sent has %d subscribers after a narrower NOTIFY SET", n)
	}
	a.do("d NOTIFY NONE", "OK")
	if n := feedLen("INBOX"); n != 0 {
		t.Fatalf("INBOX has %d subscribers after NOTIFY NONE", n)
	}
	a.do("e NOTIFY SET (personal (MessageNew MessageExpunge))", "OK")
	a.do("f LOGOUT", "OK")
	// The server closes the notifier before it closes the connection.
	a.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.Copy(io.Discard, a.r); err != nil {
		t.Fatal(err)
	}
	if n := feedLen("INBOX"); n != 0 {
		t.Fatalf("INBOX has %d subscribers after LOGOUT", n)
	}
}
