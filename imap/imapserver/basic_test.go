package imapserver

import (
	"strings"
	"testing"
)

func TestBasicSession(t *testing.T) {
	ts := startServer(t, nil)
	ts.b.appendMsg("INBOX", simpleMsg)
	ts.b.appendMsg("INBOX", simpleMsg, `\Seen`)
	c := ts.dial(t)
	mustContain(t, c.mustOK("a1 CAPABILITY"), "IMAP4rev2", "AUTH=PLAIN")
	c.login()
	out := c.selectBox("INBOX")
	mustContain(t, out, "* 2 EXISTS", "[UIDVALIDITY", "[READ-WRITE]")
	out = c.mustOK("a2 FETCH 1:* (UID FLAGS)")
	mustContain(t, out, "* 1 FETCH (UID 1 FLAGS ())", `* 2 FETCH (UID 2 FLAGS (\Seen))`)
	out = c.mustOK("a3 FETCH 1 (ENVELOPE BODYSTRUCTURE RFC822.SIZE INTERNALDATE)")
	t.Log(strings.Join(out, "\n"))
	out = c.mustOK("a4 FETCH 1 BODY[]")
	t.Log(strings.Join(out, "\n"))
	mustContain(t, out, `FLAGS (\Seen)`, "Hello Bob")
	out = c.mustOK("a5 UID SEARCH TEXT bob")
	mustContain(t, out, "* SEARCH 1 2")
	c.mustOK("a6 LOGOUT")
}
