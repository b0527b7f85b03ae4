package mailbox

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMaildirSnapshotMapped opens a mailbox whose snapshot records are
// mapped (copy-on-write) and changes it: flag changes, appends and
// expunges must work on the mapped records, never write into the snapshot
// file, and be what the next open restores.
func TestMaildirSnapshotMapped(t *testing.T) {
	defer func(old, oldMap int64) { snapMin, mapMinBytes = old, oldMap }(snapMin, mapMinBytes)
	snapMin, mapMinBytes = 1, 1
	ctx := context.Background()
	dir := t.TempDir()
	open := func() *Maildir {
		s, err := OpenMaildir(dir, Options{Logger: discardLog{}})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	dump := func(s *Maildir) string {
		st, err := s.Status(ctx, "u", "INBOX")
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "next=%d hms=%d n=%d unseen=%d size=%d\n", st.UIDNext, st.HighestModSeq, st.Messages, st.Unseen, st.Size)
		list, err := s.List(ctx, "u", "INBOX")
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range list {
			fmt.Fprintf(&b, "%d %d %d %v\n", m.UID, m.ModSeq, m.Size, m.Flags)
		}
		return b.String()
	}
	s := open()
	s.CreateUser(ctx, "u", "p")
	for i := range 40 {
		flags := []string{}
		if i%4 == 0 {
			flags = append(flags, `\Seen`, "kw"+fmt.Sprint(i%3))
		}
		if _, err := s.Append(ctx, "u", "INBOX", strings.NewReader(strings.Repeat("m", i+1)), flags, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	want := dump(s)
	s.Close()
	snapMin = 1 << 40 // keep this snapshot: the changes below go to the log only
	snap := filepath.Join(dir, "u", "Maildir", snapName)
	orig, err := os.ReadFile(snap)
	if err != nil {
		t.Fatal(err)
	}

	maps := snapMaps.Load()
	s = open()
	if got := dump(s); got != want {
		t.Fatalf("mapped open:\n%s\nwant:\n%s", got, want)
	}
	if snapMaps.Load() != maps+1 {
		t.Fatal("the snapshot's records were not mapped")
	}
	if _, err := s.StoreFlags(ctx, "u", "INBOX", []uint32{1, 2, 39}, FlagsAdd, []string{`\Flagged`, "late"}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, "u", "INBOX", strings.NewReader("new"), nil, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Expunge(ctx, "u", "INBOX", []uint32{3, 4, 20}); err != nil {
		t.Fatal(err)
	}
	changed := dump(s)
	if changed == want {
		t.Fatal("changes not visible")
	}
	s.Close()
	if now, err := os.ReadFile(snap); err != nil || !bytes.Equal(now, orig) {
		t.Fatalf("in-memory changes reached the snapshot file (err %v)", err)
	}

	s = open()
	defer s.Close()
	if got := dump(s); got != changed {
		t.Fatalf("reopen after changes:\n%s\nwant:\n%s", got, changed)
	}
	if snapMaps.Load() != maps+2 {
		t.Fatal("the second open did not map the records")
	}
}
