package imapclient_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mailwire/mailwire/imap"
	"github.com/mailwire/mailwire/imap/imapclient"
)

// appendSortMailbox appends imap/testdata/sortthread/mailbox.txt (the
// test mailbox of package imap's SORT/THREAD tests) to INBOX.
func appendSortMailbox(t *testing.T, c *imapclient.Client) {
	t.Helper()
	data, err := os.ReadFile("../testdata/sortthread/mailbox.txt")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(string(data), "\n=== ")
	for _, p := range parts[1:] {
		head, body, _ := strings.Cut(p, "\n")
		f := strings.Fields(head)
		d, err := time.Parse(time.RFC3339, f[1])
		if err != nil {
			t.Fatal(err)
		}
		msg := strings.ReplaceAll(body, "\n", "\r\n")
		if _, err := c.Append("INBOX", int64(len(msg)), strings.NewReader(msg), &imapclient.AppendOptions{Time: d}).Wait(); err != nil {
			t.Fatal(err)
		}
	}
}

// The client's SORT and THREAD against the module's server over the
// mailbox store; the expected orderings are those of
// imap/testdata/sortthread/expected.txt.
func TestSortThreadAgainstServer(t *testing.T) {
	addr := startServer(t)
	c := login(t, addr, nil)
	if _, err := c.Capability().Wait(); err != nil {
		t.Fatal(err)
	}
	for _, cp := range []string{"SORT", "SORT=DISPLAY", "THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES", "ESORT"} {
		if !c.HasCap(cp) {
			t.Fatalf("server does not announce %s", cp)
		}
	}
	appendSortMailbox(t, c)
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	nums, err := c.Sort([]imap.SortCriterion{{Key: imap.SortDate}}, &imap.SearchCriteria{SeqNum: []imap.SeqSet{{{Start: 30, Stop: 36}}}}, nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(nums); got != "[30 31 32 33 34 36 35]" {
		t.Errorf("SORT (DATE) 30:36: %s", got)
	}
	uids, err := c.UIDSort([]imap.SortCriterion{{Key: imap.SortSubject}, {Key: imap.SortDate}}, &imap.SearchCriteria{SeqNum: []imap.SeqSet{{{Start: 1, Stop: 6}}}}, nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(uids); got != "[5 1 2 3 4 6]" { // UIDs equal sequence numbers here
		t.Errorf("UID SORT (SUBJECT DATE) 1:6: %s", got)
	}
	es := c.Sort([]imap.SortCriterion{{Key: imap.SortDate, Reverse: true}}, nil, &imapclient.SortOptions{ReturnMin: true, ReturnMax: true, ReturnCount: true})
	if _, err := es.Wait(); err != nil {
		t.Fatal(err)
	}
	if d := es.ESearch(); d == nil || d.Min != 58 || d.Max != 5 || d.Count == nil || *d.Count != 58 {
		t.Errorf("ESORT: %+v", d)
	}
	th, err := c.Thread(imap.ThreadReferences, &imap.SearchCriteria{SeqNum: []imap.SeqSet{{{Start: 2, Stop: 6}}}}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if got := imap.FormatThreads(th); got != "((5)(2 3)(4)(6))" {
		t.Errorf("THREAD REFERENCES 2:6: %s", got)
	}
	// The whole mailbox, by UID, as expected.txt has it (UIDs equal
	// sequence numbers here).
	th, err = c.UIDThread(imap.ThreadReferences, nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	want := "(1 (5)(2 3)(4)(6))(7 (8)(9))((10)(11)(13 14))(12)(16 15)(17)(20 19 18)((21 23)(22))(24 (25 30)(28))(26 27)(29)(31 32 (33 34)(36 35))((37)(38)(39)(40)(41)(42))((44 43)(45)(46))(47)(48)((49)(50))(51 52)(53)(54)(55)((56)(57))(58)"
	if got := imap.FormatThreads(th); got != want {
		t.Errorf("UID THREAD REFERENCES:\n got  %s\n want %s", got, want)
	}
	th, err = c.Thread(imap.ThreadOrderedSubject, &imap.SearchCriteria{SeqNum: []imap.SeqSet{{{Start: 1, Stop: 9}}}}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if got := imap.FormatThreads(th); got != "(5 (1)(2)(3)(4)(6))(7 (8)(9))" {
		t.Errorf("THREAD ORDEREDSUBJECT 1:9: %s", got)
	}
}
