package mailbox_test

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mailwire/mailwire/mailbox"
)

func needPython(t *testing.T) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed: Maildir interop test skipped")
	}
	return py
}

// TestPythonReadsOurMaildir: Python's mailbox.Maildir reads what mailwire
// wrote, with the same flags, subjects and folders.
func TestPythonReadsOurMaildir(t *testing.T) {
	py := needPython(t)
	ctx := context.Background()
	dir := t.TempDir()
	s, err := mailbox.OpenMaildir(dir, mailbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.CreateUser(ctx, "alice", "pw"))
	add := func(box, subj string, flags ...string) uint32 {
		uid, err := s.Append(ctx, "alice", box, strings.NewReader("Subject: "+subj+"\r\n\r\nhello\r\n"), flags, time.Time{})
		must(err)
		return uid
	}
	add("INBOX", "new mail")
	add("INBOX", "seen", `\Seen`)
	u := add("INBOX", "later flagged", `\Seen`)
	_, err = s.StoreFlags(ctx, "alice", "INBOX", []uint32{u}, mailbox.FlagsAdd, []string{`\Flagged`, `\Answered`}, 0)
	must(err)
	must(s.CreateMailbox(ctx, "alice", "Lists/Go", ""))
	add("Lists/Go", "in folder", `\Draft`, `\Deleted`)
	must(s.Close())

	script := `
import json, mailbox, sys
md = mailbox.Maildir(sys.argv[1], factory=None, create=False)
def dump(m):
    return sorted([[msg['Subject'], msg.get_subdir(), msg.get_flags()] for msg in m])
go = mailbox.Maildir(sys.argv[1] + '/.Lists.Go', factory=None, create=False)
print(json.dumps({"inbox": dump(md), "folders": sorted(md.list_folders()), "go": dump(go)}))
`
	out, err := exec.Command(py, "-c", script, filepath.Join(dir, "alice", "Maildir")).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	var got struct {
		Inbox   [][]string
		Folders []string
		Go      [][]string
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	wantInbox := [][]string{{"later flagged", "cur", "FRS"}, {"new mail", "new", ""}, {"seen", "cur", "S"}}
	if !slices.EqualFunc(got.Inbox, wantInbox, slices.Equal) {
		t.Errorf("python sees INBOX %v, want %v", got.Inbox, wantInbox)
	}
	if !slices.Contains(got.Folders, "Lists.Go") || !slices.Contains(got.Folders, "Sent") {
		t.Errorf("python folders %v", got.Folders)
	}
	if !slices.EqualFunc(got.Go, [][]string{{"in folder", "cur", "DT"}}, slices.Equal) {
		t.Errorf("python sees Lists/Go %v", got.Go)
	}
}

// TestImportPythonMaildir: messages and folders written by Python's
// mailbox.Maildir are imported with their flags; bare-LF lines become CRLF.
func TestImportPythonMaildir(t *testing.T) {
	py := needPython(t)
	ctx := context.Background()
	dir := t.TempDir()
	s, err := mailbox.OpenMaildir(dir, mailbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateUser(ctx, "bob", "pw"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	script := `
import mailbox, sys
md = mailbox.Maildir(sys.argv[1], factory=None, create=False)
for subj, flags in [("one", ""), ("two", "S"), ("three", "FR"), ("four", "ST")]:
    m = mailbox.MaildirMessage("Subject: %s\n\nbody %s\n" % (subj, subj))
    if flags:
        m.set_subdir("cur")
        m.set_flags(flags)
    md.add(m)
f = md.add_folder("Lists")
m = mailbox.MaildirMessage("Subject: folder\n\nin a folder\n")
m.set_subdir("cur"); m.set_flags("D")
f.add(m)
`
	if out, err := exec.Command(py, "-c", script, filepath.Join(dir, "bob", "Maildir")).CombinedOutput(); err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	s, err = mailbox.OpenMaildir(dir, mailbox.Options{Logger: discardLogger{}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	list, err := s.List(ctx, "bob", "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, m := range list {
		r, err := s.Open(ctx, "bob", "INBOX", m.UID)
		if err != nil {
			t.Fatal(err)
		}
		b := make([]byte, m.Size)
		r.ReadAt(b, 0)
		r.Close()
		body := string(b)
		if strings.Contains(strings.ReplaceAll(body, "\r\n", ""), "\n") {
			t.Errorf("bare LF left in %q", body)
		}
		subj := strings.TrimPrefix(strings.SplitN(body, "\r\n", 2)[0], "Subject: ")
		got[subj] = m.Flags
	}
	want := map[string][]string{
		"one":   {},
		"two":   {`\Seen`},
		"three": {`\Answered`, `\Flagged`},
		"four":  {`\Seen`, `\Deleted`},
	}
	if len(got) != len(want) {
		t.Fatalf("imported %v", got)
	}
	for subj, f := range want {
		g := slices.Clone(got[subj])
		sort.Strings(g)
		sort.Strings(f)
		if !slices.Equal(g, f) {
			t.Errorf("%s: flags %v, want %v", subj, got[subj], f)
		}
	}
	boxes, _ := s.ListMailboxes(ctx, "bob")
	var names []string
	for _, b := range boxes {
		names = append(names, b.Name)
	}
	if !slices.Contains(names, "Lists") {
		t.Fatalf("folder not imported: %v", names)
	}
	fl, err := s.List(ctx, "bob", "Lists")
	if err != nil || len(fl) != 1 || !slices.Equal(fl[0].Flags, []string{`\Draft`}) {
		t.Fatalf("folder messages %+v %v", fl, err)
	}
	// UIDs survive a restart: the import is written to the index.
	s.Close()
	s2, err := mailbox.OpenMaildir(dir, mailbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	list2, _ := s2.List(ctx, "bob", "INBOX")
	if len(list2) != len(list) || list2[0].UID != list[0].UID {
		t.Fatalf("UIDs changed after restart: %+v vs %+v", list2, list)
	}
}
