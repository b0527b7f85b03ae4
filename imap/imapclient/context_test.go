package imapclient

import (
	"testing"

	"github.com/mailwire/mailwire/imap"
)

// A scripted RFC 5267 session: the encoding of the context return options,
// an update that arrives before its own search's tagged OK (it goes to the
// handler, not into the result), PARTIAL, ADDTO/REMOVEFROM with several
// pairs, and CANCELUPDATE.
func TestContextScript(t *testing.T) {
	fs := startScript(t, greeting+`
		C: A1 UID SEARCH RETURN (ALL UPDATE CONTEXT) UNSEEN
		S: * ESEARCH (TAG "A1") UID ALL 1:3
		S: * ESEARCH (TAG "A1") UID ADDTO (4 7)
		S: A1 OK done
		C: A2 UID SORT RETURN (UPDATE PARTIAL 1:2) (REVERSE ARRIVAL) US-ASCII ALL
		S: * ESEARCH (TAG "A2") UID PARTIAL (1:2 7,3)
		S: A2 OK done
		C: A3 NOOP
		S: * ESEARCH (TAG "A1") UID REMOVEFROM (2 2 3 7) ADDTO (1 9:10)
		S: * ESEARCH (TAG "A2") UID ADDTO (1 10,9)
		S: A3 OK done
		C: A4 CANCELUPDATE "A1" "A2"
		S: A4 OK done
	`)
	var updates []*imap.SearchData
	c := fs.dial(t, &Options{Handler: &UnilateralHandler{ESearch: func(d *imap.SearchData) { updates = append(updates, d) }}})
	s := c.Search(true, &imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}, &imap.SearchOptions{ReturnAll: true, ReturnUpdate: true, ReturnContext: true})
	d, err := s.Wait()
	if err != nil || s.Tag() != "A1" || len(d.AllNums()) != 3 || d.AddTo != nil {
		t.Fatalf("search result %+v %v", d, err)
	}
	so := c.UIDSort([]imap.SortCriterion{{Key: imap.SortArrival, Reverse: true}}, nil, &SortOptions{ReturnUpdate: true, ReturnPartial: &imap.PartialRange{Low: 1, High: 2}})
	if _, err := so.Wait(); err != nil {
		t.Fatal(err)
	}
	p := so.ESearch().Partial
	if p == nil || p.Range != (imap.PartialRange{Low: 1, High: 2}) || len(p.Nums.(imap.UIDSet)) != 2 || p.Nums.(imap.UIDSet)[0].Start != 7 {
		t.Fatalf("PARTIAL %+v", p)
	}
	if err := c.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.CancelUpdate("A1", "A2").Wait(); err != nil {
		t.Fatal(err)
	}
	fs.wait(t)
	if len(updates) != 3 {
		t.Fatalf("updates %+v", updates)
	}
	if u := updates[0]; u.Tag != "A1" || len(u.AddTo) != 1 || u.AddTo[0].Position != 4 {
		t.Fatalf("early update %+v", u)
	}
	u := updates[1]
	if u.Tag != "A1" || len(u.RemoveFrom) != 2 || u.RemoveFrom[1].Position != 3 || len(u.AddTo) != 1 ||
		u.AddTo[0].Nums.(imap.UIDSet)[0] != (imap.NumRange{Start: 9, Stop: 10}) {
		t.Fatalf("update %+v", u)
	}
}
