package mailbox

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// TestWatchMailboxListMetadata: SetMetadata publishes the changed entry
// on the user's feed with the canonical mailbox name ("" for server
// entries); a set to the same value or a delete of a missing entry
// changes nothing and publishes nothing; the subscriber's own calls are
// not delivered.
func TestWatchMailboxListMetadata(t *testing.T) {
	imapStores(t, func(t *testing.T, st Store) {
		ctx := context.Background()
		if err := st.CreateUser(ctx, "user", "pass"); err != nil {
			t.Fatal(err)
		}
		own, cancel := context.WithCancel(ctx)
		defer cancel()
		sub, err := st.(MailboxListWatcher).WatchMailboxList(own, "user", 16)
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Close()
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(st.SetMetadata(ctx, "user", "inbox", "/private/comment", []byte("x")))
		must(st.SetMetadata(ctx, "user", "INBOX", "/private/comment", []byte("x"))) // unchanged
		must(st.SetMetadata(ctx, "user", "", "/shared/admin", []byte("a")))
		must(st.SetMetadata(ctx, "user", "INBOX", "/private/comment", nil))
		must(st.SetMetadata(ctx, "user", "INBOX", "/private/comment", nil)) // already gone
		must(st.SetMetadata(own, "user", "INBOX", "/private/mine", []byte("1")))
		got := sub.Drain(nil)
		for i := range got {
			got[i].origin = nil
		}
		want := []ListEvent{
			{Kind: ListMetadata, Name: "INBOX", Entry: "/private/comment"},
			{Kind: ListMetadata, Name: "", Entry: "/shared/admin"},
			{Kind: ListMetadata, Name: "INBOX", Entry: "/private/comment"},
		}
		if !slices.Equal(got, want) {
			t.Fatalf("events %+v, want %+v", got, want)
		}
	})
}

// TestIMAPNotifyMetadata: RFC 5465 §5.6 and §5.7 over the store. Session
// B's SETMETADATA reaches session A, which asked for
// MailboxMetadataChange and ServerMetadataChange, as an unsolicited
// METADATA response naming the entry (RFC 5464 §4.4.2), deletions
// included; A's own SETMETADATA is not reported (§5).
func TestIMAPNotifyMetadata(t *testing.T) {
	imapStores(t, func(t *testing.T, st Store) {
		addr := startIMAP(t, st)
		a := dialIMAP(t, addr)
		a.do("a LOGIN user pass", "OK")
		a.do("c SELECT INBOX", "OK")
		a.do("n NOTIFY SET (selected (MessageNew MessageExpunge)) (personal (MailboxMetadataChange ServerMetadataChange))", "OK")
		b := dialIMAP(t, addr)
		b.do("a LOGIN user pass", "OK")

		b.do(`p1 SETMETADATA INBOX (/private/comment "x")`, "OK")
		a.next("* METADATA INBOX /private/comment")
		b.do(`p2 SETMETADATA INBOX (/private/comment NIL)`, "OK")
		a.next("* METADATA INBOX /private/comment")
		b.do(`p3 SETMETADATA "" (/shared/comment "hello")`, "OK")
		a.next(`* METADATA "" /shared/comment`)

		// A's own change is not reported, so B's is the next line A reads.
		a.do(`d SETMETADATA Archive (/private/mine "1")`, "OK")
		b.do(`p4 SETMETADATA Archive (/private/theirs "2")`, "OK")
		a.next("* METADATA Archive /private/theirs")

		// NOTIFY NONE stops the notifications.
		a.do("e NOTIFY NONE", "OK")
		b.do(`p5 SETMETADATA Archive (/private/theirs NIL)`, "OK")
		if out := a.do("f NOOP", "OK"); strings.Contains(out, "METADATA") {
			t.Fatalf("notified after NOTIFY NONE:\n%s", out)
		}
		a.do("g LOGOUT", "OK")
	})
}
