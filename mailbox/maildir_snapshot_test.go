package mailbox_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailwire/mailwire/mailbox"
)

// dumpBox renders everything an open must restore: counters, every
// message's UID, MODSEQ, size, dates, flags and analysis blob, and the
// QRESYNC tombstones.
func dumpBox(t *testing.T, s mailbox.Store) string {
	t.Helper()
	ctx := context.Background()
	st, err := s.Status(ctx, "u", "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "uv=%d next=%d hms=%d n=%d unseen=%d del=%d size=%d\n",
		st.UIDValidity, st.UIDNext, st.HighestModSeq, st.Messages, st.Unseen, st.Deleted, st.Size)
	list, err := s.List(ctx, "u", "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list {
		blob, err := s.Cached(ctx, "u", "INBOX", m.UID)
		if err != nil {
			t.Fatalf("Cached(%d): %v", m.UID, err)
		}
		fmt.Fprintf(&b, "%d ms=%d sz=%d id=%s sd=%d %v %q\n", m.UID, m.ModSeq, m.Size,
			m.InternalDate.Format(time.RFC3339), m.SaveDate.Unix(), m.Flags, blob)
	}
	v, err := s.VanishedSince(ctx, "u", "INBOX", 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "vanished %v\n", v)
	return b.String()
}

// snapFixture builds an INBOX with appends, flag and keyword changes and
// expunges, written with snapshots after every change.
func snapFixture(t *testing.T) string {
	t.Helper()
	defer mailbox.SetSnapMin(1)()
	ctx := context.Background()
	dir := t.TempDir()
	s := openMD(t, dir)
	s.CreateUser(ctx, "u", "p")
	zone := time.FixedZone("", -5*3600)
	for i := range 30 {
		flags := []string{}
		if i%3 == 0 {
			flags = append(flags, `\Seen`, "$Label"+fmt.Sprint(i%2))
		}
		if _, err := s.Append(ctx, "u", "INBOX", strings.NewReader(strings.Repeat("y", i+5)), flags,
			time.Date(2024, 1, 2, 3, 4, i, 0, zone)); err != nil {
			t.Fatal(err)
		}
	}
	s.StoreFlags(ctx, "u", "INBOX", []uint32{2, 3, 4}, mailbox.FlagsAdd, []string{`\Flagged`, "Work"}, 0)
	s.Expunge(ctx, "u", "INBOX", []uint32{5, 6})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(snapPath(dir)); err != nil {
		t.Fatalf("no snapshot written: %v", err)
	}
	return dir
}

func snapPath(dir string) string { return filepath.Join(dir, "u", "Maildir", "mailwire.snap") }

// fullReplay is what an open without the snapshot sees.
func fullReplay(t *testing.T, dir string) string {
	t.Helper()
	cp := t.TempDir()
	if err := os.CopyFS(cp, os.DirFS(dir)); err != nil {
		t.Fatal(err)
	}
	os.Remove(snapPath(cp))
	defer mailbox.SetSnapMin(1 << 40)()
	s := openMD(t, cp)
	defer s.Close()
	return dumpBox(t, s)
}

// openDump opens dir and reports its state and whether a snapshot was used.
func openDump(t *testing.T, dir string) (string, bool) {
	t.Helper()
	before := mailbox.SnapshotLoads()
	s := openMD(t, dir)
	defer s.Close()
	d := dumpBox(t, s)
	return d, mailbox.SnapshotLoads() > before
}

func TestMaildirSnapshotOpen(t *testing.T) {
	dir := snapFixture(t)
	want := fullReplay(t, dir)
	got, used := openDump(t, dir)
	if !used {
		t.Fatal("open did not use the snapshot")
	}
	if got != want {
		t.Fatalf("snapshot open differs from a full replay:\n%s\nwant:\n%s", got, want)
	}
}

