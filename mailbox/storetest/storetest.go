// Package storetest is a conformance suite for mailbox.Store
// implementations. Run it from a test:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) mailbox.Store { return mystore.New(t.TempDir()) })
//	}
//
// Each subtest gets a fresh store from the factory and closes it at the end.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailwire/mailwire/mailbox"
)

// Factory returns a new, empty store.
type Factory func(t *testing.T) mailbox.Store

// Run runs every conformance test against stores made by newStore.
func Run(t *testing.T, newStore Factory) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s mailbox.Store)
	}{
		{"Users", testUsers},
		{"Passwords", testPasswords},
		{"Resolve", testResolve},
		{"Mailboxes", testMailboxes},
		{"RenameInbox", testRenameInbox},
		{"Subscriptions", testSubscriptions},
		{"AppendListOpen", testAppendListOpen},
		{"Flags", testFlags},
		{"UnchangedSince", testUnchangedSince},
		{"Expunge", testExpunge},
		{"CopyMove", testCopyMove},
		{"Watch", testWatch},
		{"Quota", testQuota},
		{"Metadata", testMetadata},
		{"InvalidInput", testInvalidInput},
		{"AppendMany", testAppendMany},
		{"MailboxID", testMailboxID}, // objectid.go
		{"Snapshot", testSnapshot},   // snapshot.go
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			defer s.Close()
			tc.fn(t, s)
		})
	}
}

var ctx = context.Background()

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got error %v, want %v", err, want)
	}
}

func newUser(t *testing.T, s mailbox.Store, name string) {
	t.Helper()
	must(t, s.CreateUser(ctx, name, "pw-"+name))
}

func appendMsg(t *testing.T, s mailbox.Store, user, mbox, body string, flags ...string) uint32 {
	t.Helper()
	uid, err := s.Append(ctx, user, mbox, strings.NewReader(body), flags, time.Time{})
	must(t, err)
	return uid
}

func readAll(t *testing.T, s mailbox.Store, user, mbox string, uid uint32) string {
	t.Helper()
	m, err := s.Open(ctx, user, mbox, uid)
	must(t, err)
	defer m.Close()
	b, err := io.ReadAll(m)
	must(t, err)
	if int64(len(b)) != m.Size() {
		t.Fatalf("Size %d, read %d bytes", m.Size(), len(b))
	}
	return string(b)
}

func msg(i int) string {
	return fmt.Sprintf("From: a@example.org\r\nSubject: message %d\r\n\r\nbody %d\r\n", i, i)
}

func testUsers(t *testing.T, s mailbox.Store) {
	newUser(t, s, "Alice")
	wantErr(t, s.CreateUser(ctx, "alice", "x"), mailbox.ErrUserExists)
	users, err := s.ListUsers(ctx)
	must(t, err)
	if !slices.Equal(users, []string{"alice"}) {
		t.Fatalf("ListUsers = %v", users)
	}
	// New users get INBOX and the RFC 6154 folders.
	boxes, err := s.ListMailboxes(ctx, "alice")
	must(t, err)
	got := map[string]string{}
	for _, b := range boxes {
		got[b.Name] = b.SpecialUse
	}
	want := map[string]string{"INBOX": "", "Sent": `\Sent`, "Drafts": `\Drafts`, "Trash": `\Trash`, "Junk": `\Junk`, "Archive": `\Archive`}
	for n, su := range want {
		if g, ok := got[n]; !ok || g != su {
			t.Errorf("mailbox %s: special-use %q present=%v, want %q", n, g, ok, su)
		}
	}
	appendMsg(t, s, "alice", "INBOX", msg(1))
	must(t, s.RenameUser(ctx, "alice", "bob"))
	wantErr(t, s.VerifyPassword(ctx, "alice", "pw-Alice"), mailbox.ErrNoSuchUser)
	must(t, s.VerifyPassword(ctx, "bob", "pw-Alice"))
	st, err := s.Status(ctx, "bob", "INBOX")
	must(t, err)
	if st.Messages != 1 {
		t.Fatalf("renamed user has %d messages", st.Messages)
	}
	must(t, s.DeleteUser(ctx, "bob"))
	_, err = s.Status(ctx, "bob", "INBOX")
	wantErr(t, err, mailbox.ErrNoSuchUser)
	wantErr(t, s.DeleteUser(ctx, "bob"), mailbox.ErrNoSuchUser)
	newUser(t, s, "bob") // a re-created user starts empty
	st, err = s.Status(ctx, "bob", "INBOX")
	must(t, err)
	if st.Messages != 0 {
		t.Fatalf("re-created user has %d messages", st.Messages)
	}
}

