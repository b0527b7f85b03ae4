package imapserver

import (
	"os"
	"strings"
	"testing"
	"time"
)

// TestRFC9051SampleSession replays the sample session of RFC 9051 §8 (the
// message is the RFC's own example, kept in package imap's golden table).
func TestRFC9051SampleSession(t *testing.T) {
	msg, err := os.ReadFile("../testdata/structure/01-simple.eml")
	if err != nil {
		t.Fatal(err)
	}
	ts := startServer(t, nil)
	date := time.Date(1996, 7, 17, 2, 44, 25, 0, time.FixedZone("", -7*3600))
	ts.b.mu.Lock()
	for i := 1; i <= 18; i++ {
		body, flags := []byte(simpleMsg), []string(nil)
		if i == 12 {
			body, flags = msg, []string{`\Seen`}
		}
		ts.b.boxes["INBOX"].add(body, flags, date)
	}
	ts.b.mu.Unlock()
	c := ts.dial(t)
	runSteps(t, c, []step{
		{"a000 enable IMAP4rev2", "BAD", nil, nil}, // authenticated state only
		{"a001 login user pass", "OK", nil, nil},
		{"a000 enable IMAP4rev2", "OK", []string{"* ENABLED IMAP4rev2"}, nil},
		{"a002 select inbox", "OK [READ-WRITE]", []string{"* 18 EXISTS", `* FLAGS (\Answered \Flagged \Deleted \Seen \Draft)`, "* OK [UIDVALIDITY 1001]", `* LIST () "/" INBOX`}, []string{"RECENT"}},
		{"a003 fetch 12 full", "OK", []string{`* 12 FETCH (FLAGS (\Seen) INTERNALDATE "17-Jul-1996 02:44:25 -0700" RFC822.SIZE 370 ENVELOPE ("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev1 WG mtg summary and minutes" (("Terry Gray" NIL "gray" "cac.washington.edu"))`, `BODY ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 28 2))`}, nil},
		{"a004 fetch 12 body[header]", "OK", []string{"* 12 FETCH (BODY[HEADER] {342}", "Message-Id: <B27397-0100000@cac.washington.edu>"}, nil},
		{`a005 store 12 +flags \deleted`, "OK", []string{`* 12 FETCH (UID 12 FLAGS (\Deleted \Seen))`}, nil},
		{"a006 logout", "OK", []string{"* BYE"}, nil},
	})
}

// TestRFC3501RecentAndUnseen checks the IMAP4rev1 SELECT responses of
// RFC 3501 §6.3.1: RECENT and OK [UNSEEN n].
func TestRFC3501RecentAndUnseen(t *testing.T) {
	ts := startServer(t, nil)
	ts.b.appendMsg("INBOX", simpleMsg, `\Seen`)
	ts.b.appendMsg("INBOX", simpleMsg)
	c := ts.dial(t).login()
	out := c.selectBox("INBOX")
	mustContain(t, out, "* 2 EXISTS", "* 0 RECENT", "* OK [UNSEEN 2]", "[PERMANENTFLAGS (")
	if strings.Contains(strings.Join(out, "\n"), "* LIST") {
		t.Fatal("LIST in an IMAP4rev1 SELECT")
	}
}
