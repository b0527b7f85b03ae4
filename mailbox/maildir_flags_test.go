package mailbox_test

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailwire/mailwire/mailbox"
)

// curNames lists the file names in a Maildir folder's cur/ and new/.
func curNames(t *testing.T, md string) []string {
	t.Helper()
	var out []string
	for _, sub := range []string{"cur", "new"} {
		ents, err := os.ReadDir(filepath.Join(md, sub))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			out = append(out, sub+"/"+e.Name())
		}
	}
	sort.Strings(out)
	return out
}

// infoOf returns the ":2," info of every file (sorted by name).
func infoOf(t *testing.T, md string) []string {
	t.Helper()
	var out []string
	for _, n := range curNames(t, md) {
		if i := strings.LastIndex(n, ":2,"); i >= 0 {
			out = append(out, n[i+3:])
		} else {
			out = append(out, "new")
		}
	}
	return out
}

func allInfo(info []string, want string) bool {
	for _, i := range info {
		if i != want {
			return false
		}
	}
	return len(info) > 0
}

// waitFor polls cond until it holds or 10 s pass (a condition, not a
// guess at how long a timer takes).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func uidsOf(l []mailbox.MessageInfo) []uint32 {
	out := make([]uint32, len(l))
	for i, m := range l {
		out[i] = m.UID
	}
	return out
}