func testPasswords(t *testing.T, s mailbox.Store) {
	newUser(t, s, "alice")
	must(t, s.VerifyPassword(ctx, "alice", "pw-alice"))
	must(t, s.VerifyPassword(ctx, "ALICE", "pw-alice"))
	wantErr(t, s.VerifyPassword(ctx, "alice", "wrong"), mailbox.ErrAuthFailed)
	wantErr(t, s.VerifyPassword(ctx, "nobody", "x"), mailbox.ErrNoSuchUser)
	c, err := s.ScramCredentials(ctx, "alice")
	must(t, err)
	if len(c.Salt) == 0 || c.Iterations < 4096 || len(c.StoredKey) != 32 || len(c.ServerKey) != 32 {
		t.Fatalf("bad SCRAM credentials %+v", c)
	}
	want := mailbox.NewScramCredentials("pw-alice", c.Salt, c.Iterations)
	if !bytes.Equal(want.StoredKey, c.StoredKey) || !bytes.Equal(want.ServerKey, c.ServerKey) {
		t.Fatal("stored SCRAM keys do not derive from the password")
	}
	must(t, s.SetPassword(ctx, "alice", "new"))
	wantErr(t, s.VerifyPassword(ctx, "alice", "pw-alice"), mailbox.ErrAuthFailed)
	must(t, s.VerifyPassword(ctx, "alice", "new"))
}

func testResolve(t *testing.T, s mailbox.Store) {
	newUser(t, s, "alice")
	newUser(t, s, "bob")
	must(t, s.AddDomain(ctx, "Example.ORG"))
	doms, _ := s.Domains(ctx)
	if !slices.Equal(doms, []string{"example.org"}) {
		t.Fatalf("Domains = %v", doms)
	}
	must(t, s.SetAlias(ctx, "postmaster@example.org", "bob"))
	cases := []struct {
		addr, user string
		err        error
	}{
		{"alice@example.org", "alice", nil},
		{"<Alice@EXAMPLE.org>", "alice", nil},
		{"alice+lists@example.org", "alice", nil},
		{"postmaster@example.org", "bob", nil},
		{"Postmaster+x@example.org", "bob", nil},
		{"carol@example.org", "", mailbox.ErrNoSuchUser},
		{"alice@elsewhere.net", "", mailbox.ErrNotLocal},
		{"alice", "alice", nil},
		{"", "", mailbox.ErrNoSuchUser},
	}
	for _, c := range cases {
		u, err := s.ResolveRecipient(ctx, c.addr)
		if u != c.user || !errors.Is(err, c.err) {
			t.Errorf("Resolve(%q) = %q, %v; want %q, %v", c.addr, u, err, c.user, c.err)
		}
	}
	// Catch-all is off by default, then on.
	must(t, s.SetCatchAll(ctx, "example.org", "bob"))
	if u, err := s.ResolveRecipient(ctx, "anything@example.org"); u != "bob" || err != nil {
		t.Fatalf("catch-all: %q %v", u, err)
	}
	must(t, s.SetCatchAll(ctx, "example.org", ""))
	_, err := s.ResolveRecipient(ctx, "anything@example.org")
	wantErr(t, err, mailbox.ErrNoSuchUser)
	must(t, s.SetAlias(ctx, "postmaster@example.org", ""))
	_, err = s.ResolveRecipient(ctx, "postmaster@example.org")
	wantErr(t, err, mailbox.ErrNoSuchUser)
	wantErr(t, s.SetAlias(ctx, "x@example.org", "nobody"), mailbox.ErrNoSuchUser)
	must(t, s.RemoveDomain(ctx, "example.org"))
	_, err = s.ResolveRecipient(ctx, "alice@example.org")
	wantErr(t, err, mailbox.ErrNotLocal)
}

func names(t *testing.T, s mailbox.Store, user string) []string {
	t.Helper()
	boxes, err := s.ListMailboxes(ctx, user)
	must(t, err)
	var out []string
	for _, b := range boxes {
		out = append(out, b.Name)
	}
	sort.Strings(out)
	return out
}

