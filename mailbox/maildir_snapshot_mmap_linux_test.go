package mailbox

import (
	"bytes"
	"context"
	"fmt"
	"io"
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
	open := func() *Maildir { return openMapped(t, dir) }
	dump := func(s *Maildir) string { return dumpMapped(t, s) }
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
	snap := filepath.Join(dir, "u", "Maildir", snapName)
	orig, err := os.ReadFile(snap)
	if err != nil {
		t.Fatal(err)
	}

	// The mapped file, as an open file: a close may replace the snapshot
	// (rename), and what must never change is this inode's content.
	mappedFile, err := os.Open(snap)
	if err != nil {
		t.Fatal(err)
	}
	defer mappedFile.Close()
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
	if now, err := io.ReadAll(mappedFile); err != nil || !bytes.Equal(now, orig) {
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

// lazyFixture writes a mailbox of 40 messages (no expunges, so no
// tombstones) whose snapshot is mapped and opened lazily, and returns the
// directory and the snapshot's path.
func lazyFixture(t *testing.T) (dir, snap string) {
	t.Helper()
	ctx := context.Background()
	dir = t.TempDir()
	s, err := OpenMaildir(dir, Options{Logger: discardLog{}})
	if err != nil {
		t.Fatal(err)
	}
	s.CreateUser(ctx, "u", "p")
	for i := range 40 {
		flags := []string{}
		if i%4 == 0 {
			flags = append(flags, `\Seen`, "kw"+fmt.Sprint(i%3))
		}
		if i%5 == 0 {
			flags = append(flags, `\Flagged`)
		}
		if _, err := s.Append(ctx, "u", "INBOX", strings.NewReader(strings.Repeat("m", i+1)), flags, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()
	return dir, filepath.Join(dir, "u", "Maildir", snapName)
}

// TestMaildirSnapshotLazy: a mapped snapshot serves Status and the SELECT
// arrays without checking the message records; the first use of the
// records checks them; damaged records found then, or damaged columns
// found at open, cost a replay of the log and nothing else.
func TestMaildirSnapshotLazy(t *testing.T) {
	defer func(old, oldMap int64) { snapMin, mapMinBytes = old, oldMap }(snapMin, mapMinBytes)
	snapMin, mapMinBytes = 1, 1
	// A settled Maildir (sync marker written at close): an open needs no
	// directory scan, which would read the records.
	defer SetSyncTiming(time.Hour, 0)()
	ctx := context.Background()
	dir, snap := lazyFixture(t)
	orig, err := os.ReadFile(snap)
	if err != nil {
		t.Fatal(err)
	}
	open := func(dir string) *Maildir { return openMapped(t, dir) }
	dump := func(s *Maildir) string { return dumpMapped(t, s) }
	selectArrays := func(s *Maildir) string {
		sn, err := s.Snapshot(ctx, "u", "INBOX")
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for i, u := range sn.UIDs {
			fmt.Fprintf(&b, "%d %d %v\n", u, sn.ModSeqs[i], sn.FlagSets[sn.FlagIDs[i]])
		}
		return b.String()
	}
	s := open(dir)
	want, wantSel := dump(s), selectArrays(s)
	s.Close()
	if err := os.WriteFile(snap, orig, 0o600); err != nil { // as the fixture wrote it
		t.Fatal(err)
	}

	t.Run("select does not check the records", func(t *testing.T) {
		s := open(dir)
		defer s.Close()
		v0, l0 := recVerifies.Load(), snapLoads.Load()
		if got := selectArrays(s); got != wantSel {
			t.Fatalf("SELECT arrays:\n%s\nwant:\n%s", got, wantSel)
		}
		if st, err := s.Status(ctx, "u", "INBOX"); err != nil || st.Messages != 40 {
			t.Fatalf("status %+v %v", st, err)
		}
		if recVerifies.Load() != v0 || snapLoads.Load() != l0+1 {
			t.Fatalf("SELECT checked the records (%d checks) or did not use the snapshot (%d loads)", recVerifies.Load()-v0, snapLoads.Load()-l0)
		}
		if got := dump(s); got != want {
			t.Fatalf("after the lazy open:\n%s\nwant:\n%s", got, want)
		}
		if recVerifies.Load() != v0+1 {
			t.Fatal("List did not check the records first")
		}
	})

	// settledCopy copies dir; opening and closing the copy once writes a
	// snapshot for its own index file (the copy's inode) and a sync
	// marker for its directories, so that its next open is lazy.
	settledCopy := func(t *testing.T) (cp, cpSnap string, snapBytes []byte) {
		t.Helper()
		cp = t.TempDir()
		if err := os.CopyFS(cp, os.DirFS(dir)); err != nil {
			t.Fatal(err)
		}
		s := open(cp)
		if got := dump(s); got != want {
			t.Fatalf("copy:\n%s\nwant:\n%s", got, want)
		}
		s.Close()
		cpSnap = filepath.Join(cp, "u", "Maildir", snapName)
		snapBytes, err := os.ReadFile(cpSnap)
		if err != nil {
			t.Fatal(err)
		}
		return cp, cpSnap, snapBytes
	}
	damage := func(t *testing.T, off func(recOff int) int) string {
		t.Helper()
		cp, cpSnap, b := settledCopy(t)
		recOff := len(b) - 4*4 - 40*(recSize+colSize)
		if err := os.WriteFile(cpSnap, flipByte(b, off(recOff)), 0o600); err != nil {
			t.Fatal(err)
		}
		return cp
	}
	t.Run("damaged records", func(t *testing.T) {
		cp := damage(t, func(recOff int) int { return recOff + 56*7 + 9 }) // message 8's MODSEQ
		s := open(cp)
		v0 := recVerifies.Load()
		if got := selectArrays(s); got != wantSel {
			t.Fatalf("SELECT arrays (from the intact columns):\n%s\nwant:\n%s", got, wantSel)
		}
		if got := dump(s); got != want {
			t.Fatalf("after damaged records:\n%s\nwant:\n%s", got, want)
		}
		if recVerifies.Load() != v0+1 {
			t.Fatal("the records were not checked")
		}
		s.Close()
		// The log was replayed and a sound snapshot written in its place.
		s = open(cp)
		defer s.Close()
		if got := dump(s); got != want {
			t.Fatalf("reopened:\n%s\nwant:\n%s", got, want)
		}
		if recVerifies.Load() != v0+2 {
			t.Fatal("the rewritten snapshot was not opened lazily")
		}
	})
	t.Run("damaged columns", func(t *testing.T) {
		cp := damage(t, func(recOff int) int { return recOff + 40*recSize + 40*8 + 4*3 }) // message 4's UID
		l0 := snapLoads.Load()
		s := open(cp)
		defer s.Close()
		if got, gotSel := dump(s), selectArrays(s); got != want || gotSel != wantSel {
			t.Fatalf("after damaged columns:\n%s%s\nwant:\n%s%s", got, gotSel, want, wantSel)
		}
		if snapLoads.Load() != l0 {
			t.Fatal("a snapshot with damaged columns was used")
		}
	})
	t.Run("another process appends", func(t *testing.T) {
		cp, _, _ := settledCopy(t)
		a := open(cp) // lazily opened, then only Status and SELECT arrays
		defer a.Close()
		v0 := recVerifies.Load()
		if got := selectArrays(a); got != wantSel {
			t.Fatalf("SELECT arrays:\n%s\nwant:\n%s", got, wantSel)
		}
		other := open(cp) // another store on the same Maildir: another process's view
		uid, err := other.Append(ctx, "u", "INBOX", strings.NewReader("Subject: late\r\n\r\nx\r\n"), nil, time.Time{})
		other.Close()
		if err != nil {
			t.Fatal(err)
		}
		v1 := recVerifies.Load()
		list, err := a.List(ctx, "u", "INBOX")
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 41 || list[40].UID != uid {
			t.Fatalf("after another process's append: %d messages, last %v", len(list), list[len(list)-1])
		}
		if recVerifies.Load() != v1+1 || v1 < v0 {
			t.Fatal("the lazily opened records were not checked before the other process's records were replayed onto them")
		}
	})
	t.Run("log tail", func(t *testing.T) {
		cp, cpSnap, orig := settledCopy(t)
		s := open(cp)
		if _, err := s.StoreFlags(ctx, "u", "INBOX", []uint32{3}, FlagsAdd, []string{`\Answered`}, 0); err != nil {
			t.Fatal(err)
		}
		changed := dump(s)
		s.Close()
		if now, _ := os.ReadFile(cpSnap); bytes.Equal(now, orig) {
			t.Fatal("no snapshot written at close")
		}
		// The snapshot from before the change, and the change in the
		// log after it: what a crash before the close leaves.
		os.WriteFile(cpSnap, orig, 0o600)
		v0 := recVerifies.Load()
		s = open(cp)
		defer s.Close()
		if _, err := s.Status(ctx, "u", "INBOX"); err != nil {
			t.Fatal(err)
		}
		if recVerifies.Load() != v0+1 {
			t.Fatal("the records were not checked before the log tail was replayed onto them")
		}
		if got := dump(s); got != changed {
			t.Fatalf("snapshot + tail:\n%s\nwant:\n%s", got, changed)
		}
	})
}

func flipByte(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 0x40
	return c
}

func openMapped(t *testing.T, dir string) *Maildir {
	t.Helper()
	s, err := OpenMaildir(dir, Options{Logger: discardLog{}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// dumpMapped renders INBOX's counters and messages.
func dumpMapped(t *testing.T, s *Maildir) string {
	t.Helper()
	ctx := context.Background()
	st, err := s.Status(ctx, "u", "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "next=%d hms=%d n=%d unseen=%d del=%d size=%d\n", st.UIDNext, st.HighestModSeq, st.Messages, st.Unseen, st.Deleted, st.Size)
	list, err := s.List(ctx, "u", "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list {
		fmt.Fprintf(&b, "%d %d %d %v\n", m.UID, m.ModSeq, m.Size, m.Flags)
	}
	return b.String()
}