// A STORE is durable in the index at once; the file renames follow later,
// and every message stays readable in between.
func TestFlagRenamesDeferredUntilClose(t *testing.T) {
	defer mailbox.SetSyncTiming(time.Hour, 0)()
	ctx := context.Background()
	dir := t.TempDir()
	md := filepath.Join(dir, "u", "Maildir")
	s := openMD(t, dir)
	s.CreateUser(ctx, "u", "p")
	list := fill(t, s, 4)
	mailbox.ApplyFlagRenames(s) // fill's appends carry flags already; start clean
	before := curNames(t, md)
	if _, err := s.StoreFlags(ctx, "u", "INBOX", uidsOf(list), mailbox.FlagsAdd, []string{`\Flagged`}, 0); err != nil {
		t.Fatal(err)
	}
	if got := curNames(t, md); !slices.Equal(got, before) {
		t.Fatalf("files renamed during STORE: %v", got)
	}
	if n := mailbox.PendingFlagRenames(s); n != 4 {
		t.Fatalf("%d pending renames, want 4", n)
	}
	for i, m := range list {
		r, err := s.Open(ctx, "u", "INBOX", m.UID)
		if err != nil {
			t.Fatalf("open with a pending rename: %v", err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		if string(b) != strings.Repeat("x", i+1) {
			t.Fatalf("read %q", b)
		}
	}
	l, _ := s.List(ctx, "u", "INBOX")
	for _, m := range l {
		if !slices.Contains(m.Flags, `\Flagged`) {
			t.Fatalf("flags %v", m.Flags)
		}
	}
	// Expunge and another STORE work on files whose rename is pending.
	if _, err := s.Expunge(ctx, "u", "INBOX", []uint32{list[0].UID}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StoreFlags(ctx, "u", "INBOX", []uint32{list[1].UID}, mailbox.FlagsAdd, []string{`\Answered`}, 0); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if got := infoOf(t, md); !slices.Equal(got, []string{"FR", "FS", "F"}) {
		t.Fatalf("after close the names carry %v", got)
	}
}

// The quiet-period timer applies pending renames by itself.
func TestFlagRenamesTimer(t *testing.T) {
	defer mailbox.SetSyncTiming(20*time.Millisecond, 0)()
	ctx := context.Background()
	dir := t.TempDir()
	md := filepath.Join(dir, "u", "Maildir")
	s := openMD(t, dir)
	defer s.Close()
	s.CreateUser(ctx, "u", "p")
	list := fill(t, s, 5)
	if _, err := s.StoreFlags(ctx, "u", "INBOX", uidsOf(list), mailbox.FlagsSet, []string{`\Deleted`}, 0); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the timer's renames", func() bool {
		return mailbox.PendingFlagRenames(s) == 0 && allInfo(infoOf(t, md), "T")
	})
}

// On a mailbox that never falls quiet the renames still happen, after
// renameMaxDelay.
func TestFlagRenamesBusyMailbox(t *testing.T) {
	defer mailbox.SetSyncTiming(time.Hour, 0)()
	defer mailbox.SetRenameMaxDelay(50 * time.Millisecond)()
	ctx := context.Background()
	dir := t.TempDir()
	md := filepath.Join(dir, "u", "Maildir")
	s := openMD(t, dir)
	defer s.Close()
	s.CreateUser(ctx, "u", "p")
	list := fill(t, s, 2)
	mailbox.ApplyFlagRenames(s)
	if _, err := s.StoreFlags(ctx, "u", "INBOX", []uint32{list[0].UID}, mailbox.FlagsSet, []string{`\Draft`}, 0); err != nil {
		t.Fatal(err)
	}
	i := 0
	waitFor(t, "renames on a busy mailbox", func() bool {
		i++
		op := mailbox.FlagsAdd
		if i%2 == 0 {
			op = mailbox.FlagsRemove
		}
		if _, err := s.StoreFlags(ctx, "u", "INBOX", []uint32{list[1].UID}, op, []string{`\Flagged`}, 0); err != nil {
			t.Fatal(err)
		}
		return infoOf(t, md)[0] == "D"
	})
}

// A process that dies with renames pending (the index record is durable,
// the file names are old) reopens with the index's flags, whatever was
// logged after the flag change, and finishes the renames.
func TestFlagRenamesCrash(t *testing.T) {
	for _, after := range []string{"nothing", "append", "expunge"} {
		t.Run(after, func(t *testing.T) {
			defer mailbox.SetSyncTiming(time.Hour, 0)()
			ctx := context.Background()
			dir := t.TempDir()
			md := filepath.Join(dir, "u", "Maildir")
			s := openMD(t, dir)
			s.CreateUser(ctx, "u", "p")
			list := fill(t, s, 6)
			mailbox.WriteSyncMarkers(s) // an 'S' marker before the change
			if _, err := s.StoreFlags(ctx, "u", "INBOX", uidsOf(list), mailbox.FlagsSet, []string{`\Flagged`, `\Answered`}, 0); err != nil {
				t.Fatal(err)
			}
			want := 6
			switch after {
			case "append":
				if _, err := s.Append(ctx, "u", "INBOX", strings.NewReader("late"), []string{`\Draft`}, time.Time{}); err != nil {
					t.Fatal(err)
				}
				want = 7
			case "expunge":
				if _, err := s.Expunge(ctx, "u", "INBOX", []uint32{list[5].UID}); err != nil {
					t.Fatal(err)
				}
				want = 5
			}
			if mailbox.PendingFlagRenames(s) == 0 {
				t.Fatal("no renames pending: the test tests nothing")
			}
			mailbox.AbandonMaildir(s)

			s2 := openMD(t, dir)
			l, err := s2.List(ctx, "u", "INBOX")
			if err != nil || len(l) != want {
				t.Fatalf("reopened: %d messages, %v", len(l), err)
			}
			for _, m := range l[:min(len(l), 5)] {
				if !slices.Equal(m.Flags, []string{`\Answered`, `\Flagged`}) {
					t.Fatalf("UID %d reopened with %v, want the acknowledged flags", m.UID, m.Flags)
				}
			}
			s2.Close()
			info := infoOf(t, md)
			if n := strings.Count(strings.Join(info, " "), "FR"); n != min(want, 6) {
				t.Fatalf("renames not finished on open: %v", info)
			}
		})
	}
}

// The same with an index snapshot written after the flag change: the
// snapshot keeps which messages changed since the last sync marker.
func TestFlagRenamesCrashAfterSnapshot(t *testing.T) {
	defer mailbox.SetSyncTiming(time.Hour, 0)()
	defer mailbox.SetSnapMin(1)()
	ctx := context.Background()
	dir := t.TempDir()
	s := openMD(t, dir)
	s.CreateUser(ctx, "u", "p")
	list := fill(t, s, 6)
	mailbox.WriteSyncMarkers(s)
	// Long keywords make the log grow past the snapshot threshold.
	flags := []string{`\Flagged`}
	for i := range 30 {
		flags = append(flags, strings.Repeat(string(rune('a'+i%26)), 200)+strconv.Itoa(i))
	}
	if _, err := s.StoreFlags(ctx, "u", "INBOX", uidsOf(list), mailbox.FlagsAdd, flags, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, "u", "INBOX", strings.NewReader("late"), nil, time.Time{}); err != nil {
		t.Fatal(err)
	}
	mailbox.AbandonMaildir(s)
	loads := mailbox.SnapshotLoads()
	s2 := openMD(t, dir)
	defer s2.Close()
	l, _ := s2.List(ctx, "u", "INBOX")
	if mailbox.SnapshotLoads() == loads {
		t.Fatal("no snapshot used: the test tests nothing")
	}
	for _, m := range l[:6] {
		if !slices.Contains(m.Flags, `\Flagged`) || len(m.Flags) < 31 {
			t.Fatalf("UID %d reopened with %d flags %v", m.UID, len(m.Flags), m.Flags[:min(3, len(m.Flags))])
		}
	}
}

// Another process sharing the Maildir reads, changes and expunges messages
// whose renames are pending in this one, and the names end up matching the
// last change.
func TestFlagRenamesTwoProcesses(t *testing.T) {
	defer mailbox.SetSyncTiming(time.Hour, 0)()
	ctx := context.Background()
	dir := t.TempDir()
	md := filepath.Join(dir, "u", "Maildir")
	a := openMD(t, dir)
	a.CreateUser(ctx, "u", "p")
	list := fill(t, a, 4)
	mailbox.ApplyFlagRenames(a)
	b := openMD(t, dir)
	if _, err := a.StoreFlags(ctx, "u", "INBOX", uidsOf(list), mailbox.FlagsSet, []string{`\Flagged`}, 0); err != nil {
		t.Fatal(err)
	}
	lb, _ := b.List(ctx, "u", "INBOX")
	for i, m := range lb {
		if !slices.Equal(m.Flags, []string{`\Flagged`}) {
			t.Fatalf("b sees %v", m.Flags)
		}
		r, err := b.Open(ctx, "u", "INBOX", m.UID)
		if err != nil {
			t.Fatalf("b cannot open a message whose rename is pending in a: %v", err)
		}
		if data, _ := io.ReadAll(r); string(data) != strings.Repeat("x", i+1) {
			t.Fatalf("b read %q", data)
		}
		r.Close()
	}
	// b changes one of them again and applies its renames first.
	if _, err := b.StoreFlags(ctx, "u", "INBOX", []uint32{list[0].UID}, mailbox.FlagsSet, []string{`\Seen`}, 0); err != nil {
		t.Fatal(err)
	}
	mailbox.ApplyFlagRenames(b)
	mailbox.ApplyFlagRenames(a)
	if _, err := a.StoreFlags(ctx, "u", "INBOX", []uint32{list[1].UID}, mailbox.FlagsAdd, []string{`\Draft`}, 0); err != nil {
		t.Fatal(err)
	}
	mailbox.ApplyFlagRenames(a)
	mailbox.ApplyFlagRenames(b)
	a.Close()
	b.Close()
	if got := infoOf(t, md); !slices.Equal(got, []string{"S", "DF", "F", "F"}) {
		t.Fatalf("names after both closed: %v", got)
	}
	s := openMD(t, dir)
	defer s.Close()
	l, _ := s.List(ctx, "u", "INBOX")
	if !slices.Equal(l[0].Flags, []string{`\Seen`}) || !slices.Equal(l[1].Flags, []string{`\Flagged`, `\Draft`}) {
		t.Fatalf("reopened: %+v", l)
	}
}

// Compaction applies pending renames first: the compacted log no longer
// says which names lag, so a crash after it must still find them right.
func TestFlagRenamesBeforeCompaction(t *testing.T) {
	defer mailbox.SetSyncTiming(time.Hour, 0)()
	defer mailbox.SetCompactThreshold(4096)()
	ctx := context.Background()
	dir := t.TempDir()
	s := openMD(t, dir)
	s.CreateUser(ctx, "u", "p")
	list := fill(t, s, 3)
	for i := range 300 {
		op := mailbox.FlagsAdd
		if i%2 == 1 {
			op = mailbox.FlagsRemove
		}
		if _, err := s.StoreFlags(ctx, "u", "INBOX", uidsOf(list), op, []string{`\Flagged`, strings.Repeat("k", 40)}, 0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.StoreFlags(ctx, "u", "INBOX", uidsOf(list), mailbox.FlagsSet, []string{`\Deleted`}, 0); err != nil {
		t.Fatal(err)
	}
	mailbox.AbandonMaildir(s)
	s2 := openMD(t, dir)
	defer s2.Close()
	l, _ := s2.List(ctx, "u", "INBOX")
	for _, m := range l {
		if !slices.Equal(m.Flags, []string{`\Deleted`}) {
			t.Fatalf("after compaction and a crash: %+v", l)
		}
	}
}

func sortedFlags(f []string) []string {
	s := slices.Clone(f)
	sort.Strings(s)
	return s
}

func removeIndex(t *testing.T, md string) {
	t.Helper()
	for _, n := range []string{"mailwire.index", "mailwire.snap"} {
		if err := os.Remove(filepath.Join(md, n)); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
}

// Keywords are in the file names (Dovecot's dovecot-keywords letters), so
// a rebuilt index has them back.
func TestKeywordsSurviveIndexRebuild(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	md := filepath.Join(dir, "u", "Maildir")
	s := openMD(t, dir)
	s.CreateUser(ctx, "u", "p")
	list := fill(t, s, 4)
	if _, err := s.StoreFlags(ctx, "u", "INBOX", uidsOf(list[:2]), mailbox.FlagsAdd, []string{"$Junk", "Work"}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StoreFlags(ctx, "u", "INBOX", uidsOf(list[1:3]), mailbox.FlagsAdd, []string{`\Flagged`, "$Forwarded"}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(ctx, "u", "INBOX", strings.NewReader("kw"), []string{"Invoice", "Work"}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StoreFlags(ctx, "u", "INBOX", uidsOf(list[:1]), mailbox.FlagsRemove, []string{"$Junk"}, 0); err != nil {
		t.Fatal(err)
	}
	want, _ := s.List(ctx, "u", "INBOX")
	s.Close()

	kw, err := os.ReadFile(filepath.Join(md, "dovecot-keywords"))
	if err != nil {
		t.Fatal(err)
	}
	if string(kw) != "0 $Junk\n1 Work\n2 $Forwarded\n3 Invoice\n" {
		t.Fatalf("dovecot-keywords:\n%s", kw)
	}
	if got := infoOf(t, md); !slices.Equal(got, []string{"Sb", "Fabc", "FSc", "bd", "new"}) {
		t.Fatalf("names carry %v", got)
	}

	removeIndex(t, md)
	s = openMD(t, dir)
	defer s.Close()
	got, _ := s.List(ctx, "u", "INBOX")
	if len(got) != len(want) {
		t.Fatalf("rebuilt %d messages, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].UID != want[i].UID || !slices.Equal(sortedFlags(got[i].Flags), sortedFlags(want[i].Flags)) {
			t.Fatalf("rebuilt UID %d flags %v, want UID %d %v", got[i].UID, got[i].Flags, want[i].UID, want[i].Flags)
		}
	}
	// Keywords keep their letters after the rebuild.
	if _, err := s.StoreFlags(ctx, "u", "INBOX", []uint32{want[3].UID}, mailbox.FlagsAdd, []string{"invoice", "New"}, 0); err != nil {
		t.Fatal(err)
	}
	mailbox.ApplyFlagRenames(s)
	if got := infoOf(t, md); got[3] != "de" {
		t.Fatalf("names after rebuild and STORE: %v", got)
	}
}

// A Maildir written by Dovecot (dovecot-keywords and letters) imports its
// keywords; changes made here keep Dovecot's letters.
func TestKeywordsImportDovecotMaildir(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	md := filepath.Join(dir, "u", "Maildir")
	s := openMD(t, dir)
	s.CreateUser(ctx, "u", "p")
	s.Close()
	removeIndex(t, md)
	files := map[string]string{
		"dovecot-keywords":                    "0 $Junk\n1 Work\n3 $Forwarded\nbad line\n30 Out\n",
		"cur/1700000000.M1P2.host,S=20:2,Sab": "Subject: a\n\nA\n",
		"cur/1700000001.M2P2.host:2,d":        "Subject: b\n\nB\n",
		"cur/1700000002.M3P2.host:2,FSc":      "Subject: c\n\nC\n", // letter c is not defined: ignored
		"new/1700000003.M4P2.host":            "Subject: d\n\nD\n",
	}
	for n, body := range files {
		if err := os.WriteFile(filepath.Join(md, n), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s = openMD(t, dir)
	l, err := s.List(ctx, "u", "INBOX")
	if err != nil || len(l) != 4 {
		t.Fatalf("imported %d, %v", len(l), err)
	}
	want := [][]string{{"$Junk", "Work", `\Seen`}, {"$Forwarded"}, {`\Flagged`, `\Seen`}, {}}
	for i, m := range l {
		if !slices.Equal(sortedFlags(m.Flags), sortedFlags(want[i])) {
			t.Fatalf("message %d imported with %v, want %v", i, m.Flags, want[i])
		}
	}
	if _, err := s.StoreFlags(ctx, "u", "INBOX", []uint32{l[0].UID}, mailbox.FlagsRemove, []string{"work"}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.StoreFlags(ctx, "u", "INBOX", []uint32{l[3].UID}, mailbox.FlagsAdd, []string{"Later", "$Forwarded"}, 0); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if got := infoOf(t, md); !slices.Equal(got, []string{"Sa", "d", "FS", "cd"}) {
		t.Fatalf("names %v", got)
	}
	kw, _ := os.ReadFile(filepath.Join(md, "dovecot-keywords"))
	if string(kw) != "0 $Junk\n1 Work\n2 Later\n3 $Forwarded\n" {
		t.Fatalf("dovecot-keywords:\n%s", kw)
	}
}

// Keywords past the 26 letters live in the index only.
func TestKeywordsBeyondLetters(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	md := filepath.Join(dir, "u", "Maildir")
	s := openMD(t, dir)
	s.CreateUser(ctx, "u", "p")
	list := fill(t, s, 1)
	var kws []string
	for i := range 28 {
		kws = append(kws, "k"+string(rune('A'+i/26))+string(rune('a'+i%26)))
	}
	if _, err := s.StoreFlags(ctx, "u", "INBOX", uidsOf(list), mailbox.FlagsAdd, kws, 0); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if got := infoOf(t, md); !slices.Equal(got, []string{"Sabcdefghijklmnopqrstuvwxyz"}) {
		t.Fatalf("names %v", got)
	}
	s = openMD(t, dir)
	l, _ := s.List(ctx, "u", "INBOX")
	if len(l[0].Flags) != 29 {
		t.Fatalf("reopened with %d flags", len(l[0].Flags))
	}
	s.Close()
	removeIndex(t, md)
	s = openMD(t, dir)
	defer s.Close()
	l, _ = s.List(ctx, "u", "INBOX")
	if len(l[0].Flags) != 27 || slices.Contains(l[0].Flags, "kBa") {
		t.Fatalf("rebuilt with %v", l[0].Flags)
	}
}

// Another Maildir program (Python's mailbox module) reading the folder
// while the store stays open sees a flag change once the timer applied its
// renames, keywords as dovecot-keywords letters included.
func TestFlagRenamesSeenByPythonWhileOpen(t *testing.T) {
	py := needPython(t)
	defer mailbox.SetSyncTiming(20*time.Millisecond, 0)()
	ctx := context.Background()
	dir := t.TempDir()
	s := openMD(t, dir)
	defer s.Close()
	s.CreateUser(ctx, "u", "p")
	list := fill(t, s, 2)
	if _, err := s.StoreFlags(ctx, "u", "INBOX", uidsOf(list), mailbox.FlagsAdd, []string{`\Flagged`, "$Important"}, 0); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the timer's renames", func() bool { return mailbox.PendingFlagRenames(s) == 0 })
	script := `
import mailbox, sys
md = mailbox.Maildir(sys.argv[1], factory=None, create=False)
print(" ".join(sorted(m.get_flags() for m in md)))
print(open(sys.argv[1] + "/dovecot-keywords").read().strip())
`
	out, err := exec.Command(py, "-c", script, filepath.Join(dir, "u", "Maildir")).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "FSa Fa\n0 $Important" {
		t.Fatalf("python sees:\n%s", got)
	}
}