func testMailboxes(t *testing.T, s mailbox.Store) {
	newUser(t, s, "alice")
	must(t, s.CreateMailbox(ctx, "alice", "Work/Projects/2026", ""))
	wantErr(t, s.CreateMailbox(ctx, "alice", "Work", ""), mailbox.ErrMailboxExists)
	wantErr(t, s.CreateMailbox(ctx, "alice", "inbox", ""), mailbox.ErrMailboxExists)
	if n := names(t, s, "alice"); !slices.Contains(n, "Work") || !slices.Contains(n, "Work/Projects") || !slices.Contains(n, "Work/Projects/2026") {
		t.Fatalf("parents not created: %v", n)
	}
	boxes, _ := s.ListMailboxes(ctx, "alice")
	for _, b := range boxes {
		if b.Name == "Work" && !b.HasChildren || b.Name == "Work/Projects/2026" && b.HasChildren {
			t.Errorf("HasChildren wrong for %+v", b)
		}
	}
	appendMsg(t, s, "alice", "Work/Projects", msg(1))
	st1, err := s.Status(ctx, "alice", "Work/Projects")
	must(t, err)
	wantErr(t, s.DeleteMailbox(ctx, "alice", "Work"), mailbox.ErrHasChildren)
	wantErr(t, s.DeleteMailbox(ctx, "alice", "INBOX"), mailbox.ErrInvalidName)
	wantErr(t, s.DeleteMailbox(ctx, "alice", "Nope"), mailbox.ErrNoSuchMailbox)
	must(t, s.RenameMailbox(ctx, "alice", "Work", "Old/Work"))
	n := names(t, s, "alice")
	for _, want := range []string{"Old", "Old/Work", "Old/Work/Projects", "Old/Work/Projects/2026"} {
		if !slices.Contains(n, want) {
			t.Fatalf("after rename %v lacks %s", n, want)
		}
	}
	if slices.Contains(n, "Work") {
		t.Fatalf("old name still listed: %v", n)
	}
	st2, err := s.Status(ctx, "alice", "Old/Work/Projects")
	must(t, err)
	if st2.Messages != 1 || st2.UIDValidity != st1.UIDValidity {
		t.Fatalf("renamed mailbox lost state: %+v vs %+v", st2, st1)
	}
	wantErr(t, s.RenameMailbox(ctx, "alice", "Old", "Sent"), mailbox.ErrMailboxExists)
	wantErr(t, s.RenameMailbox(ctx, "alice", "Nope", "X"), mailbox.ErrNoSuchMailbox)
	// Delete and re-create: a new UIDVALIDITY (RFC 9051 §2.3.1.1).
	must(t, s.DeleteMailbox(ctx, "alice", "Old/Work/Projects/2026"))
	must(t, s.DeleteMailbox(ctx, "alice", "Old/Work/Projects"))
	must(t, s.CreateMailbox(ctx, "alice", "Old/Work/Projects", ""))
	st3, err := s.Status(ctx, "alice", "Old/Work/Projects")
	must(t, err)
	if st3.Messages != 0 || st3.UIDValidity == st1.UIDValidity {
		t.Fatalf("re-created mailbox: %+v (old UIDVALIDITY %d)", st3, st1.UIDValidity)
	}
	must(t, s.CreateMailbox(ctx, "alice", "Flagged mail", mailbox.SpecialFlagged))
	boxes, _ = s.ListMailboxes(ctx, "alice")
	found := false
	for _, b := range boxes {
		if b.Name == "Flagged mail" && b.SpecialUse == mailbox.SpecialFlagged {
			found = true
		}
	}
	if !found {
		t.Fatal("special-use attribute of a created mailbox not listed")
	}
	if boxes[0].Name != "INBOX" {
		t.Fatalf("INBOX not listed first: %v", boxes)
	}
	// Unicode names are allowed.
	must(t, s.CreateMailbox(ctx, "alice", "Entwürfe.2026", ""))
	appendMsg(t, s, "alice", "Entwürfe.2026", msg(2))
	if !slices.Contains(names(t, s, "alice"), "Entwürfe.2026") {
		t.Fatal("unicode/dot name not listed")
	}
}

func testRenameInbox(t *testing.T, s mailbox.Store) {
	newUser(t, s, "alice")
	appendMsg(t, s, "alice", "INBOX", msg(1), mailbox.FlagSeen)
	appendMsg(t, s, "alice", "INBOX", msg(2))
	before, _ := s.Status(ctx, "alice", "INBOX")
	must(t, s.RenameMailbox(ctx, "alice", "INBOX", "Old Inbox"))
	st, err := s.Status(ctx, "alice", "INBOX")
	must(t, err)
	if st.Messages != 0 || st.UIDNext != before.UIDNext {
		t.Fatalf("INBOX after rename: %+v", st)
	}
	list, err := s.List(ctx, "alice", "Old Inbox")
	must(t, err)
	if len(list) != 2 || !slices.Contains(list[0].Flags, mailbox.FlagSeen) {
		t.Fatalf("moved messages: %+v", list)
	}
	if readAll(t, s, "alice", "Old Inbox", list[1].UID) != msg(2) {
		t.Fatal("moved message content differs")
	}
	uid := appendMsg(t, s, "alice", "INBOX", msg(3))
	if uid < before.UIDNext {
		t.Fatalf("INBOX reused UID %d", uid)
	}
}

