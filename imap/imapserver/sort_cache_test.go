package imapserver

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// The sort cache is shared between sessions and follows new messages: a
// second session's THREAD sees a reply delivered after the first THREAD
// filled the cache, threaded under its parent.
func TestSortCacheSharedAndIncremental(t *testing.T) {
	ts := startServer(t, nil)
	ts.b.appendMsg("INBOX", "Message-ID: <1@x>\r\nSubject: lunch\r\nDate: Mon, 5 Jan 2026 09:00:00 +0000\r\n\r\nx\r\n")
	ts.b.appendMsg("INBOX", "Message-ID: <2@x>\r\nSubject: minutes\r\nDate: Mon, 5 Jan 2026 10:00:00 +0000\r\n\r\nx\r\n")
	c1 := ts.dial(t).login()
	c1.selectBox("INBOX")
	if got := untaggedData(t, c1.mustOK("a THREAD REFERENCES UTF-8 ALL"), "* THREAD"); got != "(1)(2)" {
		t.Fatalf("THREAD: %s", got)
	}
	ts.b.appendMsg("INBOX", "Message-ID: <3@x>\r\nIn-Reply-To: <1@x>\r\nSubject: Re: lunch\r\nDate: Mon, 5 Jan 2026 11:00:00 +0000\r\n\r\nx\r\n")
	c2 := ts.dial(t).login()
	c2.selectBox("INBOX")
	if got := untaggedData(t, c2.mustOK("b THREAD REFERENCES UTF-8 ALL"), "* THREAD"); got != "(1 3)(2)" {
		t.Fatalf("THREAD after a new reply: %s", got)
	}
	if got := untaggedData(t, c2.mustOK("c SORT (REVERSE DATE) UTF-8 ALL"), "* SORT"); got != "3 2 1" {
		t.Fatalf("SORT: %s", got)
	}
	b := c2cacheBox(t, ts, "INBOX")
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.uids) != 3 || len(b.ids) != 3 || len(b.subjList) != 2 {
		t.Fatalf("cache holds %d messages, %d IDs, %d subjects; want 3, 3, 2", len(b.uids), len(b.ids), len(b.subjList))
	}
}

// c2cacheBox returns the sort cache of a mailbox of ts's user.
func c2cacheBox(t *testing.T, ts *testServer, box string) *sortBox {
	t.Helper()
	sortCache.mu.Lock()
	defer sortCache.mu.Unlock()
	for k, b := range sortCache.boxes {
		if k.srv.Value() == ts.srv && k.box == box {
			return b
		}
	}
	t.Fatalf("no sort cache for %s", box)
	return nil
}

// A SORT that sees only the ENVELOPE's fields fills Date and Subject; a
// later THREAD REFERENCES completes the same entries from the headers,
// and both give the answers of an uncached run (the RFC 5256 test
// mailbox, every expectation twice in two sessions).
func TestSortCacheWarmEqualsCold(t *testing.T) {
	ts, c := startSortServerCache(t, true)
	exps := loadSortExpectations(t)
	c2 := ts.dial(t).login()
	c2.selectBox("INBOX")
	for round, cl := range []*client{c, c2} {
		for i, e := range exps {
			out := cl.mustOK(fmt.Sprintf("r%d.%d %s", round, i, e.args))
			verb, _, _ := strings.Cut(e.args, " ")
			if got := untaggedData(t, out, "* "+verb); got != e.want {
				t.Errorf("round %d %s:\n got  %s\n want %s", round, e.args, got, e.want)
			}
		}
	}
}

// The cache stays within Server.SortCacheBytes: the least recently used
// mailbox goes.
func TestSortCacheBounded(t *testing.T) {
	// One mailbox of 100 messages (~22 KB), not two.
	ts := startServer(t, func(s *Server) { s.SortCacheBytes = 30 << 10 })
	for _, box := range []string{"A", "B"} {
		ts.b.mu.Lock()
		ts.b.create(box, nil)
		ts.b.mu.Unlock()
		for i := range 100 {
			ts.b.appendMsg(box, "Message-ID: <"+box+strconv.Itoa(i)+"@x>\r\nSubject: s"+strconv.Itoa(i)+"\r\n\r\nx\r\n")
		}
	}
	c := ts.dial(t).login()
	c.selectBox("A")
	c.mustOK("a THREAD REFERENCES UTF-8 ALL")
	c.selectBox("B")
	c.mustOK("b THREAD REFERENCES UTF-8 ALL")
	sortCache.mu.Lock()
	var boxes []string
	total := 0
	for k, b := range sortCache.boxes {
		if k.srv.Value() == ts.srv {
			boxes = append(boxes, k.box)
			total += b.bytes
		}
	}
	limit := ts.srv.SortCacheBytes
	sortCache.mu.Unlock()
	if len(boxes) != 1 || boxes[0] != "B" || total > limit {
		t.Fatalf("cached mailboxes %v (%d bytes, limit %d), want only B", boxes, total, limit)
	}
	// Still correct after the eviction.
	c.selectBox("A")
	out := c.mustOK("c SORT (SUBJECT) UTF-8 1:3")
	if got := untaggedData(t, out, "* SORT"); got != "1 2 3" {
		t.Fatalf("SORT after eviction: %s", got)
	}
}
