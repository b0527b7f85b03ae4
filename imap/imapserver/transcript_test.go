package imapserver

import (
	"fmt"
	"strings"
	"testing"
)

// step is one command of a transcript and what its response must contain.
type step struct {
	cmd    string
	tagged string   // prefix of the tagged response, e.g. "OK", "NO [TRYCREATE]", "BAD"
	has    []string // substrings of some response line
	hasNot []string
}

func runSteps(t *testing.T, c *client, steps []step) {
	t.Helper()
	for _, s := range steps {
		out := c.cmd(s.cmd)
		tag := strings.SplitN(s.cmd, " ", 2)[0]
		if !strings.HasPrefix(last(out), tag+" "+s.tagged) {
			t.Fatalf("%q: want tagged %q, got %q", s.cmd, s.tagged, out)
		}
		for _, h := range s.has {
			if !contains(out, h) {
				t.Fatalf("%q: missing %q in %q", s.cmd, h, out)
			}
		}
		for _, h := range s.hasNot {
			if contains(out, h) {
				t.Fatalf("%q: unexpected %q in %q", s.cmd, h, out)
			}
		}
	}
}

func TestNotAuthenticatedState(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.dial(t)
	runSteps(t, c, []step{
		{"a CAPABILITY", "OK", []string{"* CAPABILITY IMAP4rev1 IMAP4rev2", "AUTH=PLAIN", "SASL-IR", "LITERAL+"}, nil},
		{"b NOOP", "OK", nil, nil},
		{"c SELECT INBOX", "BAD", nil, nil},
		{"d FETCH 1 FLAGS", "BAD", nil, nil},
		{"e LIST \"\" *", "BAD", nil, nil},
		{"f ENABLE IMAP4rev2", "BAD", nil, nil},
		{"g LOGIN user wrong", "NO [AUTHENTICATIONFAILED]", nil, nil},
		{"h LOGIN", "BAD", nil, nil},
		{"i LOGIN user", "BAD", nil, nil},
		{"j ID NIL", "OK", []string{`* ID ("name" "mailwire"`}, nil},
		{"k ID (\"name\" \"test\")", "OK", nil, nil},
		{"l LOGIN \"user\" \"pass\"", "OK [CAPABILITY", nil, nil},
		{"m LOGIN user pass", "BAD", nil, nil},
		{"n AUTHENTICATE PLAIN", "BAD", nil, nil},
		{"o STARTTLS", "BAD", nil, nil},
		{"p LOGOUT", "OK", []string{"* BYE"}, nil},
	})
}

func TestUnknownCommandBeforeLoginCloses(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.dial(t)
	c.send("GET / HTTP/1.1\r\n")
	out := []string{c.readLine(), c.readLine()}
	mustContain(t, out, "BAD", "* BYE")
	if _, err := c.r.ReadString('\n'); err == nil {
		t.Fatal("connection still open")
	}
}

func TestLoginDisabledOnCleartext(t *testing.T) {
	ts := startServer(t, func(s *Server) { s.AllowInsecureAuth = false })
	c := ts.dial(t)
	runSteps(t, c, []step{
		{"a CAPABILITY", "OK", []string{"LOGINDISABLED"}, []string{"AUTH=PLAIN"}},
		{"b LOGIN user pass", "NO [PRIVACYREQUIRED]", nil, nil},
		{"c AUTHENTICATE PLAIN AHVzZXIAcGFzcw==", "NO [PRIVACYREQUIRED]", nil, nil},
	})
}

func TestAuthenticatePlain(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.dial(t)
	// SASL-IR (RFC 4959).
	runSteps(t, c, []step{
		{"a AUTHENTICATE PLAIN AHVzZXIAd3Jvbmc=", "NO [AUTHENTICATIONFAILED]", nil, nil},
		{"b AUTHENTICATE FOO", "NO", nil, nil},
		{"c AUTHENTICATE PLAIN !!!", "BAD", nil, nil},
		{"d AUTHENTICATE PLAIN AHVzZXIAcGFzcw==", "OK", nil, nil},
	})
	// Without initial response, with a continuation; then a cancel.
	c2 := ts.dial(t)
	c2.send("a AUTHENTICATE PLAIN\r\n")
	if l := c2.readLine(); l != "+ " {
		t.Fatalf("continuation: %q", l)
	}
	c2.send("*\r\n")
	if l := c2.readLine(); !strings.HasPrefix(l, "a BAD") {
		t.Fatalf("cancel: %q", l)
	}
	c2.send("b AUTHENTICATE PLAIN\r\n")
	c2.readLine()
	c2.send("AHVzZXIAcGFzcw==\r\n")
	if l := c2.readLine(); !strings.HasPrefix(l, "b OK") {
		t.Fatalf("auth: %q", l)
	}
}

