package imapserver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFetchStructureGolden serves the real-world messages of package imap's
// golden table (ENVELOPE and BODYSTRUCTURE written from the RFC and checked
// by hand) and checks that FETCH sends exactly those values, from the
// cached structure and from a fresh parse.
func TestFetchStructureGolden(t *testing.T) {
	files, _ := filepath.Glob("../testdata/structure/*.eml")
	if len(files) < 30 {
		t.Fatalf("only %d golden messages", len(files))
	}
	ts := startServer(t, nil)
	for _, f := range files {
		msg, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ts.b.appendMsg("INBOX", string(msg))
	}
	c := ts.dial(t).login()
	c.selectBox("INBOX")
	for i, f := range files {
		golden, err := os.ReadFile(strings.TrimSuffix(f, ".eml") + ".golden")
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{}
		key := ""
		for _, l := range strings.Split(strings.TrimSpace(strings.ReplaceAll(string(golden), "\r\n", "\n")), "\n") {
			k, v, _ := strings.Cut(l, " ")
			switch k {
			case "RFC822.SIZE", "ENVELOPE", "BODY", "BODYSTRUCTURE":
				key = k
				want[k] = v
			default: // the rest of a literal
				want[key] += "\n" + l
			}
		}
		for _, cached := range []bool{true, false} {
			if !cached {
				// Drop the cache: the server parses the message itself.
				ts.b.mu.Lock()
				ts.b.boxes["INBOX"].msgs[i].blob = nil
				ts.b.mu.Unlock()
			}
			out := c.mustOK("f FETCH " + itoa(i+1) + " (RFC822.SIZE ENVELOPE BODY BODYSTRUCTURE)")
			got := strings.Join(out[:len(out)-1], "\n")
			for _, k := range []string{"RFC822.SIZE", "ENVELOPE", "BODY", "BODYSTRUCTURE"} {
				if !strings.Contains(got, k+" "+want[k]) {
					t.Errorf("%s (cached %v): %s\nwant %s\n got %s", filepath.Base(f), cached, k, want[k], got)
				}
			}
		}
	}
}

func itoa(n int) string { return string(appendUint(nil, uint64(n))) }
