package imapserver

import (
	"fmt"
	"testing"
	"time"
)

// RFC 5032 §3 (WITHIN): OLDER and YOUNGER compare the internal date with
// the current time in seconds; the example "SEARCH UNSEEN YOUNGER 259200".
func TestWithinTranscript(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.dial(t).login()
	mustContain(t, c.mustOK("c CAPABILITY"), " WITHIN")
	now := time.Now()
	for i, age := range []time.Duration{time.Hour, 10 * 24 * time.Hour, 2 * 24 * time.Hour} {
		d := now.Add(-age).Format("02-Jan-2006 15:04:05 -0700")
		flags := "()"
		if i == 2 {
			flags = `(\Seen)`
		}
		c.send(fmt.Sprintf("a%d APPEND INBOX %s \"%s\" {%d+}\r\n%s\r\n", i, flags, d, len(simpleMsg), simpleMsg))
		c.readUntilTag(fmt.Sprintf("a%d", i))
	}
	c.selectBox("INBOX")
	mustContain(t, c.mustOK("s1 SEARCH UNSEEN YOUNGER 259200"), "* SEARCH 1")
	mustNotContain(t, c.mustOK("s2 SEARCH UNSEEN YOUNGER 259200"), "* SEARCH 1 ")
	mustContain(t, c.mustOK("s3 SEARCH YOUNGER 259200"), "* SEARCH 1 3")
	mustContain(t, c.mustOK("s4 SEARCH OLDER 259200"), "* SEARCH 2")
	mustContain(t, c.mustOK("s5 UID SEARCH OLDER 7200 YOUNGER 432000"), "* SEARCH 3")
	c.expect("s6 SEARCH OLDER 0", "s6 BAD")
	c.expect("s7 SEARCH YOUNGER", "s7 BAD")
	c.expect("s8 SEARCH OLDER -5", "s8 BAD")
}