func TestTooManyAuthFailures(t *testing.T) {
	ts := startServer(t, func(s *Server) { s.MaxAuthFailures = 2 })
	c := ts.dial(t)
	c.expect("a LOGIN user x", "a NO")
	c.send("b LOGIN user y\r\n")
	l1, l2 := c.readLine(), c.readLine()
	if !strings.HasPrefix(l1, "b NO") || !strings.HasPrefix(l2, "* BYE") {
		t.Fatalf("got %q %q", l1, l2)
	}
}

func TestAuthenticatedState(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.dial(t).login()
	runSteps(t, c, []step{
		{"a FETCH 1 FLAGS", "BAD", nil, nil},
		{"b NAMESPACE", "OK", []string{`* NAMESPACE (("" "/")) NIL NIL`}, nil},
		{"c CREATE Work", "OK", nil, nil},
		{"d CREATE Work", "NO [ALREADYEXISTS]", nil, nil},
		{"e CREATE INBOX", "NO", nil, nil},
		{`f LIST "" *`, "OK", []string{`* LIST (\HasNoChildren) "/" INBOX`, `* LIST (\HasNoChildren \Sent) "/" Sent`, `"/" Work`}, nil},
		{`g LIST "" ""`, "OK", []string{`* LIST (\Noselect) "/" ""`}, nil},
		{"h RENAME Work Play", "OK", nil, nil},
		{"i RENAME Nope Other", "NO [NONEXISTENT]", nil, nil},
		{`j LIST "" %`, "OK", []string{`"/" Play`}, []string{`"/" Work`}},
		{"k SUBSCRIBE Play", "OK", nil, nil},
		{`l LSUB "" *`, "OK", []string{`* LSUB (\HasNoChildren) "/" Play`}, []string{"INBOX"}},
		{`m LIST (SUBSCRIBED) "" *`, "OK", []string{`\Subscribed) "/" Play`}, []string{"INBOX"}},
		{"n UNSUBSCRIBE Play", "OK", nil, nil},
		{`o LSUB "" *`, "OK", nil, []string{"Play"}},
		{"p STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE HIGHESTMODSEQ APPENDLIMIT)", "OK", []string{"* STATUS INBOX (MESSAGES 0 UIDNEXT 1 UIDVALIDITY", "SIZE 0", "APPENDLIMIT"}, nil},
		{"q STATUS Nope (MESSAGES)", "NO [NONEXISTENT]", nil, nil},
		{"r STATUS INBOX (BOGUS)", "BAD", nil, nil},
		{"s DELETE Play", "OK", nil, nil},
		{"t DELETE Play", "NO [NONEXISTENT]", nil, nil},
		{"u DELETE INBOX", "NO", nil, nil},
		{`v LIST "" * RETURN (STATUS (MESSAGES UNSEEN))`, "OK", []string{"* STATUS INBOX (MESSAGES 0 UNSEEN 0)"}, nil},
		{`w LIST (SPECIAL-USE) "" *`, "OK", []string{`\Sent) "/" Sent`}, []string{"INBOX"}},
		{"x CREATE Archive2 (USE (\\Archive))", "OK", nil, nil},
		{"y ENABLE CONDSTORE", "OK", []string{"* ENABLED CONDSTORE"}, nil},
		{"z CHECK", "BAD", nil, nil},
		{"za CLOSE", "BAD", nil, nil},
		{"zb UNSELECT", "BAD", nil, nil},
		{"zc EXPUNGE", "BAD", nil, nil},
		{"zd SELECT Nope", "NO [NONEXISTENT]", nil, nil},
	})
}

