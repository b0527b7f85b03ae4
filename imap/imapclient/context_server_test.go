package imapclient_test

import (
	"strings"
	"testing"
	"time"

	"github.com/mailwire/mailwire/imap"
	"github.com/mailwire/mailwire/imap/imapclient"
)

// The client's CONTEXT=SEARCH and CONTEXT=SORT (RFC 5267 §4) against the
// module's server over the store: a kept UID SEARCH and UID SORT result,
// its ADDTO/REMOVEFROM updates through UnilateralHandler.ESearch, PARTIAL,
// and CANCELUPDATE.
func TestContextAgainstServer(t *testing.T) {
	addr := startServer(t)
	updates := make(chan *imap.SearchData, 16)
	c := login(t, addr, &imapclient.Options{Handler: &imapclient.UnilateralHandler{
		ESearch: func(d *imap.SearchData) { updates <- d },
	}})
	for i := range 3 {
		appendText(t, c, "INBOX", "Subject: m\n\nbody\n", time.Date(2020, 1, 1, 0, 0, i, 0, time.UTC))
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	unseen := &imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}
	s := c.Search(true, unseen, &imap.SearchOptions{ReturnAll: true, ReturnUpdate: true, ReturnContext: true})
	first, err := s.Wait()
	if err != nil || !equalNums(first.AllNums(), []uint32{1, 2, 3}) || first.Tag != s.Tag() {
		t.Fatalf("first result %+v %v", first, err)
	}
	so := c.UIDSort([]imap.SortCriterion{{Key: imap.SortArrival, Reverse: true}}, unseen, &imapclient.SortOptions{ReturnAll: true, ReturnUpdate: true})
	sorted, err := so.Wait()
	if err != nil || len(sorted) != 3 || sorted[0] != 3 {
		t.Fatalf("sorted %v %v", sorted, err)
	}
	next := func() *imap.SearchData {
		t.Helper()
		select {
		case d := <-updates:
			return d
		case <-time.After(10 * time.Second):
			t.Fatal("no ESEARCH update")
			return nil
		}
	}
	want := func(d *imap.SearchData, tag, kind string, pos uint32, nums ...uint32) {
		t.Helper()
		list := d.AddTo
		if kind == "REMOVEFROM" {
			list = d.RemoveFrom
		}
		if d.Tag != tag || !d.UID || len(list) != 1 || list[0].Position != pos {
			t.Fatalf("update %+v, want %s %s (%d %v)", d, tag, kind, pos, nums)
		}
		if _, ok := list[0].Nums.(imap.UIDSet); !ok {
			t.Fatalf("update numbers are not UIDs: %T", list[0].Nums)
		}
		got := (&imap.SearchData{All: list[0].Nums}).AllNums()
		if !equalNums(got, nums) {
			t.Fatalf("%s %s = %v, want %v", tag, kind, got, nums)
		}
	}
	// New mail: ADDTO at the end of the SEARCH result, first in the SORT.
	appendText(t, c, "INBOX", "Subject: n\n\nnew\n", time.Date(2020, 1, 1, 0, 0, 9, 0, time.UTC))
	want(next(), s.Tag(), "ADDTO", 4, 4)
	want(next(), so.Tag(), "ADDTO", 1, 4)
	// \Seen on UID 2: it leaves both results.
	if _, err := c.Store(imap.UIDSet{{Start: 2, Stop: 2}}, &imapclient.StoreFlags{Op: imapclient.StoreAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}).Wait(); err != nil {
		t.Fatal(err)
	}
	want(next(), s.Tag(), "REMOVEFROM", 2, 2)
	want(next(), so.Tag(), "REMOVEFROM", 3, 2)

	part, err := c.Search(true, &imap.SearchCriteria{}, &imap.SearchOptions{ReturnPartial: &imap.PartialRange{Low: 2, High: 3}}).Wait()
	if err != nil || part.Partial == nil || part.Partial.Range != (imap.PartialRange{Low: 2, High: 3}) ||
		!equalNums((&imap.SearchData{All: part.Partial.Nums}).AllNums(), []uint32{2, 3}) {
		t.Fatalf("PARTIAL %+v %v", part, err)
	}
	beyond, err := c.Search(false, &imap.SearchCriteria{}, &imap.SearchOptions{ReturnPartial: &imap.PartialRange{Low: 10, High: 20}}).Wait()
	if err != nil || beyond.Partial == nil || beyond.Partial.Nums != nil {
		t.Fatalf("PARTIAL beyond the result %+v %v", beyond, err)
	}

	if err := c.CancelUpdate(s.Tag(), so.Tag()).Wait(); err != nil {
		t.Fatal(err)
	}
	appendText(t, c, "INBOX", "Subject: o\n\nlater\n", time.Now())
	if err := c.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
	select {
	case d := <-updates:
		t.Fatalf("update after CANCELUPDATE: %+v", d)
	default:
	}
	err = c.CancelUpdate("nope").Wait()
	if err == nil || !strings.Contains(err.Error(), "context") {
		t.Fatalf("CANCELUPDATE of an unknown tag: %v", err)
	}
}
