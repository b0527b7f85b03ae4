package imapserver

import (
	"strings"
	"testing"
)

// TestObjectIDMailbox replays RFC 8474 §4.1-§4.3: MAILBOXID on CREATE, on
// SELECT/EXAMINE and as a STATUS item (also through LIST-STATUS), kept
// across RENAME.
func TestObjectIDMailbox(t *testing.T) {
	ts := startOIDServer(t) // Sent=1002 Trash=1003; foo=F1004, bar=F1005
	c := ts.dial(t).login()
	mustContain(t, c.mustOK("c1 CAPABILITY"), " OBJECTID")
	runLineSteps(t, c, []lineStep{
		{"3 create foo", "OK [MAILBOXID (F1004)] CREATE completed", nil, nil},
		{"4 create bar", "OK [MAILBOXID (F1005)]", nil, nil},
		{"5 create foo", "NO", nil, []string{"MAILBOXID"}},
		{"6 status foo (mailboxid)", "OK", []string{"* STATUS foo (MAILBOXID (F1004))"}, nil},
		{"7 status bar (mailboxid)", "OK", []string{"* STATUS bar (MAILBOXID (F1005))"}, nil},
		{"8 rename foo renamed", "OK", nil, nil},
		{"9 status renamed (mailboxid)", "OK", []string{"* STATUS renamed (MAILBOXID (F1004))"}, nil},
		{"10 status bar (MESSAGES mailboxid UIDNEXT)", "OK", []string{"* STATUS bar (MESSAGES 0 UIDNEXT 1 MAILBOXID (F1005))"}, nil},
		{`11 list "" "*" return (status (mailboxid))`, "OK", []string{
			"* STATUS INBOX (MAILBOXID (F1001))", "* STATUS bar (MAILBOXID (F1005))", "* STATUS renamed (MAILBOXID (F1004))"}, nil},
		{"27 select renamed", "OK [READ-WRITE]", []string{"* OK [MAILBOXID (F1004)] Ok"}, nil},
		{"28 examine bar", "OK [READ-ONLY]", []string{"* OK [MAILBOXID (F1005)] Ok"}, nil},
		{"29 status bar (mailboxid", "BAD", nil, nil},
	})
}

// TestObjectIDNotAnnounced: a backend without MailboxIDUser gets no
// OBJECTID capability, no MAILBOXID codes, and STATUS MAILBOXID is BAD.
func TestObjectIDNotAnnounced(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.dial(t).login()
	mustNotContain(t, c.mustOK("c1 CAPABILITY"), "OBJECTID")
	mustNotContain(t, c.mustOK("c2 CREATE foo"), "MAILBOXID")
	mustNotContain(t, c.mustOK("c3 SELECT foo"), "MAILBOXID")
	c.expect("c4 STATUS foo (MAILBOXID)", "c4 BAD")
}

// TestObjectIDMessages: FETCH EMAILID/THREADID (RFC 8474 §5.3, THREADID NIL
// when the store has none) and the SEARCH keys EMAILID and THREADID (§6).
func TestObjectIDMessages(t *testing.T) {
	ts := startOIDServer(t)
	for range 3 {
		ts.b.appendMsg("INBOX", simpleMsg)
	}
	c := ts.dial(t).login()
	c.selectBox("INBOX")
	runLineSteps(t, c, []lineStep{
		{"22 fetch 1:* (emailid threadid)", "OK", []string{
			"* 1 FETCH (EMAILID (E1) THREADID (T1))",
			"* 2 FETCH (EMAILID (E2) THREADID NIL)",
			"* 3 FETCH (EMAILID (E3) THREADID (T1))"}, nil},
		{"23 UID FETCH 2 THREADID", "OK", []string{"* 2 FETCH (UID 2 THREADID NIL)"}, nil},
		{"24 search emailid E2", "OK", []string{"* SEARCH 2"}, nil},
		{"25 search threadid T1", "OK", []string{"* SEARCH 1 3"}, nil},
		{"26 search not threadid T1", "OK", []string{"* SEARCH 2"}, nil},
		{"27 search emailid e2", "OK", []string{"* SEARCH"}, nil}, // objectids are case-sensitive
		{"28 search emailid E.2", "BAD", nil, nil},
		{"29 search emailid " + strings.Repeat("x", 256), "BAD", nil, nil},
		{"30 search threadid", "BAD", nil, nil},
		{"31 search emailid " + strings.Repeat("x", 255), "OK", []string{"* SEARCH"}, nil},
	})
}