func TestAppend(t *testing.T) {
	ts := startServer(t, func(s *Server) { s.AppendLimit = 1000 })
	c := ts.dial(t).login()
	msg := "Subject: x\r\n\r\nbody\r\n"
	c.send(fmt.Sprintf("a APPEND INBOX (\\Seen) \"25-Nov-2026 10:00:00 +0100\" {%d}\r\n", len(msg)))
	if l := c.readLine(); !strings.HasPrefix(l, "+") {
		t.Fatalf("no continuation: %q", l)
	}
	c.send(msg + "\r\n")
	out := c.readUntilTag("a")
	mustContain(t, out, "a OK [APPENDUID 1001 1]")
	// LITERAL+ (RFC 7888): no continuation.
	c.send(fmt.Sprintf("b APPEND INBOX {%d+}\r\n%s\r\n", len(msg), msg))
	mustContain(t, c.readUntilTag("b"), "b OK [APPENDUID 1001 2]")
	// Too big: refused before the literal (RFC 7889).
	out = c.cmd("c APPEND INBOX {5000}")
	mustContain(t, out, "c NO [TOOBIG]")
	// Nonexistent mailbox.
	c.send(fmt.Sprintf("d APPEND Nope {%d+}\r\n%s\r\n", len(msg), msg))
	mustContain(t, c.readUntilTag("d"), "d NO [TRYCREATE]")
	runSteps(t, c, []step{
		{"e SELECT INBOX", "OK", []string{"* 2 EXISTS"}, nil},
		{"f FETCH 1 (FLAGS INTERNALDATE)", "OK", []string{`FLAGS (\Seen)`, `INTERNALDATE "25-Nov-2026 10:00:00 +0100"`}, nil},
		{"g APPEND INBOX", "BAD", nil, nil},
	})
	// Append to the selected mailbox: EXISTS is sent.
	c.send(fmt.Sprintf("h APPEND INBOX {%d+}\r\n%s\r\n", len(msg), msg))
	mustContain(t, c.readUntilTag("h"), "* 3 EXISTS", "h OK [APPENDUID")
}

func selectedClient(t *testing.T, n int) (*testServer, *client) {
	ts := startServer(t, nil)
	for i := 0; i < n; i++ {
		ts.b.appendMsg("INBOX", fmt.Sprintf("From: a%d@example.org\r\nSubject: msg %d\r\nDate: Tue, %d Nov 2026 10:00:00 +0000\r\n\r\nbody %d text\r\n", i, i, i%28+1, i))
	}
	c := ts.dial(t).login()
	c.selectBox("INBOX")
	return ts, c
}

func TestSelectedState(t *testing.T) {
	_, c := selectedClient(t, 5)
	runSteps(t, c, []step{
		{"a STORE 1 +FLAGS (\\Deleted)", "OK", []string{`* 1 FETCH (UID 1 FLAGS (\Deleted))`}, nil},
		{"b STORE 2 +FLAGS.SILENT (\\Flagged)", "OK", nil, []string{"FETCH"}},
		{"c FETCH 2 FLAGS", "OK", []string{`FLAGS (\Flagged)`}, nil},
		{"d STORE 2 -FLAGS (\\Flagged)", "OK", []string{"* 2 FETCH (UID 2 FLAGS ())"}, nil},
		{"e STORE 3 FLAGS (\\Seen $Work)", "OK", []string{`FLAGS ($Work \Seen)`}, nil},
		{"f STORE 3 FLAGS (\\Bogus)", "BAD", nil, nil},
		{"g STORE 9 FLAGS (\\Seen)", "BAD", nil, nil},
		{"h SEARCH DELETED", "OK", []string{"* SEARCH 1"}, nil},
		{"i SEARCH KEYWORD $Work", "OK", []string{"* SEARCH 3"}, nil},
		{"j COPY 1:2 Trash", "OK [COPYUID", nil, nil},
		{"k COPY 1 Nope", "NO [TRYCREATE]", nil, nil},
		{"l EXPUNGE", "OK", []string{"* 1 EXPUNGE"}, nil},
		{"m FETCH 1:* UID", "OK", []string{"* 4 FETCH (UID 5)"}, nil},
		{"n UID MOVE 5 Trash", "OK", []string{"[COPYUID", "* 4 EXPUNGE"}, nil},
		{"o CHECK", "OK", nil, nil},
		{"p NOOP", "OK", nil, nil},
		{"q UID FETCH 1:* FLAGS", "OK", []string{"* 1 FETCH (UID 2 FLAGS ())"}, nil},
		{"r STORE 1 +FLAGS (\\Deleted)", "OK", nil, nil},
		{"s UID EXPUNGE 3", "OK", nil, []string{"EXPUNGE\r"}},
		{"t UID EXPUNGE 2", "OK", []string{"* 1 EXPUNGE"}, nil},
		{"u UNSELECT", "OK", nil, nil},
		{"v FETCH 1 FLAGS", "BAD", nil, nil},
		{"w SELECT Trash", "OK", []string{"* 3 EXISTS"}, nil},
		{"x EXAMINE INBOX", "OK [READ-ONLY]", []string{"* 2 EXISTS"}, nil},
		{"y STORE 1 +FLAGS (\\Seen)", "NO [READ-ONLY]", nil, nil},
		{"z CLOSE", "OK", nil, nil},
	})
}

