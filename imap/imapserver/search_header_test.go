package imapserver

import "testing"

// SEARCH header keys match unfolded field values, case-insensitively, and
// HEADER name "" matches any message that has the field (RFC 9051 §6.4.4).
func TestSearchHeaderFields(t *testing.T) {
	ts := startServer(t, nil)
	ts.b.appendMsg("INBOX", "Subject: quarterly\r\n report\r\nX-Tag: one\r\nDate: Mon, 2 Nov 2026 10:00:00 +0000\r\n\r\nbody\r\n")
	ts.b.appendMsg("INBOX", "subject: other\r\nX Bad: two\r\n\r\nbody\r\n")
	c := ts.dial(t).login()
	c.selectBox("INBOX")
	runSteps(t, c, []step{
		{`a SEARCH SUBJECT "quarterly report"`, "OK", []string{"* SEARCH 1"}, nil},
		{`b SEARCH HEADER x-tag ""`, "OK", []string{"* SEARCH 1"}, nil},
		{`c SEARCH HEADER SUBJECT OTHER`, "OK", []string{"* SEARCH 2"}, nil},
		{`d SEARCH SENTON 2-Nov-2026`, "OK", []string{"* SEARCH 1"}, nil},
		{`e SEARCH HEADER "X Bad" ""`, "OK", []string{"* SEARCH"}, []string{"* SEARCH 2"}},
	})
}
