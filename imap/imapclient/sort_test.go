package imapclient

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/mailwire/mailwire/imap"
)

// The commands SORT and THREAD send and how their answers are read
// (RFC 5256 §3 and §4, RFC 5267 §3), against a scripted server that
// replays the RFC's example responses.
func TestSortThreadScript(t *testing.T) {
	fs := startScript(t, greeting+`
		C: A1 SORT (SUBJECT) US-ASCII SINCE 1-Feb-1994
		S: * SORT 2 84 882
		S: A1 OK SORT completed
		C: A2 SORT (SUBJECT REVERSE DATE) US-ASCII ALL
		S: * SORT 5 3 4 1 2
		S: A2 OK SORT completed
		C: A3 SORT (SUBJECT) US-ASCII TEXT "not in mailbox"
		S: * SORT
		S: A3 OK SORT completed
		C: A4 UID SORT RETURN (MIN MAX ALL COUNT) (DATE) UTF-8 SUBJECT "café"
		S: * ESEARCH (TAG "A4") UID MIN 9 MAX 3 ALL 9,1:2,3 COUNT 4
		S: A4 OK SORT completed
		C: A5 SORT (DISPLAYFROM) US-ASCII ALL
		S: A5 NO [BADCHARSET (UTF-8)] no
		C: A6 THREAD REFERENCES US-ASCII ALL
		S: * THREAD (2)(3 6 (4 23)(44 7 96))
		S: A6 OK THREAD completed
		C: A7 UID THREAD ORDEREDSUBJECT US-ASCII UID 1:*
		S: A7 BAD no
	`)
	c := fs.dial(t, nil)
	check := func(cmd *SortCommand, want string) {
		t.Helper()
		nums, err := cmd.Wait()
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(nums); got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}
	since := &imap.SearchCriteria{Since: mustDate("1994-02-01")}
	check(c.Sort([]imap.SortCriterion{{Key: imap.SortSubject}}, since, nil), "[2 84 882]")
	check(c.Sort([]imap.SortCriterion{{Key: imap.SortSubject}, {Key: imap.SortDate, Reverse: true}}, nil, nil), "[5 3 4 1 2]")
	check(c.Sort([]imap.SortCriterion{{Key: imap.SortSubject}}, &imap.SearchCriteria{Text: []string{"not in mailbox"}}, nil), "[]")

	es := c.UIDSort([]imap.SortCriterion{{Key: imap.SortDate}},
		&imap.SearchCriteria{Header: []imap.SearchHeaderField{{Key: "Subject", Value: "café"}}},
		&SortOptions{ReturnMin: true, ReturnMax: true, ReturnAll: true, ReturnCount: true})
	check(es, "[9 1 2 3]")
	if d := es.ESearch(); d == nil || d.Min != 9 || d.Max != 3 || d.Count == nil || *d.Count != 4 || !d.UID {
		t.Errorf("ESEARCH data %+v", d)
	}

	_, err := c.Sort([]imap.SortCriterion{{Key: imap.SortDisplayFrom}}, nil, nil).Wait()
	var ie *imap.Error
	if !errors.As(err, &ie) || ie.Code != "BADCHARSET" {
		t.Errorf("NO: got %v", err)
	}

	th, err := c.Thread(imap.ThreadReferences, nil).Wait()
	if err != nil {
		t.Fatalf("THREAD: %v", err)
	}
	if got := imap.FormatThreads(th); got != "(2)(3 6 (4 23)(44 7 96))" {
		t.Errorf("THREAD: got %s", got)
	}

	uidAll := &imap.SearchCriteria{UID: []imap.UIDSet{{{Start: 1, Stop: 0}}}}
	if _, err := c.UIDThread(imap.ThreadOrderedSubject, uidAll).Wait(); !errors.As(err, &ie) || ie.Type != imap.StatusBAD {
		t.Errorf("BAD: got %v", err)
	}
}

// An empty sort program is refused before anything is sent.
func TestSortNeedsProgram(t *testing.T) {
	fs := startScript(t, greeting+`
		C: A1 NOOP
		S: A1 OK done
	`)
	c := fs.dial(t, nil)
	if _, err := c.Sort(nil, nil, nil).Wait(); !errors.Is(err, errEmptySortProgram) {
		t.Fatalf("got %v", err)
	}
	if err := c.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
}

func mustDate(s string) time.Time {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return d
}
