package imapserver

import (
	"testing"
	"time"
)

func addDated(ts *testServer, box string, dates ...time.Time) {
	ts.b.mu.Lock()
	defer ts.b.mu.Unlock()
	for _, d := range dates {
		ts.b.boxes[box].add([]byte(simpleMsg), nil, d)
	}
}

// TestSaveDate replays RFC 8514 §4: CAPABILITY, FETCH SAVEDATE and the four
// search keys, on a store that records save dates (internal date + 36 h).
func TestSaveDate(t *testing.T) {
	ts := startOIDServer(t)
	d := func(m time.Month, day int) time.Time { return time.Date(2020, m, day, 0, 0, 0, 0, time.UTC) }
	addDated(ts, "INBOX", d(1, 1), d(1, 10), d(2, 1)) // saved 2-Jan, 11-Jan, 2-Feb at 12:00
	c := ts.dial(t).login()
	c.selectBox("INBOX")
	runLineSteps(t, c, []lineStep{
		{"c1 CAPABILITY", "OK", nil, nil},
		{"f1 FETCH 1:3 (SAVEDATE)", "OK", []string{
			`* 1 FETCH (SAVEDATE "02-Jan-2020 12:00:00 +0000")`,
			`* 2 FETCH (SAVEDATE "11-Jan-2020 12:00:00 +0000")`,
			`* 3 FETCH (SAVEDATE "02-Feb-2020 12:00:00 +0000")`}, nil},
		{"s1 SEARCH SAVEDBEFORE 11-Jan-2020", "OK", []string{"* SEARCH 1"}, nil},
		{"s2 SEARCH SAVEDON 11-Jan-2020", "OK", []string{"* SEARCH 2"}, nil},
		{"s3 SEARCH SAVEDSINCE 11-Jan-2020", "OK", []string{"* SEARCH 2 3"}, nil},
		{`s4 SEARCH SAVEDSINCE "2-Jan-2020" SAVEDBEFORE 2-Feb-2020`, "OK", []string{"* SEARCH 1 2"}, nil},
		{"s5 UID SEARCH SAVEDATESUPPORTED", "OK", []string{"* SEARCH 1 2 3"}, nil},
		{"s6 SEARCH OR SAVEDON 2-Jan-2020 SAVEDON 2-Feb-2020", "OK", []string{"* SEARCH 1 3"}, nil},
		{"s7 SEARCH NOT SAVEDATESUPPORTED", "OK", []string{"* SEARCH"}, nil},
		{"s8 SEARCH SAVEDBEFORE", "BAD", nil, nil},
		{"s9 SEARCH SAVEDON 31-Foo-2020", "BAD", nil, nil},
		{"s10 SEARCH SAVEDATESUPPORTED 1", "OK", []string{"* SEARCH 1"}, nil},
	})
	caps := c.cmd("c2 CAPABILITY")
	mustContain(t, caps, " SAVEDATE")
}

// TestSaveDateUnsupported: a store without save dates answers SAVEDATE NIL
// (RFC 8514 §4.1) and no message matches the SAVED* keys.
func TestSaveDateUnsupported(t *testing.T) {
	ts := startServer(t, nil)
	ts.b.appendMsg("INBOX", simpleMsg)
	c := ts.dial(t).login()
	c.selectBox("INBOX")
	runLineSteps(t, c, []lineStep{
		{"f1 FETCH 1 (SAVEDATE UID)", "OK", []string{`* 1 FETCH (UID 1 SAVEDATE NIL)`}, nil},
		{"s1 SEARCH SAVEDATESUPPORTED", "OK", []string{"* SEARCH"}, nil},
		{"s2 SEARCH SAVEDSINCE 1-Jan-1990", "OK", []string{"* SEARCH"}, nil},
		{"s3 SEARCH NOT SAVEDBEFORE 1-Jan-1990", "OK", []string{"* SEARCH 1"}, nil},
	})
}