func TestFetchItems(t *testing.T) {
	ts := startServer(t, nil)
	ts.b.appendMsg("INBOX", multipartMsg)
	c := ts.dial(t).login()
	c.selectBox("INBOX")
	runSteps(t, c, []step{
		{"a FETCH 1 (BODY.PEEK[HEADER.FIELDS (Subject)])", "OK", []string{`BODY[HEADER.FIELDS (Subject)] {18}`, "Subject: multi"}, []string{"FLAGS"}},
		{"b FETCH 1 BODY.PEEK[1]", "OK", []string{"BODY[1] {12}", "plain text"}, nil},
		{"c FETCH 1 BODY.PEEK[1.MIME]", "OK", []string{"BODY[1.MIME]", "Content-Type: text/plain"}, nil},
		{"d FETCH 1 BODY.PEEK[2]<0.4>", "OK", []string{"BODY[2]<0> {4}", "PGI+"}, nil},
		{"e FETCH 1 BINARY.PEEK[2]", "OK", []string{"BINARY[2] ~{12}", "<b>html</b>"}, nil},
		{"f FETCH 1 BINARY.SIZE[2]", "OK", []string{"BINARY.SIZE[2] 12"}, nil},
		{"g FETCH 1 BODY.PEEK[3.HEADER]", "OK", []string{"BODY[3.HEADER]", "Subject: inner"}, nil},
		{"h FETCH 1 BODY.PEEK[3.TEXT]", "OK", []string{"inner body"}, nil},
		{"i FETCH 1 BODY.PEEK[3.1]", "OK", []string{"inner body"}, nil},
		{"j FETCH 1 BODYSTRUCTURE", "OK", []string{`("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "7BIT" 12 1`, `"MIXED" ("BOUNDARY" "XX")`, `"MESSAGE" "RFC822"`}, nil},
		{"k FETCH 1 BODY", "OK", []string{`BODY ((`}, nil},
		{"l FETCH 1 (RFC822.HEADER RFC822.SIZE)", "OK", []string{"RFC822.HEADER {", "RFC822.SIZE"}, nil},
		{"m FETCH 1 FAST", "OK", []string{"FLAGS ()", "INTERNALDATE", "RFC822.SIZE"}, nil},
		{"n FETCH 1 ALL", "OK", []string{"ENVELOPE"}, nil},
		{"o FETCH 1 FULL", "OK", []string{"BODY (("}, nil},
		{"p FETCH 1 BODY.PEEK[HEADER.FIELDS.NOT (Subject Content-Type)]", "OK", []string{"From: x@example.org"}, []string{"Subject: multi"}},
		{"q FETCH 1 BODY[TEXT]", "OK", []string{`FLAGS (\Seen)`, "--XX"}, nil},
		{"r FETCH 1 RFC822.TEXT", "OK", nil, nil},
		{"s FETCH 1 RFC822", "OK", []string{"RFC822 {"}, nil},
		{"t FETCH 1 (MODSEQ)", "OK", []string{"MODSEQ ("}, nil},
		{"u FETCH 1 BODY[9]", "OK", []string{`BODY[9] ""`}, nil},
		{"v FETCH 1 BOGUS", "BAD", nil, nil},
		{"w FETCH 1 BODY[HEADER.FIELDS]", "BAD", nil, nil},
		{"x FETCH 1 BODY[MIME]", "BAD", nil, nil},
		{"y FETCH 1 (FLAGS", "BAD", nil, nil},
		{"z FETCH 0 FLAGS", "BAD", nil, nil},
	})
}

const multipartMsg = "From: x@example.org\r\nSubject: multi\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\npreamble\r\n--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nplain text\r\n\r\n--XX\r\nContent-Type: text/html\r\nContent-Transfer-Encoding: base64\r\n\r\nPGI+aHRtbDwvYj4K\r\n--XX\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\nFrom: y@example.org\r\n\r\ninner body\r\n--XX--\r\nepilogue\r\n"

