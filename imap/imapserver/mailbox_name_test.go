package imapserver

import "testing"

// Mailbox names travel as modified UTF-7 for IMAP4rev1 clients (RFC 3501
// §5.1.3) and as UTF-8 once UTF8=ACCEPT is enabled (RFC 6855 §3); the
// codec is imap/internal/wire's.
func TestMailboxNameModifiedUTF7(t *testing.T) {
	ts := startServer(t, nil)
	rev1 := ts.dial(t).login()
	rev1.mustOK(`c1 CREATE "&ZeVnLIqe-"`) // 日本語
	rev1.mustOK(`c2 CREATE "a&-b"`)
	rev1.mustOK(`c3 CREATE "&,,0-"`) // U+FFFD round-trips
	// Not canonical (an encoded "a"): taken as the name it was sent as.
	rev1.mustOK(`c4 CREATE "&AGE-"`)
	lines := rev1.mustOK(`l1 LIST "" "*"`)
	mustContain(t, lines, `"/" &ZeVnLIqe-`, `"/" a&-b`, `"/" &,,0-`, `"/" &-AGE-`)

	utf8 := ts.dial(t).login()
	utf8.mustOK(`e1 ENABLE UTF8=ACCEPT`)
	lines = utf8.mustOK(`l2 LIST "" "*"`)
	mustContain(t, lines, `"/" "日本語"`, `"/" a&b`, "\"/\" \"\ufffd\"", `"/" &AGE-`)
	utf8.mustOK(`s1 SELECT "日本語"`)
	rev1.mustOK(`s2 SELECT "&ZeVnLIqe-"`)
}