// A torn or corrupt snapshot is ignored: the log is replayed.
func TestMaildirSnapshotTorn(t *testing.T) {
	dir := snapFixture(t)
	want := fullReplay(t, dir)
	orig, err := os.ReadFile(snapPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	damage := map[string][]byte{
		"empty":     {},
		"magic":     orig[:5],
		"header":    orig[:40],
		"half":      orig[:len(orig)/2],
		"last byte": orig[:len(orig)-1],
		"trailing":  append(append([]byte(nil), orig...), 0),
		"flipped":   flip(orig, len(orig)*2/3),
		"zeros":     make([]byte, len(orig)),
	}
	for name, data := range damage {
		t.Run(name, func(t *testing.T) {
			defer mailbox.SetSnapMin(1 << 40)() // keep the damaged file
			if err := os.WriteFile(snapPath(dir), data, 0o600); err != nil {
				t.Fatal(err)
			}
			got, used := openDump(t, dir)
			if used {
				t.Fatal("a damaged snapshot was used")
			}
			if got != want {
				t.Fatalf("state after a damaged snapshot:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func flip(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 0x40
	return c
}

// A snapshot older than the log (changes made since, by this process or
// another, without a new snapshot) is used for its prefix and the rest of
// the log is replayed.
func TestMaildirSnapshotOlderThanLog(t *testing.T) {
	dir := snapFixture(t)
	ctx := context.Background()
	func() {
		defer mailbox.SetSnapMin(1 << 40)() // no new snapshot
		s := openMD(t, dir)
		defer s.Close()
		for i := range 5 {
			if _, err := s.Append(ctx, "u", "INBOX", strings.NewReader(fmt.Sprint("late ", i)), []string{"Late"}, time.Time{}); err != nil {
				t.Fatal(err)
			}
		}
		s.StoreFlags(ctx, "u", "INBOX", []uint32{1, 31}, mailbox.FlagsSet, []string{`\Answered`}, 0)
		s.Expunge(ctx, "u", "INBOX", []uint32{7})
	}()
	want := fullReplay(t, dir)
	if !strings.Contains(want, "[Late]") {
		t.Fatalf("fixture lacks the late appends:\n%s", want)
	}
	got, used := openDump(t, dir)
	if !used {
		t.Fatal("the older snapshot was not used")
	}
	if got != want {
		t.Fatalf("snapshot + tail differs from a full replay:\n%s\nwant:\n%s", got, want)
	}
}

// Another process appends after this one opened (from a snapshot): this
// one sees the change, and a third open (snapshot + tail) agrees.
func TestMaildirSnapshotOtherProcessAppends(t *testing.T) {
	dir := snapFixture(t)
	ctx := context.Background()
	defer mailbox.SetSnapMin(1 << 40)()
	a := openMD(t, dir)
	defer a.Close()
	if _, err := a.Status(ctx, "u", "INBOX"); err != nil {
		t.Fatal(err)
	}
	b := openMD(t, dir)
	defer b.Close()
	uid, err := b.Append(ctx, "u", "INBOX", strings.NewReader("from b"), []string{"FromB"}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if d := dumpBox(t, a); !strings.Contains(d, fmt.Sprintf("\n%d ", uid)) {
		t.Fatalf("the other process's append is not seen:\n%s", d)
	}
	want := fullReplay(t, dir)
	got, used := openDump(t, dir)
	if !used || got != want {
		t.Fatalf("used=%v\n%s\nwant:\n%s", used, got, want)
	}
	if da := dumpBox(t, a); da != want {
		t.Fatalf("first process's view:\n%s\nwant:\n%s", da, want)
	}
}

// A log compacted by another process after the snapshot was written
// (a new log generation) makes the old snapshot stale: it is not used.
func TestMaildirSnapshotAfterOtherCompaction(t *testing.T) {
	dir := snapFixture(t)
	old, err := os.ReadFile(snapPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	idx := filepath.Join(dir, "u", "Maildir", "mailwire.index")
	before, _ := os.Stat(idx)
	func() {
		defer mailbox.SetCompactThreshold(2048)()
		s := openMD(t, dir)
		defer s.Close()
		for i := range 150 {
			op := mailbox.FlagsAdd
			if i%2 == 1 {
				op = mailbox.FlagsRemove
			}
			s.StoreFlags(ctx, "u", "INBOX", []uint32{1}, op, []string{"toggle"}, 0)
		}
		s.StoreFlags(ctx, "u", "INBOX", []uint32{1}, mailbox.FlagsAdd, []string{`\Draft`}, 0)
	}()
	if after, _ := os.Stat(idx); os.SameFile(before, after) {
		t.Fatal("the index was not compacted")
	}
	want := fullReplay(t, dir)
	defer mailbox.SetSnapMin(1 << 40)()
	if err := os.WriteFile(snapPath(dir), old, 0o600); err != nil {
		t.Fatal(err)
	}
	got, used := openDump(t, dir)
	if used {
		t.Fatal("a snapshot of the log before compaction was used")
	}
	if got != want {
		t.Fatalf("\n%s\nwant:\n%s", got, want)
	}
}

// An index written by the previous version ('V' record without a log
// generation, no snapshot) opens by a full replay; the open writes a
// snapshot that the next open uses.
func TestMaildirSnapshotOldFormatIndex(t *testing.T) {
	dir := snapFixture(t)
	want := fullReplay(t, dir)
	idx := filepath.Join(dir, "u", "Maildir", "mailwire.index")
	downgradeIndex(t, idx)
	os.Remove(snapPath(dir))
	restore := mailbox.SetSnapMin(1)
	got, used := openDump(t, dir)
	restore()
	if used || got != want {
		t.Fatalf("old-format open: used=%v\n%s\nwant:\n%s", used, got, want)
	}
	if _, err := os.Stat(snapPath(dir)); err != nil {
		t.Fatalf("no snapshot after opening an old-format index: %v", err)
	}
	got, used = openDump(t, dir)
	if !used || got != want {
		t.Fatalf("second open: used=%v\n%s\nwant:\n%s", used, got, want)
	}
}

// downgradeIndex rewrites a log as the previous version wrote it: 'V'
// records without the generation.
func downgradeIndex(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const magic = "MWIDX\x00\x01\n"
	le := binary.LittleEndian
	out := []byte(magic)
	r := bufio.NewReader(strings.NewReader(string(data[len(magic):])))
	for {
		var hdr [8]byte
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			break
		}
		p := make([]byte, le.Uint32(hdr[:4]))
		if _, err := io.ReadFull(r, p); err != nil {
			t.Fatal(err)
		}
		if p[0] == 'V' && len(p) == 25 {
			p = p[:17]
		}
		out = le.AppendUint32(out, uint32(len(p)))
		out = le.AppendUint32(out, crc32.Checksum(p, crc32.MakeTable(crc32.Castagnoli)))
		out = append(out, p...)
	}
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
}
