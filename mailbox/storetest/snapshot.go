package storetest

import (
	"slices"
	"testing"

	"github.com/mailwire/mailwire/mailbox"
)

// testSnapshot checks mailbox.Snapshotter (for stores that implement it)
// against Status and List: the same messages, MODSEQs, flags and
// counters; an unchanged mailbox hands out the same arrays again; any
// change gives a new snapshot and leaves the old one as it was.
func testSnapshot(t *testing.T, s mailbox.Store) {
	ss, ok := s.(mailbox.Snapshotter)
	if !ok {
		t.Skip("store is not a mailbox.Snapshotter")
	}
	newUser(t, s, "alice")
	if _, err := ss.Snapshot(ctx, "alice", "nope"); err == nil {
		t.Fatal("Snapshot of a missing mailbox succeeded")
	}
	empty, err := ss.Snapshot(ctx, "alice", "INBOX")
	must(t, err)
	if len(empty.UIDs) != 0 || empty.Status.Messages != 0 {
		t.Fatalf("empty INBOX snapshot %+v", empty)
	}
	appendMsg(t, s, "alice", "INBOX", "one")
	u2 := appendMsg(t, s, "alice", "INBOX", "two", `\Seen`)
	appendMsg(t, s, "alice", "INBOX", "three", `\Seen`, "$Work")
	u4 := appendMsg(t, s, "alice", "INBOX", "four", `\Flagged`)
	_, err = s.Expunge(ctx, "alice", "INBOX", []uint32{u2})
	must(t, err)

	check := func(snap *mailbox.MailboxSnapshot) {
		t.Helper()
		list, err := s.List(ctx, "alice", "INBOX")
		must(t, err)
		st, err := s.Status(ctx, "alice", "INBOX")
		must(t, err)
		n := len(list)
		if len(snap.UIDs) != n || len(snap.ModSeqs) != n || len(snap.FlagIDs) != n {
			t.Fatalf("snapshot has %d/%d/%d entries, List %d", len(snap.UIDs), len(snap.ModSeqs), len(snap.FlagIDs), n)
		}
		for i, m := range list {
			if snap.UIDs[i] != m.UID || snap.ModSeqs[i] != m.ModSeq {
				t.Fatalf("message %d: snapshot UID %d MODSEQ %d, List %d %d", i, snap.UIDs[i], snap.ModSeqs[i], m.UID, m.ModSeq)
			}
			if int(snap.FlagIDs[i]) >= len(snap.FlagSets) || !slices.Equal(snap.FlagSets[snap.FlagIDs[i]], m.Flags) {
				t.Fatalf("message %d: snapshot flags differ from List's %v", m.UID, m.Flags)
			}
		}
		got := snap.Status
		if got.Messages != st.Messages || got.UIDNext != st.UIDNext || got.UIDValidity != st.UIDValidity ||
			got.HighestModSeq != st.HighestModSeq || got.Unseen != st.Unseen || got.Deleted != st.Deleted ||
			got.Size != st.Size || got.Name != st.Name {
			t.Fatalf("snapshot status %+v, Status %+v", got, st)
		}
	}
	a, err := ss.Snapshot(ctx, "alice", "INBOX")
	must(t, err)
	check(a)
	b, err := ss.Snapshot(ctx, "alice", "INBOX")
	must(t, err)
	check(b)
	if len(a.UIDs) > 0 && &a.UIDs[0] != &b.UIDs[0] {
		t.Error("an unchanged mailbox did not share its snapshot arrays")
	}
	keep := slices.Clone(a.UIDs)
	keepFlags := slices.Clone(a.FlagSets[a.FlagIDs[len(a.FlagIDs)-1]])

	_, err = s.StoreFlags(ctx, "alice", "INBOX", []uint32{u4}, mailbox.FlagsAdd, []string{`\Deleted`}, 0)
	must(t, err)
	appendMsg(t, s, "alice", "INBOX", "five")
	c, err := ss.Snapshot(ctx, "alice", "INBOX")
	must(t, err)
	check(c)
	if !slices.Equal(a.UIDs, keep) || !slices.Equal(a.FlagSets[a.FlagIDs[len(a.FlagIDs)-1]], keepFlags) {
		t.Fatal("a change modified an earlier snapshot")
	}
	if len(c.UIDs) != len(a.UIDs)+1 {
		t.Fatalf("after an append: %d messages, before %d", len(c.UIDs), len(a.UIDs))
	}
}
