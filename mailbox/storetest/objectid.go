package storetest

import (
	"testing"

	"github.com/mailwire/mailwire/mailbox"
)

// testMailboxID checks MailboxStatus.MailboxID against RFC 8474 §4: an
// objectid, unique among the store's mailboxes (of every user), the same
// across RENAME (children included), new for a deleted and re-created
// mailbox, and new for the mailbox RENAME INBOX creates while INBOX keeps
// its own.
func testMailboxID(t *testing.T, s mailbox.Store) {
	newUser(t, s, "alice")
	newUser(t, s, "bob")
	id := func(user, box string) string {
		t.Helper()
		st, err := s.Status(ctx, user, box)
		must(t, err)
		if !isObjectID(st.MailboxID) {
			t.Fatalf("%s/%s: MailboxID %q is not an objectid", user, box, st.MailboxID)
		}
		return st.MailboxID
	}
	must(t, s.CreateMailbox(ctx, "alice", "foo/sub", ""))
	must(t, s.CreateMailbox(ctx, "alice", "bar", ""))
	must(t, s.CreateMailbox(ctx, "bob", "foo", ""))
	seen := map[string]string{}
	for _, b := range [][2]string{{"alice", "INBOX"}, {"alice", "foo"}, {"alice", "foo/sub"}, {"alice", "bar"}, {"bob", "INBOX"}, {"bob", "foo"}} {
		v := id(b[0], b[1])
		if other, dup := seen[v]; dup {
			t.Fatalf("MailboxID %q of %v also belongs to %s", v, b, other)
		}
		seen[v] = b[0] + "/" + b[1]
	}
	foo, sub, bar, inbox := id("alice", "foo"), id("alice", "foo/sub"), id("alice", "bar"), id("alice", "INBOX")
	if id("alice", "foo") != foo {
		t.Fatal("MailboxID changed between two Status calls")
	}
	appendMsg(t, s, "alice", "foo", msg(1))
	must(t, s.RenameMailbox(ctx, "alice", "foo", "renamed"))
	if got := id("alice", "renamed"); got != foo {
		t.Fatalf("RENAME changed MailboxID %q to %q", foo, got)
	}
	if got := id("alice", "renamed/sub"); got != sub {
		t.Fatalf("RENAME changed the child's MailboxID %q to %q", sub, got)
	}
	// Delete and re-create under the same name: a new id, never reused.
	must(t, s.DeleteMailbox(ctx, "alice", "bar"))
	must(t, s.CreateMailbox(ctx, "alice", "bar", ""))
	if got := id("alice", "bar"); got == bar || seen[got] != "" {
		t.Fatalf("re-created mailbox got MailboxID %q (old %q)", got, bar)
	}
	// Creating "foo" again after the rename: not the renamed one's id.
	must(t, s.CreateMailbox(ctx, "alice", "foo", ""))
	if got := id("alice", "foo"); got == foo || seen[got] != "" {
		t.Fatalf("new foo got MailboxID %q", got)
	}
	// RENAME INBOX creates a new mailbox (RFC 9051 §6.3.6).
	appendMsg(t, s, "alice", "INBOX", msg(2))
	must(t, s.RenameMailbox(ctx, "alice", "INBOX", "Old Inbox"))
	if got := id("alice", "Old Inbox"); got == inbox || seen[got] != "" {
		t.Fatalf("mailbox made by RENAME INBOX got MailboxID %q (INBOX %q)", got, inbox)
	}
	if got := id("alice", "INBOX"); got != inbox {
		t.Fatalf("INBOX changed MailboxID %q to %q", inbox, got)
	}
}

func isObjectID(s string) bool {
	if len(s) == 0 || len(s) > 255 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