func TestSearchKeys(t *testing.T) {
	_, c := selectedClient(t, 10)
	c.mustOK(`x STORE 2,4 +FLAGS (\Seen)`)
	runSteps(t, c, []step{
		{"a SEARCH ALL", "OK", []string{"* SEARCH 1 2 3 4 5 6 7 8 9 10"}, nil},
		{"b SEARCH SEEN", "OK", []string{"* SEARCH 2 4\r"[:12]}, nil},
		{"c SEARCH UNSEEN NOT 1", "OK", []string{"* SEARCH 3 5 6 7 8 9 10"}, nil},
		{"d SEARCH OR 1 3", "OK", []string{"* SEARCH 1 3"}, nil},
		{"e SEARCH SUBJECT \"msg 7\"", "OK", []string{"* SEARCH 8"}, nil},
		{"f SEARCH FROM a3@", "OK", []string{"* SEARCH 4"}, nil},
		{"g SEARCH BODY \"BODY 5\"", "OK", []string{"* SEARCH 6"}, nil},
		{"h SEARCH TEXT nothing-here", "OK", nil, []string{"* SEARCH 1"}},
		{"i SEARCH LARGER 10 SMALLER 100000", "OK", []string{"* SEARCH 1 2"}, nil},
		{"j SEARCH SENTBEFORE 3-Nov-2026", "OK", []string{"* SEARCH 1 2"}, nil},
		{"k SEARCH SENTON 5-Nov-2026", "OK", []string{"* SEARCH 5"}, nil},
		{"l SEARCH SENTSINCE 9-Nov-2026", "OK", []string{"* SEARCH 9 10"}, nil},
		{"m SEARCH SINCE 1-Jan-2020 BEFORE 1-Jan-2030 ON 26-Nov-2026", "OK", []string{"* SEARCH 1 2"}, nil},
		{"n SEARCH HEADER Subject \"msg 1\"", "OK", []string{"* SEARCH 2"}, nil},
		{"o SEARCH UID 3:4", "OK", []string{"* SEARCH 3 4"}, nil},
		{"p UID SEARCH 2:3", "OK", []string{"* SEARCH 2 3"}, nil},
		{"q SEARCH CHARSET UTF-8 TEXT body", "OK", []string{"* SEARCH 1"}, nil},
		{"r SEARCH CHARSET KOI8-R TEXT x", "NO [BADCHARSET", nil, nil},
		{"s SEARCH RETURN (MIN MAX COUNT) UNSEEN", "OK", []string{`* ESEARCH (TAG "s") MIN 1 MAX 10 COUNT 8`}, nil},
		{"t UID SEARCH RETURN () SEEN", "OK", []string{`* ESEARCH (TAG "t") UID ALL 2,4`}, nil},
		{"u SEARCH RETURN (SAVE) SEEN", "OK", nil, []string{"ESEARCH"}},
		{"v FETCH $ UID", "OK", []string{"* 2 FETCH (UID 2)", "* 4 FETCH (UID 4)"}, nil},
		{"w SEARCH $", "OK", []string{"* SEARCH 2 4"}, nil},
		{"x2 SEARCH (OR SEEN DELETED) NOT FLAGGED", "OK", []string{"* SEARCH 2 4"}, nil},
		{"y SEARCH MODSEQ 1", "OK", []string{"(MODSEQ "}, nil},
		{"z SEARCH BOGUS", "BAD", nil, nil},
		{"za SEARCH YOUNGER 10000000000", "BAD", nil, nil},
		{"zb SEARCH NEW", "OK", nil, nil},
		{"zc SEARCH RECENT OLD", "OK", nil, nil},
		{"zd SEARCH KEYWORD", "BAD", nil, nil},
		{"ze SEARCH SENTON 5-Foo-2026", "BAD", nil, nil},
	})
}

