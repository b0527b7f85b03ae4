package mailbox

import (
	"context"
	"strings"
	"testing"
)

// needIMAPCap skips until the IMAP server announces an extension (the
// command-table hookup of imapserver's extension files).
func needIMAPCap(t *testing.T, c *imapTestClient, name string) {
	t.Helper()
	if out := c.do("cap CAPABILITY", "OK"); !strings.Contains(out, " "+name) {
		t.Skipf("server does not announce %s yet", name)
	}
}

// QUOTA over the store (RFC 9208): the account's limits as root "",
// STORAGE in KiB, MESSAGE as a count, [OVERQUOTA] on APPEND.
func TestIMAPAdapterQuota(t *testing.T) {
	imapStores(t, func(t *testing.T, st Store) {
		addr := startIMAP(t, st)
		c := dialIMAP(t, addr)
		c.do("a LOGIN user pass", "OK")
		needIMAPCap(t, c, "QUOTA")
		// No limits: no quota root (RFC 9208 §4.2.2).
		out := c.do("b GETQUOTAROOT INBOX", "OK")
		mustHave(t, out, "* QUOTAROOT INBOX")
		if strings.Contains(out, `INBOX ""`) {
			t.Fatalf("root without limits: %s", out)
		}
		c.do(`c GETQUOTA ""`, "NO [NONEXISTENT]")

		if err := st.SetQuota(context.Background(), "user", 4096, 2); err != nil {
			t.Fatal(err)
		}
		c.do("d APPEND INBOX {"+itoaTest(len(adapterMsg))+"+}\r\n"+adapterMsg, "OK")
		out = c.do("e GETQUOTAROOT INBOX", "OK")
		mustHave(t, out, `* QUOTAROOT INBOX ""`, `* QUOTA "" (STORAGE 1 4 MESSAGE 1 2)`)
		c.do("f APPEND INBOX {"+itoaTest(len(adapterMsg))+"+}\r\n"+adapterMsg, "OK")
		c.do("g APPEND INBOX {"+itoaTest(len(adapterMsg))+"+}\r\n"+adapterMsg, "NO [OVERQUOTA]")
		c.do(`h GETQUOTA "#user/alice"`, "NO [NONEXISTENT]")
		// Users cannot raise their own limits.
		c.do(`i SETQUOTA "" (STORAGE 999999)`, "NO [NOPERM]")
		c.do("j GETQUOTAROOT nosuch", "NO")
	})
}

// METADATA over the store (RFC 5464): server and mailbox entries persist
// in the store.
func TestIMAPAdapterMetadata(t *testing.T) {
	imapStores(t, func(t *testing.T, st Store) {
		addr := startIMAP(t, st)
		c := dialIMAP(t, addr)
		c.do("a LOGIN user pass", "OK")
		needIMAPCap(t, c, "METADATA")
		c.do(`b SETMETADATA "" (/private/vendor/x/setting "on")`, "OK")
		c.do(`c SETMETADATA INBOX (/shared/comment "Inbox of the user" /private/color "#ff0000")`, "OK")
		mustHave(t, c.do(`d GETMETADATA "" /private/vendor/x/setting`, "OK"),
			`* METADATA "" (/private/vendor/x/setting "on")`)
		mustHave(t, c.do(`e GETMETADATA (DEPTH infinity) INBOX (/shared /private)`, "OK"),
			`/shared/comment "Inbox of the user"`, `/private/color "#ff0000"`)
		c.do(`f SETMETADATA INBOX (/private/color NIL)`, "OK")
		m, err := st.GetMetadata(context.Background(), "user", "INBOX")
		if err != nil || string(m["/shared/comment"]) != "Inbox of the user" || m["/private/color"] != nil {
			t.Fatalf("store metadata %q %v", m, err)
		}
		c.do(`g SETMETADATA nosuch (/private/x "1")`, "NO [NONEXISTENT]")
		c.do(`h GETMETADATA nosuch /private/x`, "NO [NONEXISTENT]")
	})
}

func itoaTest(n int) string {
	var b []byte
	for {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
		if n == 0 {
			return string(b)
		}
	}
}

// MULTIAPPEND over the store (RFC 3502): several messages in one commit,
// none when one of them cannot be stored; a large one spools to disk.
func TestIMAPAdapterMultiAppend(t *testing.T) {
	imapStores(t, func(t *testing.T, st Store) {
		addr := startIMAP(t, st)
		c := dialIMAP(t, addr)
		c.do("a LOGIN user pass", "OK")
		needIMAPCap(t, c, "MULTIAPPEND")
		big := adapterMsg + strings.Repeat("x", spoolMemory+10) + "\r\n"
		n := itoaTest(len(adapterMsg))
		out := c.do("b APPEND INBOX (\\Seen) {"+n+"+}\r\n"+adapterMsg+" {"+itoaTest(len(big))+"+}\r\n"+big+" {"+n+"+}\r\n"+adapterMsg, "OK")
		mustHave(t, out, "[APPENDUID ", " 1,2,3]")
		mustHave(t, c.do("c STATUS INBOX (MESSAGES)", "OK"), "MESSAGES 3")
		if err := st.SetQuota(context.Background(), "user", 0, 4); err != nil {
			t.Fatal(err)
		}
		c.do("d APPEND INBOX {"+n+"+}\r\n"+adapterMsg+" {"+n+"+}\r\n"+adapterMsg, "NO [OVERQUOTA]")
		mustHave(t, c.do("e STATUS INBOX (MESSAGES)", "OK"), "MESSAGES 3")
		c.do("f APPEND INBOX {"+n+"+}\r\n"+adapterMsg, "OK [APPENDUID")
	})
}
