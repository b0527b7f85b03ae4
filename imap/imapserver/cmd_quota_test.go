package imapserver

import (
	"fmt"
	"strings"
	"testing"
)

// Transcripts of the RFC 9208 examples (§4.1.1–§4.1.3, §4.3.1) on a store
// with one quota root "" per user (the §8 example's shape).
func TestQuotaTranscript(t *testing.T) {
	ts, eb := startExtServer(t, nil)
	eb.storageLimit, eb.messageLimit = 512, 1000
	ts.b.appendMsg("INBOX", strings.Repeat("x", 10*1024))
	c := ts.dial(t)
	c.expect("q0 GETQUOTAROOT INBOX", "q0 BAD") // not authenticated
	c.login()

	out := c.mustOK(`G0001 GETQUOTA ""`)
	mustContain(t, out, `* QUOTA "" (STORAGE 10 512 MESSAGE 1 1000)`)

	out = c.mustOK("G0002 GETQUOTAROOT INBOX")
	if out[0] != `* QUOTAROOT INBOX ""` || out[1] != `* QUOTA "" (STORAGE 10 512 MESSAGE 1 1000)` {
		t.Fatalf("got %q", out)
	}
	c.expect("G0003 GETQUOTAROOT nosuch", "G0003 NO [NONEXISTENT]")
	c.expect(`G0004 GETQUOTA "#user/alice"`, "G0004 NO [NONEXISTENT]")
	c.expect("G0005 GETQUOTA", "G0005 BAD")

	out = c.mustOK(`S0001 SETQUOTA "" (STORAGE 20)`)
	mustContain(t, out, `* QUOTA "" (STORAGE 10 20 MESSAGE 1 1000)`)
	c.expect(`S0002 SETQUOTA "" (STORAGE)`, "S0002 BAD")
	c.expect(`S0003 SETQUOTA "" STORAGE 5`, "S0003 BAD")
	c.expect(`S0004 SETQUOTA "" (STORAGE -1)`, "S0004 BAD")
	many := strings.Repeat(" X 1", maxQuotaResources)
	c.expect(`S0005 SETQUOTA "" (STORAGE 1`+many+`)`, "S0005 BAD")

	// §4.3.1: APPEND over the limit fails with [OVERQUOTA].
	msg := strings.Repeat("y", 11*1024)
	c.send(fmt.Sprintf("A003 APPEND INBOX (\\Seen) {%d}\r\n", len(msg)))
	if l := c.readLine(); !strings.HasPrefix(l, "+") {
		t.Fatalf("got %q", l)
	}
	c.send(msg + "\r\n")
	if out := c.readUntilTag("A003"); last(out) != "A003 NO [OVERQUOTA] Quota exceeded" {
		t.Fatalf("got %q", out)
	}
	c.mustOK("n NOOP") // the connection is still in sync
}

func TestQuotaNotSupportedByBackend(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.dial(t).login()
	c.expect(`a GETQUOTA ""`, "a NO")
	c.expect(`b GETQUOTAROOT INBOX`, "b NO")
	c.expect(`c SETQUOTA "" (STORAGE 1)`, "c NO")
}