func TestMalformedKeepsConnection(t *testing.T) {
	_, c := selectedClient(t, 2)
	for _, bad := range []string{
		"a FETCH", "a FETCH 1:", "a FETCH 1 (", "a FETCH * BODY[1.2.3.]", "a STORE 1 FLAGS", "a STORE 1 BOGUS (\\Seen)",
		"a SEARCH (", "a SEARCH OR 1", "a LIST", "a SELECT", `a SELECT "unterminated`, "a UID BOGUS 1",
		"a COPY", "a APPEND INBOX {x}", "a CREATE", "a RENAME a", `a STATUS INBOX MESSAGES`, "a FETCH 1 BODY[]<1.0>",
		"a NOOP extra", "a ENABLE", "a SEARCH SENTON", "a FETCH 4294967296 FLAGS", "a UID FETCH 1 (CHANGEDSINCE x)",
	} {
		out := c.cmd(bad)
		if !strings.HasPrefix(last(out), "a BAD") {
			t.Fatalf("%q: want BAD, got %q", bad, out)
		}
		c.mustOK("n NOOP") // resets the error counter
	}
	c.mustOK("b NOOP")
	// An untagged or empty-tag line.
	c.send("\r\n+ x\r\n")
	if l := c.readLine(); !strings.HasPrefix(l, "* BAD") {
		t.Fatalf("got %q", l)
	}
	c.mustOK("c FETCH 1 FLAGS")
}

func TestLineTooLong(t *testing.T) {
	ts := startServer(t, func(s *Server) { s.MaxLineLength = 100 })
	c := ts.dial(t).login()
	c.send("a NOOP " + strings.Repeat("x", 5000) + "\r\n")
	if l := c.readLine(); !strings.Contains(l, "BAD [TOOBIG]") {
		t.Fatalf("got %q", l)
	}
	c.mustOK("b NOOP")
	// A literal beyond MaxLiteralSize is refused without continuation.
	out := c.cmd("c LOGIN {100000}")
	if !strings.HasPrefix(last(out), "c BAD") {
		t.Fatalf("got %q", out)
	}
	c.mustOK("d NOOP")
}

func TestTooManyErrors(t *testing.T) {
	ts := startServer(t, func(s *Server) { s.MaxErrors = 3 })
	c := ts.dial(t).login()
	c.cmd("a BOGUS")
	c.cmd("b BOGUS")
	c.send("c BOGUS\r\n")
	l1, l2 := c.readLine(), c.readLine()
	if !strings.HasPrefix(l2, "* BYE") {
		t.Fatalf("got %q %q", l1, l2)
	}
}

func TestLiterals(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.dial(t)
	c.send("a LOGIN {4}\r\n")
	if l := c.readLine(); !strings.HasPrefix(l, "+") {
		t.Fatalf("got %q", l)
	}
	c.send("user {4+}\r\npass\r\n")
	mustContain(t, c.readUntilTag("a"), "a OK")
	// Mailbox names in modified UTF-7 for IMAP4rev1 clients.
	c.mustOK("b CREATE &AMk-t&AOk-")
	mustContain(t, c.mustOK(`c LIST "" *`), `"/" &AMk-t&AOk-`)
	c.mustOK("d ENABLE IMAP4rev2")
	mustContain(t, c.mustOK(`e LIST "" *`), `"/" "Été"`)
}

func TestCondstoreQresync(t *testing.T) {
	ts, c := selectedClient(t, 3)
	runSteps(t, c, []step{
		{"a ENABLE QRESYNC", "OK", []string{"* ENABLED QRESYNC"}, nil},
		{"b FETCH 1:* (FLAGS) (CHANGEDSINCE 2)", "OK", []string{"* 2 FETCH", "* 3 FETCH", "MODSEQ ("}, []string{"* 1 FETCH"}},
		{"c STORE 1 (UNCHANGEDSINCE 1) +FLAGS (\\Seen)", "OK [MODIFIED 1]", nil, nil},
		{"d STORE 1 (UNCHANGEDSINCE 100) +FLAGS (\\Seen)", "OK", []string{"MODSEQ (5)"}, nil},
		{"e UID STORE 2 +FLAGS (\\Deleted)", "OK", nil, nil},
		{"f EXPUNGE", "OK", []string{"* VANISHED 2"}, nil},
		{"g UID FETCH 1:* FLAGS (CHANGEDSINCE 1 VANISHED)", "OK", []string{"* VANISHED (EARLIER) 2"}, nil},
		{"h SELECT INBOX (QRESYNC (1001 1 1:3))", "OK", []string{"* VANISHED (EARLIER) 2", "* 1 FETCH (UID 1 FLAGS (\\Seen) MODSEQ (5))", "[HIGHESTMODSEQ 7]", "OK [CLOSED]"}, nil},
	})
	_ = ts
}

