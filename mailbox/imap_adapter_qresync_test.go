package mailbox

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// TestIMAPAdapterQresyncTombstones: over the store, QRESYNC's VANISHED
// (EARLIER) names only the UIDs expunged after the client's MODSEQ (the
// store's tombstones), not every gap left by earlier expunges, and UID
// FETCH (CHANGEDSINCE … VANISHED) does the same (RFC 7162 §3.2.5.1, §3.2.6).
func TestIMAPAdapterQresyncTombstones(t *testing.T) {
	imapStores(t, func(t *testing.T, st Store) {
		addr := startIMAP(t, st)
		a := dialIMAP(t, addr)
		a.do("1 LOGIN user pass", "OK")
		for i := range 10 {
			a.do(fmt.Sprintf("a%d APPEND INBOX {%d+}\r\n%s", i, len(adapterMsg), adapterMsg), "OK")
		}
		a.do("2 ENABLE QRESYNC", "OK")
		a.do("3 SELECT INBOX", "OK")
		// An old expunge the client has already seen: UIDs 2 and 3.
		a.do(`4 UID STORE 2:3 +FLAGS.SILENT (\Deleted)`, "OK")
		a.do("5 EXPUNGE", "OK")
		out := a.do("6 STATUS INBOX (HIGHESTMODSEQ UIDVALIDITY)", "OK")
		m := regexp.MustCompile(`HIGHESTMODSEQ (\d+)`).FindStringSubmatch(out)
		v := regexp.MustCompile(`UIDVALIDITY (\d+)`).FindStringSubmatch(out)
		if m == nil || v == nil {
			t.Fatalf("STATUS: %s", out)
		}
		a.do("7 LOGOUT", "OK")

		// Another session changes things while the client is away.
		b := dialIMAP(t, addr)
		b.do("1 LOGIN user pass", "OK")
		b.do("2 SELECT INBOX", "OK")
		b.do(`3 UID STORE 7,9 +FLAGS.SILENT (\Deleted)`, "OK")
		b.do("4 EXPUNGE", "OK")
		b.do(`5 UID STORE 5 +FLAGS.SILENT (\Flagged)`, "OK")
		b.do("6 LOGOUT", "OK")

		c := dialIMAP(t, addr)
		c.do("1 LOGIN user pass", "OK")
		c.do("2 ENABLE QRESYNC", "OK")
		out = c.do(fmt.Sprintf("3 SELECT INBOX (QRESYNC (%s %s))", v[1], m[1]), "OK")
		mustHave(t, out, "* VANISHED (EARLIER) 7,9\n", `FETCH (UID 5 FLAGS (\Flagged) MODSEQ`)
		if strings.Count(out, " FETCH ") != 1 {
			t.Fatalf("want exactly one FETCH:\n%s", out)
		}
		// With known UIDs the answer is limited to them.
		c.do("4 UNSELECT", "OK")
		out = c.do(fmt.Sprintf("5 SELECT INBOX (QRESYNC (%s %s 1:8))", v[1], m[1]), "OK")
		mustHave(t, out, "* VANISHED (EARLIER) 7\n")
		out = c.do(fmt.Sprintf("6 UID FETCH 1:* (FLAGS) (CHANGEDSINCE %s VANISHED)", m[1]), "OK")
		mustHave(t, out, "* VANISHED (EARLIER) 7,9\n")
		if strings.Contains(out, "VANISHED (EARLIER) 2") {
			t.Fatalf("old expunges reported again:\n%s", out)
		}
	})
}
