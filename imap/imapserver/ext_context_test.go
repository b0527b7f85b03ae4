package imapserver

import (
	"slices"
	"testing"
	"time"
)

// addArrivals appends n messages with increasing internal dates, so that
// ARRIVAL orders them by UID.
func addArrivals(ts *testServer, n int) {
	ts.b.mu.Lock()
	defer ts.b.mu.Unlock()
	mb := ts.b.boxes["INBOX"]
	for range n {
		mb.add([]byte(simpleMsg), nil, time.Date(2026, 1, 1, 0, 0, int(mb.uidnext), 0, time.UTC))
	}
}

// TestContextSearch follows RFC 5267 §4: UID SEARCH RETURN (UPDATE) keeps
// the result current with unsolicited ESEARCH ADDTO/REMOVEFROM responses
// (new mail, a flag change, another session's expunge), CANCELUPDATE ends
// it, and UPDATE with sequence numbers is refused.
func TestContextSearch(t *testing.T) {
	ts := startServer(t, nil)
	for range 3 {
		ts.b.appendMsg("INBOX", simpleMsg)
	}
	c := ts.dial(t).login()
	mustContain(t, c.mustOK("c0 CAPABILITY"), " CONTEXT=SEARCH CONTEXT=SORT", " ESEARCH")
	c.selectBox("INBOX")
	other := ts.dial(t).login()
	other.selectBox("INBOX")
	runLineSteps(t, c, []lineStep{
		{"A01 UID SEARCH RETURN (UPDATE) UNDELETED", "OK", []string{`* ESEARCH (TAG "A01") UID ALL 1:3`}, nil},
		{"A02 UID SEARCH RETURN (COUNT UPDATE CONTEXT) DELETED", "OK", []string{`* ESEARCH (TAG "A02") UID COUNT 0`}, nil},
		{"n1 NOOP", "OK", nil, []string{"ESEARCH"}}, // nothing changed
	})
	ts.b.appendMsg("INBOX", simpleMsg)
	runLineSteps(t, c, []lineStep{
		{"n2 NOOP", "OK", []string{"* 4 EXISTS", `* ESEARCH (TAG "A01") UID ADDTO (4 4)`}, []string{`TAG "A02"`}},
		{`s1 UID STORE 2 +FLAGS.SILENT (\Deleted)`, "OK", []string{
			`* ESEARCH (TAG "A01") UID REMOVEFROM (2 2)`, `* ESEARCH (TAG "A02") UID ADDTO (1 2)`}, nil},
	})
	other.mustOK(`o1 UID STORE 3 +FLAGS.SILENT (\Deleted)`)
	other.mustOK("o2 EXPUNGE")
	runLineSteps(t, c, []lineStep{
		// 3 left the UNDELETED result with its \Deleted flag; 2 leaves
		// the DELETED result with the expunge (3 was never reported in
		// it: it came and went between two updates).
		{"n3 NOOP", "OK", []string{"* 3 EXPUNGE", "* 2 EXPUNGE",
			`* ESEARCH (TAG "A01") UID REMOVEFROM (2 3)`, `* ESEARCH (TAG "A02") UID REMOVEFROM (1 2)`}, nil},
		{`B01 CANCELUPDATE "A01"`, "OK", nil, nil},
		{`B02 CANCELUPDATE "A01" "A02"`, "NO", nil, nil}, // A01 is gone
		{`B03 CANCELUPDATE "A02"`, "NO", nil, nil},       // and B02 cancelled A02
		{`B04 CANCELUPDATE`, "BAD", nil, nil},
		{`B05 CANCELUPDATE A01`, "BAD", nil, nil}, // tags are quoted strings
		{"B06 SEARCH RETURN (UPDATE) ALL", "BAD", nil, nil},
		{"B07 UID SEARCH RETURN (UPDATE UNKNOWN) ALL", "BAD", nil, nil},
	})
	ts.b.appendMsg("INBOX", simpleMsg)
	runLineSteps(t, c, []lineStep{{"n4 NOOP", "OK", []string{"* 3 EXISTS"}, []string{"ESEARCH"}}})
	c.mustOK("u1 UNSELECT")
	c.expect(`u2 CANCELUPDATE "A01"`, "u2 BAD")
}

