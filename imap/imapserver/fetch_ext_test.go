package imapserver

import (
	"regexp"
	"testing"
)

// FETCH SAVEDATE (RFC 8514 §4.1), EMAILID and THREADID (RFC 8474 §5):
// NIL save date and THREADID for a backend that keeps neither, a derived
// EMAILID that is stable and distinct per message.
func TestFetchSaveDateAndObjectIDs(t *testing.T) {
	ts := startServer(t, nil)
	ts.b.appendMsg("INBOX", simpleMsg)
	ts.b.appendMsg("INBOX", simpleMsg)
	c := ts.dial(t).login()
	c.selectBox("INBOX")
	out := c.mustOK("f FETCH 1:2 (SAVEDATE EMAILID THREADID)")
	re := regexp.MustCompile(`^\* (\d) FETCH \(SAVEDATE NIL EMAILID \(([A-Za-z0-9_-]{1,255})\) THREADID NIL\)$`)
	ids := map[string]bool{}
	for _, l := range out[:2] {
		m := re.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("bad response %q", l)
		}
		ids[m[2]] = true
	}
	if len(ids) != 2 {
		t.Fatalf("EMAILIDs not distinct: %v", ids)
	}
	again := c.mustOK("g UID FETCH 1 (EMAILID)")
	mustContain(t, again, "EMAILID (M")
	c.expect("h FETCH 1 (SAVEDATE[])", "h BAD")
}
