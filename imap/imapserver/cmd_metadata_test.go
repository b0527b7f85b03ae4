package imapserver

import (
	"fmt"
	"strings"
	"testing"
)

// Transcripts after the RFC 5464 examples (§4.2, §4.3): server and
// mailbox entries, MAXSIZE, DEPTH, deletion with NIL, and the limits.
func TestMetadataTranscript(t *testing.T) {
	ts, _ := startExtServer(t, nil)
	c := ts.dial(t)
	c.expect(`m0 GETMETADATA "" /shared/comment`, "m0 BAD")
	c.login()

	// §4.3 examples: set a server entry and a mailbox entry.
	c.mustOK(`a SETMETADATA "" (/shared/comment "My new comment")`)
	c.mustOK(`b SETMETADATA INBOX (/private/comment "My own comment" /shared/comment "Shared")`)

	// §4.2: GETMETADATA of one entry and of a list.
	out := c.mustOK(`c GETMETADATA "" /shared/comment`)
	mustContain(t, out, `* METADATA "" (/shared/comment "My new comment")`)
	out = c.mustOK(`d GETMETADATA INBOX (/shared/comment /private/comment)`)
	mustContain(t, out, `* METADATA INBOX (/shared/comment "Shared" /private/comment "My own comment")`)
	// Names are case-insensitive; a missing entry is NIL.
	out = c.mustOK(`e GETMETADATA INBOX (/SHARED/Comment /private/nothing)`)
	mustContain(t, out, `* METADATA INBOX (/shared/comment "Shared" /private/nothing NIL)`)

	// §4.2.2 MAXSIZE: longer values are left out and reported.
	c.mustOK(`f SETMETADATA INBOX (/private/long "0123456789abcdef")`)
	out = c.mustOK(`g GETMETADATA (MAXSIZE 10) INBOX (/private/long /private/comment)`)
	mustContain(t, out, "g OK [METADATA LONGENTRIES 16]")
	mustNotContain(t, out, "/private/long")

	// §4.2.3 DEPTH.
	c.mustOK(`h SETMETADATA INBOX (/private/vendor/a "1" /private/vendor/a/b "2" /private/vendor/c "3")`)
	out = c.mustOK(`i GETMETADATA (DEPTH 1) INBOX /private/vendor`)
	mustContain(t, out, `* METADATA INBOX (/private/vendor NIL /private/vendor/a "1" /private/vendor/c "3")`)
	out = c.mustOK(`j GETMETADATA (DEPTH infinity) INBOX /private/vendor`)
	mustContain(t, out, `/private/vendor/a/b "2"`)
	out = c.mustOK(`k GETMETADATA (DEPTH 0 MAXSIZE 100) INBOX /private/vendor`)
	mustNotContain(t, out, "/private/vendor/a")

	// NIL deletes; literals carry values with CRLF.
	c.mustOK(`l SETMETADATA INBOX (/private/comment NIL)`)
	out = c.mustOK(`m GETMETADATA INBOX /private/comment`)
	mustContain(t, out, `(/private/comment NIL)`)
	c.send("n SETMETADATA INBOX (/private/multi {7+}\r\nab\r\ncde)\r\n")
	if out := c.readUntilTag("n"); !strings.HasPrefix(last(out), "n OK") {
		t.Fatalf("got %q", out)
	}
	out = c.mustOK(`o GETMETADATA INBOX /private/multi`)
	mustContain(t, out, "{7}\n"+"ab\r\ncde")

	// Errors.
	c.expect(`p1 GETMETADATA nosuch /private/comment`, "p1 NO [NONEXISTENT]")
	c.expect(`p2 SETMETADATA INBOX (/other/x "1")`, "p2 BAD")
	c.expect(`p3 SETMETADATA INBOX (/private/x/ "1")`, "p3 BAD")
	c.expect(`p4 SETMETADATA INBOX (/private//x "1")`, "p4 BAD")
	c.expect(`p5 SETMETADATA INBOX (/private/* "1")`, "p5 BAD")
	c.expect(`p6 GETMETADATA (DEPTH 2) INBOX /private/x`, "p6 BAD")
	c.expect(`p7 GETMETADATA (FOO 1) INBOX /private/x`, "p7 BAD")
	c.expect(`p8 SETMETADATA INBOX ()`, "p8 BAD")
	c.expect(`p9 SETMETADATA INBOX (/private/x)`, "p9 BAD")

	// §4.3: TOOMANY when the entry limit would be exceeded.
	var b strings.Builder
	for i := 0; i < MetadataMaxEntries; i++ {
		fmt.Fprintf(&b, " /private/n%d \"v\"", i)
	}
	c.mustOK(`q SETMETADATA Sent (` + b.String()[1:] + `)`)
	c.expect(`r SETMETADATA Sent (/private/one "1")`, "r NO [METADATA TOOMANY]")
	c.mustOK(`s SETMETADATA Sent (/private/n0 "changed" /private/n1 NIL)`)
	c.mustOK(`t SETMETADATA Sent (/private/one "1")`)
}

// §4.3: a value beyond the limit is refused with [METADATA MAXSIZE n] and
// the connection stays in sync.
func TestMetadataValueTooLarge(t *testing.T) {
	ts, _ := startExtServer(t, func(s *Server) { s.MaxLiteralSize = 2 * MetadataMaxValueSize })
	c := ts.dial(t).login()
	v := strings.Repeat("v", MetadataMaxValueSize+1)
	c.send(fmt.Sprintf("a SETMETADATA INBOX (/private/big {%d+}\r\n%s /private/small \"s\")\r\n", len(v), v))
	out := c.readUntilTag("a")
	if !strings.HasPrefix(last(out), fmt.Sprintf("a NO [METADATA MAXSIZE %d]", MetadataMaxValueSize)) {
		t.Fatalf("got %q", out)
	}
	out = c.mustOK("b GETMETADATA INBOX /private/small")
	mustContain(t, out, "/private/small NIL") // nothing of the command was applied
}