// TestContextPartial: RETURN (PARTIAL low:high) of RFC 5267 §4.4 for SEARCH
// and SORT.
func TestContextPartial(t *testing.T) {
	ts := startServer(t, nil)
	addArrivals(ts, 5)
	c := ts.dial(t).login()
	c.selectBox("INBOX")
	runLineSteps(t, c, []lineStep{
		{"p1 UID SEARCH RETURN (PARTIAL 2:3) ALL", "OK", []string{`* ESEARCH (TAG "p1") UID PARTIAL (2:3 2:3)`}, []string{" ALL "}},
		{"p2 SEARCH RETURN (PARTIAL 4:10 COUNT) ALL", "OK", []string{`* ESEARCH (TAG "p2") COUNT 5 PARTIAL (4:10 4:5)`}, nil},
		{"p3 SEARCH RETURN (PARTIAL 6:10) ALL", "OK", []string{`* ESEARCH (TAG "p3") PARTIAL (6:10 NIL)`}, nil},
		{"p4 SEARCH RETURN (PARTIAL 3:1) ALL", "OK", []string{`* ESEARCH (TAG "p4") PARTIAL (1:3 1:3)`}, nil},
		{"p5 UID SORT RETURN (PARTIAL 1:2) (REVERSE ARRIVAL) US-ASCII ALL", "OK", []string{`* ESEARCH (TAG "p5") UID PARTIAL (1:2 5,4)`}, nil},
		{"p6 SEARCH RETURN (PARTIAL 0:5) ALL", "BAD", nil, nil},
		{"p7 SEARCH RETURN (PARTIAL 1) ALL", "BAD", nil, nil},
		{"p8 SEARCH RETURN (PARTIAL) ALL", "BAD", nil, nil},
	})
}

// TestContextSort: UID SORT RETURN (UPDATE) (RFC 5267 §4) sends positions
// in the sort order.
func TestContextSort(t *testing.T) {
	ts := startServer(t, nil)
	addArrivals(ts, 3)
	c := ts.dial(t).login()
	c.selectBox("INBOX")
	runLineSteps(t, c, []lineStep{
		{"S1 UID SORT RETURN (UPDATE) (REVERSE ARRIVAL) US-ASCII UNSEEN", "OK", []string{`* ESEARCH (TAG "S1") UID ALL 3,2,1`}, nil},
		{"S2 SORT RETURN (UPDATE) (ARRIVAL) US-ASCII ALL", "BAD", nil, nil},
	})
	addArrivals(ts, 2)
	runLineSteps(t, c, []lineStep{
		{"n1 NOOP", "OK", []string{`* ESEARCH (TAG "S1") UID ADDTO (1 5,4)`}, nil},
		{`s1 UID STORE 2 +FLAGS.SILENT (\Seen)`, "OK", []string{`* ESEARCH (TAG "S1") UID REMOVEFROM (4 2)`}, nil},
		{`s2 UID STORE 2 -FLAGS.SILENT (\Seen)`, "OK", []string{`* ESEARCH (TAG "S1") UID ADDTO (4 2)`}, nil},
	})
}

