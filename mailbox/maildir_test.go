package mailbox_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailwire/mailwire/mailbox"
)

func openMD(t *testing.T, dir string) *mailbox.Maildir {
	t.Helper()
	s, err := mailbox.OpenMaildir(dir, mailbox.Options{Logger: discardLogger{}, Analyze: func(r io.Reader) ([]byte, error) {
		b, err := io.ReadAll(r)
		return []byte("len=" + string(rune('0'+len(b)%10))), err
	}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func fill(t *testing.T, s mailbox.Store, n int) []mailbox.MessageInfo {
	t.Helper()
	ctx := context.Background()
	for i := range n {
		var flags []string
		if i%2 == 0 {
			flags = []string{`\Seen`}
		}
		if _, err := s.Append(ctx, "u", "INBOX", strings.NewReader(strings.Repeat("x", i+1)), flags, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.List(ctx, "u", "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	return list
}

func sameList(a, b []mailbox.MessageInfo) bool {
	return slices.EqualFunc(a, b, func(x, y mailbox.MessageInfo) bool {
		return x.UID == y.UID && x.Size == y.Size && slices.Equal(x.Flags, y.Flags)
	})
}

// A lost index is rebuilt from the Maildir with the same UIDVALIDITY, UIDs
// and system flags (the file names carry them).
func TestMaildirIndexLost(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openMD(t, dir)
	s.CreateUser(ctx, "u", "p")
	list := fill(t, s, 7)
	st, _ := s.Status(ctx, "u", "INBOX")
	s.Close()
	if err := os.Remove(filepath.Join(dir, "u", "Maildir", "mailwire.index")); err != nil {
		t.Fatal(err)
	}
	s = openMD(t, dir)
	defer s.Close()
	list2, err := s.List(ctx, "u", "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	st2, _ := s.Status(ctx, "u", "INBOX")
	if !sameList(list, list2) || st2.UIDValidity != st.UIDValidity || st2.UIDNext != st.UIDNext {
		t.Fatalf("rebuilt %+v %+v\nwant %+v %+v", list2, st2, list, st)
	}
	if c, _ := s.Cached(ctx, "u", "INBOX", list2[3].UID); string(c) != "len=4" {
		t.Fatalf("analysis not recomputed on rebuild: %q", c)
	}
}

// A torn or corrupt tail of the index is cut off and the messages it
// described are recovered from their files.
func TestMaildirIndexCorruptTail(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openMD(t, dir)
	s.CreateUser(ctx, "u", "p")
	list := fill(t, s, 5)
	s.Close()
	p := filepath.Join(dir, "u", "Maildir", "mailwire.index")
	data, _ := os.ReadFile(p)
	// Flip a byte inside the last record and add garbage.
	data[len(data)-3] ^= 0xff
	data = append(data, 1, 2, 3)
	os.WriteFile(p, data, 0o600)
	s = openMD(t, dir)
	defer s.Close()
	list2, _ := s.List(ctx, "u", "INBOX")
	if !sameList(list, list2) {
		t.Fatalf("after corrupt tail %+v, want %+v", list2, list)
	}
	uid, err := s.Append(ctx, "u", "INBOX", strings.NewReader("after"), nil, time.Time{})
	if err != nil || uid <= list[len(list)-1].UID {
		t.Fatalf("append after repair: %d %v", uid, err)
	}
}

// Two stores on one data directory (as two processes would) serialise on
// the index lock and see each other's messages.
func TestMaildirTwoProcesses(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	a := openMD(t, dir)
	defer a.Close()
	a.CreateUser(ctx, "u", "p")
	a.Status(ctx, "u", "INBOX")
	b := openMD(t, dir)
	defer b.Close()
	var wg sync.WaitGroup
	uids := make([][]uint32, 2)
	for i, s := range []mailbox.Store{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				uid, err := s.Append(ctx, "u", "INBOX", strings.NewReader("m"), nil, time.Time{})
				if err != nil {
					t.Error(err)
					return
				}
				uids[i] = append(uids[i], uid)
			}
		}()
	}
	wg.Wait()
	all := append(slices.Clone(uids[0]), uids[1]...)
	slices.Sort(all)
	if len(slices.Compact(all)) != 20 {
		t.Fatalf("UIDs collide across processes: %v", uids)
	}
	la, _ := a.List(ctx, "u", "INBOX")
	lb, _ := b.List(ctx, "u", "INBOX")
	if len(la) != 20 || !sameList(la, lb) {
		t.Fatalf("views differ: %d vs %d", len(la), len(lb))
	}
	// A flag change in one is seen by the other's feed.
	sub, _ := b.Watch(ctx, "u", "INBOX")
	defer sub.Close()
	a.StoreFlags(ctx, "u", "INBOX", []uint32{la[0].UID}, mailbox.FlagsAdd, []string{`\Flagged`}, 0)
	lb, _ = b.List(ctx, "u", "INBOX")
	if !slices.Equal(lb[0].Flags, []string{`\Flagged`}) {
		t.Fatalf("other process's flag change not seen: %v", lb[0].Flags)
	}
	evs := sub.Drain(nil)
	if len(evs) != 1 || evs[0].Kind != mailbox.EventFlags {
		t.Fatalf("events %+v", evs)
	}
}

// Compaction keeps state, caches and tombstones.
func TestMaildirCompaction(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openMD(t, dir)
	s.CreateUser(ctx, "u", "p")
	list := fill(t, s, 3)
	// Grow the log with flag records past the compaction threshold.
	defer mailbox.SetCompactThreshold(4096)()
	big := strings.Repeat("k", 200)
	for i := range 400 {
		op := mailbox.FlagsAdd
		if i%2 == 1 {
			op = mailbox.FlagsRemove
		}
		if _, err := s.StoreFlags(ctx, "u", "INBOX", []uint32{list[1].UID}, op, []string{big}, 0); err != nil {
			t.Fatal(err)
		}
	}
	s.Expunge(ctx, "u", "INBOX", []uint32{list[0].UID})
	st, _ := s.Status(ctx, "u", "INBOX")
	s.StoreFlags(ctx, "u", "INBOX", []uint32{list[2].UID}, mailbox.FlagsAdd, []string{"final"}, 0)
	fi, _ := os.Stat(filepath.Join(dir, "u", "Maildir", "mailwire.index"))
	if fi.Size() > 5000 {
		t.Fatalf("index not compacted: %d bytes", fi.Size())
	}
	s.Close()
	s = openMD(t, dir)
	defer s.Close()
	l2, _ := s.List(ctx, "u", "INBOX")
	if len(l2) != 2 || !slices.Equal(l2[1].Flags, []string{`\Seen`, "final"}) {
		t.Fatalf("after compaction %+v", l2)
	}
	if c, _ := s.Cached(ctx, "u", "INBOX", l2[0].UID); string(c) != "len=2" {
		t.Fatalf("cache lost in compaction: %q", c)
	}
	v, _ := s.VanishedSince(ctx, "u", "INBOX", st.HighestModSeq-1)
	if !slices.Equal(v, []uint32{list[0].UID}) {
		t.Fatalf("tombstones lost: %v", v)
	}
}

// A sync marker lets an open skip the directory scan while the Maildir is
// unchanged; any change by another program makes the next open scan.
func TestMaildirSyncMarker(t *testing.T) {
	defer mailbox.SetSyncTiming(time.Hour, 0)()
	ctx := context.Background()
	dir := t.TempDir()
	s := openMD(t, dir)
	s.CreateUser(ctx, "u", "p")
	list := fill(t, s, 3)
	mailbox.WriteSyncMarkers(s)
	s.Close()

	before := mailbox.ScanCount()
	s = openMD(t, dir)
	if l, _ := s.List(ctx, "u", "INBOX"); !sameList(l, list) {
		t.Fatalf("list %+v", l)
	}
	if mailbox.ScanCount() != before {
		t.Fatal("unchanged Maildir was scanned")
	}
	s.Close()

	// Another program marks a message as flagged.
	cur := filepath.Join(dir, "u", "Maildir", "cur")
	ents, _ := os.ReadDir(cur)
	name := ents[0].Name()
	if err := os.Rename(filepath.Join(cur, name), filepath.Join(cur, name+"F")); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(cur)
	os.Chtimes(cur, fi.ModTime(), fi.ModTime().Add(time.Second)) // mtimes are coarse: make the change visible
	s = openMD(t, dir)
	defer s.Close()
	l, _ := s.List(ctx, "u", "INBOX")
	if mailbox.ScanCount() == before {
		t.Fatal("changed Maildir not scanned")
	}
	flagged := 0
	for _, m := range l {
		if slices.Contains(m.Flags, `\Flagged`) {
			flagged++
		}
	}
	if flagged != 1 {
		t.Fatalf("external flag change not picked up: %+v", l)
	}
}

// A message file another program renamed (new/ → cur/ with flags, as a
// mail reader does) is still found by Open before any rescan.
func TestMaildirOpenAfterExternalRename(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openMD(t, dir)
	defer s.Close()
	s.CreateUser(ctx, "u", "p")
	uid, err := s.Append(ctx, "u", "INBOX", strings.NewReader("Subject: moved\r\n\r\n"), nil, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	md := filepath.Join(dir, "u", "Maildir")
	ents, _ := os.ReadDir(filepath.Join(md, "new"))
	if len(ents) != 1 {
		t.Fatalf("new/ has %d files", len(ents))
	}
	if err := os.Rename(filepath.Join(md, "new", ents[0].Name()), filepath.Join(md, "cur", ents[0].Name()+":2,S")); err != nil {
		t.Fatal(err)
	}
	r, err := s.Open(ctx, "u", "INBOX", uid)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	if string(b) != "Subject: moved\r\n\r\n" {
		t.Fatalf("read %q", b)
	}
	// Our own flag change still works on the renamed file.
	if _, err := s.StoreFlags(ctx, "u", "INBOX", []uint32{uid}, mailbox.FlagsAdd, []string{`\Flagged`}, 0); err != nil {
		t.Fatal(err)
	}
	mailbox.ApplyFlagRenames(s) // renames are deferred (maildir_pending.go)
	ents, _ = os.ReadDir(filepath.Join(md, "cur"))
	if len(ents) != 1 || !strings.HasSuffix(ents[0].Name(), ":2,F") {
		t.Fatalf("cur/ %v", ents)
	}
}

// When another process compacts the index (a new file renamed over the
// log), this one reloads it and tells its subscribers to resynchronise.
func TestMaildirCompactionByOtherProcess(t *testing.T) {
	defer mailbox.SetCompactThreshold(2048)()
	ctx := context.Background()
	dir := t.TempDir()
	a := openMD(t, dir)
	defer a.Close()
	a.CreateUser(ctx, "u", "p")
	list := fill(t, a, 3)
	b := openMD(t, dir)
	defer b.Close()
	sub, err := b.Watch(ctx, "u", "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	for i := range 150 {
		op := mailbox.FlagsAdd
		if i%2 == 1 {
			op = mailbox.FlagsRemove
		}
		if _, err := a.StoreFlags(ctx, "u", "INBOX", []uint32{list[0].UID}, op, []string{"toggle"}, 0); err != nil {
			t.Fatal(err)
		}
	}
	a.StoreFlags(ctx, "u", "INBOX", []uint32{list[1].UID}, mailbox.FlagsAdd, []string{`\Flagged`}, 0)
	lb, err := b.List(ctx, "u", "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	la, _ := a.List(ctx, "u", "INBOX")
	if !sameList(la, lb) || !slices.Contains(lb[1].Flags, `\Flagged`) {
		t.Fatalf("after compaction elsewhere:\n%+v\n%+v", lb, la)
	}
	if evs := sub.Drain(nil); len(evs) == 0 || evs[0].Kind != mailbox.EventOverflow {
		t.Fatalf("subscriber not told to resynchronise: %+v", evs)
	}
	// b can still write after the reload.
	if _, err := b.Append(ctx, "u", "INBOX", strings.NewReader("x"), nil, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if la, _ = a.List(ctx, "u", "INBOX"); len(la) != 4 {
		t.Fatalf("a sees %d messages", len(la))
	}
}