func TestIdle(t *testing.T) {
	ts, c := selectedClient(t, 1)
	c.send("a IDLE\r\n")
	if l := c.readLine(); !strings.HasPrefix(l, "+") {
		t.Fatalf("got %q", l)
	}
	ts.b.appendMsg("INBOX", simpleMsg)
	if l := c.readLine(); l != "* 2 EXISTS" {
		t.Fatalf("got %q", l)
	}
	if l := c.readLine(); l != "* 0 RECENT" && l != "* 1 RECENT" {
		t.Fatalf("got %q", l)
	}
	// Another session expunges: EXPUNGE immediately during IDLE.
	c2 := ts.dial(t).login()
	c2.selectBox("INBOX")
	c2.mustOK("b UID STORE 1 +FLAGS.SILENT (\\Deleted)")
	if l := c.readLine(); !strings.Contains(l, `* 1 FETCH (UID 1 FLAGS (\Deleted))`) {
		t.Fatalf("got %q", l)
	}
	c2.mustOK("c EXPUNGE")
	if l := c.readLine(); l != "* 1 EXPUNGE" {
		t.Fatalf("got %q", l)
	}
	c.send("DONE\r\n")
	if l := c.readLine(); !strings.HasPrefix(l, "a OK") {
		t.Fatalf("got %q", l)
	}
	c.mustOK("b FETCH 1 UID")
}

// TestBadCommandWithLiteralPlus checks that a failed command's LITERAL+
// data is skipped, not parsed as commands (RFC 7888).
func TestBadCommandWithLiteralPlus(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.dial(t).login()
	c.send("a BOGUSCMD {11+}\r\nb LOGOUT\r\n and more\r\n")
	if l := c.readLine(); !strings.HasPrefix(l, "a BAD") {
		t.Fatalf("got %q", l)
	}
	c.mustOK("c NOOP")
}

// TestNoExpungeDuringFetchStoreSearch: another session expunges; the
// EXPUNGE reaches this session only at a command that allows it
// (RFC 9051 §7.5.1), while new messages and flag changes arrive at once.
func TestNoExpungeDuringFetchStoreSearch(t *testing.T) {
	ts, a := selectedClient(t, 3)
	b := ts.dial(t).login()
	b.selectBox("INBOX")
	b.mustOK(`b1 STORE 2 +FLAGS.SILENT (\Deleted)`)
	b.mustOK("b2 EXPUNGE")
	ts.b.appendMsg("INBOX", simpleMsg)
	for _, cmd := range []string{"a1 FETCH 1:3 (UID FLAGS)", `a2 STORE 3 +FLAGS (\Seen)`, "a3 SEARCH ALL", "a4 COPY 2 Trash"} {
		out := c2cmd(t, a, cmd)
		mustNotContain(t, out, "EXPUNGE")
	}
	// The message expunged elsewhere still has its number: FETCH of it
	// is answered NO [EXPUNGEISSUED] (RFC 2180 §4.1.2).
	a.expect("a5 FETCH 2 BODY.PEEK[]", "a5 NO [EXPUNGEISSUED]")
	out := a.mustOK("a6 NOOP")
	mustContain(t, out, "* 2 EXPUNGE")
	mustContain(t, a.mustOK("a7 FETCH 1:* UID"), "* 3 FETCH (UID 4)")
	// UID commands may carry EXPUNGE.
	b.mustOK(`b3 STORE 1 +FLAGS.SILENT (\Deleted)`)
	b.mustOK("b4 EXPUNGE")
	mustContain(t, a.mustOK("a8 UID FETCH 1:* FLAGS"), "* 1 EXPUNGE")
}

func c2cmd(t *testing.T, c *client, cmd string) []string {
	t.Helper()
	out := c.cmd(cmd)
	tag := strings.Fields(cmd)[0]
	if !strings.HasPrefix(last(out), tag+" OK") {
		t.Fatalf("%s: %q", cmd, out)
	}
	if cmd[:2] == "a1" {
		mustContain(t, out, "* 4 EXISTS") // new message announced during FETCH
	}
	return out
}

func TestUnauthenticate(t *testing.T) {
	_, c := selectedClient(t, 1)
	runSteps(t, c, []step{
		{"a UNAUTHENTICATE", "OK", nil, nil},
		{"b FETCH 1 FLAGS", "BAD", nil, nil},
		{"c LOGIN user pass", "OK", nil, nil},
		{"d SELECT INBOX", "OK", []string{"* 1 EXISTS"}, nil},
	})
}