// TestContextLimit: beyond MaxSearchContexts a search is answered but not
// kept, with NO [NOUPDATE "tag"] (RFC 5267 §4.2).
func TestContextLimit(t *testing.T) {
	ts := startServer(t, func(s *Server) { s.MaxSearchContexts = 2 })
	ts.b.appendMsg("INBOX", simpleMsg)
	c := ts.dial(t).login()
	c.selectBox("INBOX")
	runLineSteps(t, c, []lineStep{
		{"x1 UID SEARCH RETURN (UPDATE) ALL", "OK", nil, []string{"NOUPDATE"}},
		{"x2 UID SEARCH RETURN (UPDATE) ALL", "OK", nil, []string{"NOUPDATE"}},
		{"x1 UID SEARCH RETURN (UPDATE) SEEN", "OK", nil, []string{"NOUPDATE"}}, // same tag: replaces
		{"x3 UID SEARCH RETURN (UPDATE) ALL", "OK", []string{`* NO [NOUPDATE "x3"] Too many search contexts`, `* ESEARCH (TAG "x3") UID ALL 1`}, nil},
	})
	ts.b.appendMsg("INBOX", simpleMsg)
	out := c.mustOK("n1 NOOP")
	mustContain(t, out, `(TAG "x2") UID ADDTO (2 2)`)
	mustNotContain(t, out, `TAG "x1"`, `TAG "x3"`)
}

func TestContextDiff(t *testing.T) {
	for _, tc := range []struct {
		old, now       []uint32
		removed, added []contextRun
	}{
		{nil, nil, nil, nil},
		{[]uint32{1, 2, 3}, []uint32{1, 3, 4}, []contextRun{{2, []uint32{2}}}, []contextRun{{3, []uint32{4}}}},
		{[]uint32{5, 4, 3, 2, 1}, []uint32{9, 5, 3, 1, 8}, []contextRun{{2, []uint32{4}}, {3, []uint32{2}}}, []contextRun{{1, []uint32{9}}, {5, []uint32{8}}}},
		// Survivors changed order: everything out, everything in.
		{[]uint32{1, 2}, []uint32{2, 1}, []contextRun{{1, []uint32{1, 2}}}, []contextRun{{1, []uint32{2, 1}}}},
	} {
		r, a := contextDiff(tc.old, tc.now)
		if !runsEqual(r, tc.removed) || !runsEqual(a, tc.added) {
			t.Errorf("contextDiff(%v, %v) = %v, %v; want %v, %v", tc.old, tc.now, r, a, tc.removed, tc.added)
		}
		// Applying the runs to old gives now.
		got := slices.Clone(tc.old)
		for _, x := range r {
			got = slices.Delete(got, x.pos-1, x.pos-1+len(x.uids))
		}
		for _, x := range a {
			got = slices.Insert(got, x.pos-1, x.uids...)
		}
		if !slices.Equal(got, tc.now) && !(len(got) == 0 && len(tc.now) == 0) {
			t.Errorf("applying the diff of %v gives %v, want %v", tc.old, got, tc.now)
		}
	}
}

func runsEqual(a, b []contextRun) bool {
	return slices.EqualFunc(a, b, func(x, y contextRun) bool { return x.pos == y.pos && slices.Equal(x.uids, y.uids) })
}

// TestContextIdle: updates of a kept result arrive during IDLE, after the
// EXISTS (RFC 5267 §4.3 with RFC 2177).
func TestContextIdle(t *testing.T) {
	ts := startServer(t, nil)
	addArrivals(ts, 1)
	c := ts.dial(t).login()
	c.selectBox("INBOX")
	c.mustOK("A1 UID SEARCH RETURN (MIN UPDATE) UNSEEN")
	c.send("i1 IDLE\r\n")
	if l := c.readLine(); l[0] != '+' {
		t.Fatalf("IDLE: %q", l)
	}
	addArrivals(ts, 1)
	if l := c.readLine(); l != "* 2 EXISTS" {
		t.Fatalf("got %q", l)
	}
	l := c.readLine()
	if l == "* 1 RECENT" { // IMAP4rev1 session
		l = c.readLine()
	}
	if l != `* ESEARCH (TAG "A1") UID ADDTO (2 2)` {
		t.Fatalf("got %q", l)
	}
	c.send("DONE\r\n")
	c.readUntilTag("i1")
}