func testSubscriptions(t *testing.T, s mailbox.Store) {
	newUser(t, s, "alice")
	subs, err := s.Subscriptions(ctx, "alice")
	must(t, err)
	if !slices.Contains(subs, "INBOX") {
		t.Fatalf("INBOX not subscribed by default: %v", subs)
	}
	must(t, s.SetSubscribed(ctx, "alice", "Lists/Go", true)) // need not exist
	must(t, s.SetSubscribed(ctx, "alice", "Lists/Go", true))
	subs, _ = s.Subscriptions(ctx, "alice")
	if c := countOf(subs, "Lists/Go"); c != 1 {
		t.Fatalf("subscribed %d times: %v", c, subs)
	}
	must(t, s.SetSubscribed(ctx, "alice", "Lists/Go", false))
	subs, _ = s.Subscriptions(ctx, "alice")
	if slices.Contains(subs, "Lists/Go") {
		t.Fatalf("unsubscribe failed: %v", subs)
	}
}

func countOf(s []string, v string) int {
	n := 0
	for _, x := range s {
		if x == v {
			n++
		}
	}
	return n
}

func testAppendListOpen(t *testing.T, s mailbox.Store) {
	newUser(t, s, "alice")
	st0, _ := s.Status(ctx, "alice", "INBOX")
	date := time.Date(2025, 3, 4, 5, 6, 7, 0, time.FixedZone("", -5*3600))
	big := strings.Repeat("x", 300000)
	uid1, err := s.Append(ctx, "alice", "INBOX", strings.NewReader(msg(1)), []string{`\seen`, "$Forwarded", `\Recent`}, date)
	must(t, err)
	uid2 := appendMsg(t, s, "alice", "INBOX", "Subject: big\r\n\r\n"+big)
	if uid1 < 1 || uid2 <= uid1 {
		t.Fatalf("UIDs not ascending: %d %d", uid1, uid2)
	}
	list, err := s.List(ctx, "alice", "INBOX")
	must(t, err)
	if len(list) != 2 || list[0].UID != uid1 || list[1].UID != uid2 {
		t.Fatalf("List = %+v", list)
	}
	m := list[0]
	if !m.InternalDate.Equal(date) || m.Size != int64(len(msg(1))) {
		t.Fatalf("message 1 info %+v", m)
	}
	if _, off := m.InternalDate.Zone(); off != -5*3600 {
		t.Errorf("internal date zone offset %d, want -18000", off)
	}
	if m.SaveDate.IsZero() {
		t.Error("no save date")
	}
	if !slices.Equal(m.Flags, []string{mailbox.FlagSeen, "$Forwarded"}) {
		t.Fatalf("flags %v", m.Flags)
	}
	if m.ModSeq == 0 || list[1].ModSeq <= m.ModSeq {
		t.Fatalf("modseqs %d %d", m.ModSeq, list[1].ModSeq)
	}
	st, err := s.Status(ctx, "alice", "INBOX")
	must(t, err)
	if st.Messages != 2 || st.Unseen != 1 || st.UIDNext != uid2+1 || st.HighestModSeq != list[1].ModSeq ||
		st.Size != int64(len(msg(1))+len("Subject: big\r\n\r\n")+len(big)) || st.UIDValidity == 0 || st.UIDValidity != st0.UIDValidity {
		t.Fatalf("status %+v", st)
	}
	if got := readAll(t, s, "alice", "INBOX", uid1); got != msg(1) {
		t.Fatalf("read back %q", got)
	}
	// Random access for partial fetches.
	r, err := s.Open(ctx, "alice", "INBOX", uid2)
	must(t, err)
	buf := make([]byte, 5)
	_, err = r.ReadAt(buf, 200000)
	must(t, err)
	if string(buf) != "xxxxx" {
		t.Fatalf("ReadAt %q", buf)
	}
	if _, err := r.Seek(9, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	io.ReadFull(r, buf)
	if string(buf) != "big\r\n" {
		t.Fatalf("Seek+Read %q", buf)
	}
	r.Close()
	_, err = s.Open(ctx, "alice", "INBOX", 999)
	wantErr(t, err, mailbox.ErrNoSuchMessage)
	_, err = s.Append(ctx, "alice", "Nope", strings.NewReader("x"), nil, time.Time{})
	wantErr(t, err, mailbox.ErrNoSuchMailbox)
	_, err = s.Append(ctx, "nobody", "INBOX", strings.NewReader("x"), nil, time.Time{})
	wantErr(t, err, mailbox.ErrNoSuchUser)
	// Cached is nil without an analyzer, or the analyzer's blob; never an error.
	if _, err := s.Cached(ctx, "alice", "INBOX", uid1); err != nil {
		t.Fatal(err)
	}
	ch, err := s.ListChangedSince(ctx, "alice", "INBOX", list[0].ModSeq)
	must(t, err)
	if len(ch) != 1 || ch[0].UID != uid2 {
		t.Fatalf("ListChangedSince = %+v", ch)
	}
}

func testFlags(t *testing.T, s mailbox.Store) {
	newUser(t, s, "alice")
	u1 := appendMsg(t, s, "alice", "INBOX", msg(1))
	u2 := appendMsg(t, s, "alice", "INBOX", msg(2), "$Junk")
	st0, _ := s.Status(ctx, "alice", "INBOX")
	up, err := s.StoreFlags(ctx, "alice", "INBOX", []uint32{u1, u2, 999}, mailbox.FlagsAdd, []string{`\Seen`, "Work"}, 0)
	must(t, err)
	if len(up) != 2 || !up[0].Changed || up[0].ModSeq <= st0.HighestModSeq {
		t.Fatalf("updates %+v", up)
	}
	if !slices.Equal(up[1].Flags, []string{`\Seen`, "$Junk", "Work"}) {
		t.Fatalf("flags %v", up[1].Flags)
	}
	st, _ := s.Status(ctx, "alice", "INBOX")
	if st.Unseen != 0 || st.HighestModSeq != up[0].ModSeq {
		t.Fatalf("status %+v", st)
	}
	// A no-op change does not bump MODSEQ.
	up2, err := s.StoreFlags(ctx, "alice", "INBOX", []uint32{u1}, mailbox.FlagsAdd, []string{`\SEEN`, "work"}, 0)
	must(t, err)
	if up2[0].Changed || up2[0].ModSeq != up[0].ModSeq {
		t.Fatalf("no-op update %+v", up2)
	}
	up3, err := s.StoreFlags(ctx, "alice", "INBOX", []uint32{u2}, mailbox.FlagsRemove, []string{"$JUNK", `\Seen`}, 0)
	must(t, err)
	if !slices.Equal(up3[0].Flags, []string{"Work"}) {
		t.Fatalf("after remove %v", up3[0].Flags)
	}
	up4, err := s.StoreFlags(ctx, "alice", "INBOX", []uint32{u1}, mailbox.FlagsSet, []string{`\Deleted`, `\Draft`, `\Answered`, `\Flagged`}, 0)
	must(t, err)
	if !slices.Equal(up4[0].Flags, []string{`\Answered`, `\Flagged`, `\Deleted`, `\Draft`}) {
		t.Fatalf("after set %v", up4[0].Flags)
	}
	st, _ = s.Status(ctx, "alice", "INBOX")
	if st.Unseen != 2 || st.Deleted != 1 {
		t.Fatalf("status %+v", st)
	}
	list, _ := s.List(ctx, "alice", "INBOX")
	if !slices.Equal(list[0].Flags, up4[0].Flags) || list[0].ModSeq != up4[0].ModSeq {
		t.Fatalf("List disagrees with StoreFlags: %+v", list[0])
	}
	ch, _ := s.ListChangedSince(ctx, "alice", "INBOX", up3[0].ModSeq)
	if len(ch) != 1 || ch[0].UID != u1 {
		t.Fatalf("ListChangedSince %+v", ch)
	}
	_, err = s.StoreFlags(ctx, "alice", "INBOX", []uint32{u1}, mailbox.FlagsAdd, []string{`\Bogus`}, 0)
	wantErr(t, err, mailbox.ErrInvalidFlag)
	_, err = s.StoreFlags(ctx, "alice", "INBOX", []uint32{u1}, mailbox.FlagsAdd, []string{"bad(kw"}, 0)
	wantErr(t, err, mailbox.ErrInvalidFlag)
}

func testUnchangedSince(t *testing.T, s mailbox.Store) {
	newUser(t, s, "alice")
	u1 := appendMsg(t, s, "alice", "INBOX", msg(1))
	u2 := appendMsg(t, s, "alice", "INBOX", msg(2))
	list, _ := s.List(ctx, "alice", "INBOX")
	// Someone else changes u2 after we read list.
	_, err := s.StoreFlags(ctx, "alice", "INBOX", []uint32{u2}, mailbox.FlagsAdd, []string{`\Flagged`}, 0)
	must(t, err)
	up, err := s.StoreFlags(ctx, "alice", "INBOX", []uint32{u1, u2}, mailbox.FlagsAdd, []string{`\Seen`}, list[1].ModSeq)
	var me *mailbox.ModifiedError
	if !errors.As(err, &me) || !errors.Is(err, mailbox.ErrModified) || !slices.Equal(me.UIDs, []uint32{u2}) {
		t.Fatalf("err %v", err)
	}
	if len(up) != 1 || up[0].UID != u1 || !up[0].Changed {
		t.Fatalf("updates %+v", up)
	}
	list, _ = s.List(ctx, "alice", "INBOX")
	if slices.Contains(list[1].Flags, `\Seen`) {
		t.Fatal("modified message was changed")
	}
}

func testExpunge(t *testing.T, s mailbox.Store) {
	newUser(t, s, "alice")
	var uids []uint32
	for i := range 5 {
		uids = append(uids, appendMsg(t, s, "alice", "INBOX", msg(i)))
	}
	st0, _ := s.Status(ctx, "alice", "INBOX")
	got, err := s.Expunge(ctx, "alice", "INBOX", []uint32{uids[3], uids[1], 999})
	must(t, err)
	if !slices.Equal(got, []uint32{uids[1], uids[3]}) {
		t.Fatalf("Expunge = %v", got)
	}
	st, _ := s.Status(ctx, "alice", "INBOX")
	if st.Messages != 3 || st.HighestModSeq <= st0.HighestModSeq || st.Size != st0.Size-int64(len(msg(1))+len(msg(3))) {
		t.Fatalf("status %+v", st)
	}
	v, err := s.VanishedSince(ctx, "alice", "INBOX", st0.HighestModSeq)
	must(t, err)
	if !slices.Equal(v, []uint32{uids[1], uids[3]}) {
		t.Fatalf("VanishedSince = %v", v)
	}
	v, _ = s.VanishedSince(ctx, "alice", "INBOX", st.HighestModSeq)
	if len(v) != 0 {
		t.Fatalf("VanishedSince(highest) = %v", v)
	}
	_, err = s.Open(ctx, "alice", "INBOX", uids[1])
	wantErr(t, err, mailbox.ErrNoSuchMessage)
	// UIDs are never reused.
	u := appendMsg(t, s, "alice", "INBOX", msg(9))
	if u <= uids[4] {
		t.Fatalf("UID reused: %d", u)
	}
}

func testCopyMove(t *testing.T, s mailbox.Store) {
	newUser(t, s, "alice")
	u1 := appendMsg(t, s, "alice", "INBOX", msg(1), `\Seen`, "Important")
	u2 := appendMsg(t, s, "alice", "INBOX", msg(2))
	src, dst, err := s.Copy(ctx, "alice", "INBOX", []uint32{u2, u1, 777}, "Archive")
	must(t, err)
	if !slices.Equal(src, []uint32{u1, u2}) || len(dst) != 2 || dst[1] <= dst[0] {
		t.Fatalf("Copy = %v %v", src, dst)
	}
	list, _ := s.List(ctx, "alice", "Archive")
	if len(list) != 2 || !slices.Equal(list[0].Flags, []string{`\Seen`, "Important"}) {
		t.Fatalf("copied %+v", list)
	}
	if readAll(t, s, "alice", "Archive", dst[1]) != msg(2) {
		t.Fatal("copy content differs")
	}
	// Copy into the same mailbox.
	_, same, err := s.Copy(ctx, "alice", "INBOX", []uint32{u1}, "INBOX")
	must(t, err)
	if len(same) != 1 || same[0] <= u2 || readAll(t, s, "alice", "INBOX", same[0]) != msg(1) {
		t.Fatalf("self copy %v", same)
	}
	src, dst, err = s.Move(ctx, "alice", "INBOX", []uint32{u1, u2}, "Trash")
	must(t, err)
	if !slices.Equal(src, []uint32{u1, u2}) || len(dst) != 2 {
		t.Fatalf("Move = %v %v", src, dst)
	}
	in, _ := s.List(ctx, "alice", "INBOX")
	tr, _ := s.List(ctx, "alice", "Trash")
	if len(in) != 1 || len(tr) != 2 {
		t.Fatalf("after move INBOX %d Trash %d", len(in), len(tr))
	}
	if readAll(t, s, "alice", "Trash", dst[0]) != msg(1) {
		t.Fatal("moved content differs")
	}
	q, _ := s.GetQuota(ctx, "alice")
	if q.MessagesUsed != 5 {
		t.Fatalf("usage after copy/move: %+v", q)
	}
	_, _, err = s.Copy(ctx, "alice", "INBOX", []uint32{same[0]}, "Nope")
	wantErr(t, err, mailbox.ErrNoSuchMailbox)
}

// drain collects events until n have arrived or a timeout passes.
func drain(t *testing.T, sub *mailbox.Subscription, n int) []mailbox.Event {
	t.Helper()
	var evs []mailbox.Event
	deadline := time.After(5 * time.Second)
	for len(evs) < n {
		select {
		case <-sub.Ready():
			evs = sub.Drain(evs)
		case <-deadline:
			t.Fatalf("got %d events, want %d: %+v", len(evs), n, evs)
		}
	}
	return evs
}

func testWatch(t *testing.T, s mailbox.Store) {
	newUser(t, s, "alice")
	sub, err := s.Watch(ctx, "alice", "INBOX")
	must(t, err)
	defer sub.Close()
	u1 := appendMsg(t, s, "alice", "INBOX", msg(1))
	_, err = s.StoreFlags(ctx, "alice", "INBOX", []uint32{u1}, mailbox.FlagsAdd, []string{`\Seen`}, 0)
	must(t, err)
	_, err = s.Expunge(ctx, "alice", "INBOX", []uint32{u1})
	must(t, err)
	evs := drain(t, sub, 3)
	kinds := []mailbox.EventKind{mailbox.EventAppend, mailbox.EventFlags, mailbox.EventExpunge}
	for i, e := range evs {
		if e.Kind != kinds[i] || e.UID != u1 || (i > 0 && e.ModSeq <= evs[i-1].ModSeq) {
			t.Fatalf("events %+v", evs)
		}
	}
	if !slices.Equal(evs[1].Flags, []string{`\Seen`}) {
		t.Fatalf("flag event %+v", evs[1])
	}
	// Overflow: a subscriber that never drains gets one marker, writers don't block.
	var wg sync.WaitGroup
	for g := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 22 {
				if _, err := s.Append(ctx, "alice", "INBOX", strings.NewReader(msg(g*100+i)), nil, time.Time{}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	evs = sub.Drain(nil)
	if len(evs) == 0 || evs[0].Kind != mailbox.EventOverflow {
		t.Fatalf("no overflow marker: %d events, first %+v", len(evs), evs[0])
	}
	// Deleting the mailbox ends the feed with EventGone.
	must(t, s.CreateMailbox(ctx, "alice", "Tmp", ""))
	sub2, err := s.Watch(ctx, "alice", "Tmp")
	must(t, err)
	defer sub2.Close()
	must(t, s.DeleteMailbox(ctx, "alice", "Tmp"))
	if evs := drain(t, sub2, 1); evs[0].Kind != mailbox.EventGone {
		t.Fatalf("got %+v", evs)
	}
	_, err = s.Watch(ctx, "alice", "Tmp")
	wantErr(t, err, mailbox.ErrNoSuchMailbox)
}

func testQuota(t *testing.T, s mailbox.Store) {
	newUser(t, s, "alice")
	appendMsg(t, s, "alice", "INBOX", msg(1))
	q, err := s.GetQuota(ctx, "alice")
	must(t, err)
	if q.MessagesUsed != 1 || q.StorageUsed != int64(len(msg(1))) || q.StorageLimit != 0 {
		t.Fatalf("quota %+v", q)
	}
	must(t, s.SetQuota(ctx, "alice", 1000, 3))
	appendMsg(t, s, "alice", "Sent", msg(2))
	_, err = s.Append(ctx, "alice", "INBOX", strings.NewReader(strings.Repeat("y", 1000)), nil, time.Time{})
	wantErr(t, err, mailbox.ErrOverQuota)
	uid := appendMsg(t, s, "alice", "INBOX", msg(3))
	_, err = s.Append(ctx, "alice", "INBOX", strings.NewReader(msg(4)), nil, time.Time{})
	wantErr(t, err, mailbox.ErrOverQuota) // message count
	_, _, err = s.Copy(ctx, "alice", "INBOX", []uint32{uid}, "Archive")
	wantErr(t, err, mailbox.ErrOverQuota)
	st, _ := s.Status(ctx, "alice", "INBOX")
	if st.Messages != 2 {
		t.Fatalf("refused message stored: %+v", st)
	}
	// Moving does not change usage; expunging frees it.
	_, _, err = s.Move(ctx, "alice", "INBOX", []uint32{uid}, "Archive")
	must(t, err)
	_, err = s.Expunge(ctx, "alice", "Archive", []uint32{1})
	must(t, err)
	q, _ = s.GetQuota(ctx, "alice")
	if q.MessagesUsed != 2 || q.MessageLimit != 3 || q.StorageLimit != 1000 {
		t.Fatalf("quota %+v", q)
	}
	appendMsg(t, s, "alice", "INBOX", msg(5))
}

func testMetadata(t *testing.T, s mailbox.Store) {
	newUser(t, s, "alice")
	must(t, s.SetMetadata(ctx, "alice", "", "/private/comment", []byte("hello")))
	must(t, s.SetMetadata(ctx, "alice", "Sent", "/shared/comment", []byte("sent mail")))
	m, err := s.GetMetadata(ctx, "alice", "")
	must(t, err)
	if string(m["/private/comment"]) != "hello" {
		t.Fatalf("server metadata %v", m)
	}
	m, _ = s.GetMetadata(ctx, "alice", "Sent")
	if string(m["/shared/comment"]) != "sent mail" || len(m) != 1 {
		t.Fatalf("mailbox metadata %v", m)
	}
	must(t, s.SetMetadata(ctx, "alice", "Sent", "/shared/comment", nil))
	m, _ = s.GetMetadata(ctx, "alice", "Sent")
	if len(m) != 0 {
		t.Fatalf("not deleted: %v", m)
	}
	wantErr(t, s.SetMetadata(ctx, "alice", "Nope", "/x", []byte("y")), mailbox.ErrNoSuchMailbox)
}

func testInvalidInput(t *testing.T, s mailbox.Store) {
	for _, bad := range []string{"", ".hidden", "a/b", "a+b", "with space", strings.Repeat("x", 65)} {
		if err := s.CreateUser(ctx, bad, "x"); !errors.Is(err, mailbox.ErrInvalidName) {
			t.Errorf("CreateUser(%q) = %v", bad, err)
		}
	}
	newUser(t, s, "alice")
	for _, bad := range []string{"", "/", "a//b", "a/", "/a", "a*b", "a%b", "tab\there", strings.Repeat("x", 256)} {
		if err := s.CreateMailbox(ctx, "alice", bad, ""); !errors.Is(err, mailbox.ErrInvalidName) {
			t.Errorf("CreateMailbox(%q) = %v", bad, err)
		}
	}
	wantErr(t, s.CreateMailbox(ctx, "alice", "X", `\Bogus`), mailbox.ErrInvalidName)
	_, err := s.Append(ctx, "alice", "INBOX", strings.NewReader("x"), []string{`\Bogus`}, time.Time{})
	wantErr(t, err, mailbox.ErrInvalidFlag)
}

// testAppendMany runs only for stores implementing mailbox.BatchAppender.
func testAppendMany(t *testing.T, s mailbox.Store) {
	ba, ok := s.(mailbox.BatchAppender)
	if !ok {
		t.Skip("store does not implement mailbox.BatchAppender")
	}
	newUser(t, s, "alice")
	sub, err := s.Watch(ctx, "alice", "INBOX")
	must(t, err)
	defer sub.Close()
	date := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	uids, err := ba.AppendMany(ctx, "alice", "INBOX", []mailbox.AppendMessage{
		{Body: strings.NewReader(msg(1)), Flags: []string{`\Seen`}},
		{Body: strings.NewReader(msg(2)), Flags: []string{"$Label"}, InternalDate: date},
		{Body: strings.NewReader(msg(3))},
	})
	must(t, err)
	if len(uids) != 3 || uids[0] >= uids[1] || uids[1] >= uids[2] {
		t.Fatalf("UIDs %v", uids)
	}
	list, _ := s.List(ctx, "alice", "INBOX")
	if len(list) != 3 || !slices.Equal(list[1].Flags, []string{"$Label"}) || !list[1].InternalDate.Equal(date) {
		t.Fatalf("list %+v", list)
	}
	if readAll(t, s, "alice", "INBOX", uids[2]) != msg(3) {
		t.Fatal("content differs")
	}
	if evs := drain(t, sub, 3); evs[2].UID != uids[2] {
		t.Fatalf("events %+v", evs)
	}
	// All or nothing.
	_, err = ba.AppendMany(ctx, "alice", "INBOX", []mailbox.AppendMessage{
		{Body: strings.NewReader(msg(4))},
		{Body: strings.NewReader(msg(5)), Flags: []string{`\Bogus`}},
	})
	wantErr(t, err, mailbox.ErrInvalidFlag)
	must(t, s.SetQuota(ctx, "alice", 0, 4))
	_, err = ba.AppendMany(ctx, "alice", "INBOX", []mailbox.AppendMessage{
		{Body: strings.NewReader(msg(6))},
		{Body: strings.NewReader(msg(7))},
	})
	wantErr(t, err, mailbox.ErrOverQuota)
	if st, _ := s.Status(ctx, "alice", "INBOX"); st.Messages != 3 {
		t.Fatalf("failed batches stored messages: %+v", st)
	}
}
