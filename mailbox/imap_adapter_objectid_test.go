package mailbox

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mailwire/mailwire/imap/imapserver"
)

func appendCmd(tag, box, msg string) string {
	return tag + " APPEND " + box + ` "20-Mar-2018 03:07:37 +1100" {` + itoaTest(len(msg)) + "+}\r\n" + msg
}

var idRe = regexp.MustCompile(`\* (\d+) FETCH \(EMAILID \(([A-Za-z0-9_-]+)\) THREADID \(([A-Za-z0-9_-]+)\)\)`)

// fetchIDs returns seq → [EMAILID, THREADID] of FETCH 1:* (EMAILID THREADID).
func fetchIDs(t *testing.T, c *imapTestClient, tag string) map[string][2]string {
	t.Helper()
	out := c.do(tag+" FETCH 1:* (EMAILID THREADID)", "OK")
	ids := map[string][2]string{}
	for _, m := range idRe.FindAllStringSubmatch(out, -1) {
		ids[m[1]] = [2]string{m[2], m[3]}
	}
	return ids
}

// TestIMAPAdapterObjectID replays RFC 8474 §4 and §5 over both stores:
// MAILBOXID on CREATE/SELECT/STATUS kept across RENAME, EMAILID the same
// after MOVE and COPY (§5.1), a reply in the thread of its parent and a new
// thread for an unrelated message (§5.2), SEARCH EMAILID/THREADID (§6).
func TestIMAPAdapterObjectID(t *testing.T) {
	imapStores(t, func(t *testing.T, st Store) {
		addr := startIMAP(t, st)
		c := dialIMAP(t, addr)
		c.do("a LOGIN user pass", "OK")
		needIMAPCap(t, c, "OBJECTID")
		out := c.do("3 create foo", "OK [MAILBOXID (")
		fooID := regexp.MustCompile(`MAILBOXID \((F[0-9a-f]+)\)`).FindStringSubmatch(out)[1]
		mustHave(t, c.do("6 status foo (mailboxid)", "OK"), "* STATUS foo (MAILBOXID ("+fooID+"))")
		c.do("8 rename foo renamed", "OK")
		mustHave(t, c.do("9 status renamed (mailboxid)", "OK"), "* STATUS renamed (MAILBOXID ("+fooID+"))")
		c.do("10 rename renamed foo", "OK")

		msgA := "Subject: Message A\r\nMessage-ID: <fake.1521475657.54797@example.com>\r\n\r\nA\r\n"
		msgB := "Subject: Re: Message A\r\nMessage-ID: <fake.1521475657.21213@example.org>\r\nReferences: <fake.1521475657.54797@example.com>\r\n\r\nB\r\n"
		msgC := "Subject: Message C\r\nMessage-ID: <fake.1521475657.60280@example.com>\r\n\r\nC\r\n"
		c.do(appendCmd("5", "inbox", msgA), "OK [APPENDUID")
		c.do(appendCmd("11", "inbox", msgB), "OK [APPENDUID")
		c.do(appendCmd("17", "inbox", msgC), "OK [APPENDUID")
		inbox := c.do("20 select inbox", "OK [READ-WRITE]")
		if !strings.Contains(inbox, "* OK [MAILBOXID (F") {
			t.Fatalf("SELECT without MAILBOXID:\n%s", inbox)
		}
		ids := fetchIDs(t, c, "22")
		a, b, cc := ids["1"], ids["2"], ids["3"]
		if a[0] == "" || a[0] == b[0] || a[0] == cc[0] || a[0][0] != 'M' || a[1][0] != 'T' {
			t.Fatalf("EMAILIDs %v", ids)
		}
		if a[1] != b[1] || a[1] == cc[1] {
			t.Fatalf("THREADIDs: reply not with its parent or C not on its own: %v", ids)
		}
		mustHave(t, c.do("23 move 2 foo", "OK"), "[COPYUID ", "* 2 EXPUNGE")
		c.do("23b copy 2 foo", "OK [COPYUID")
		after := fetchIDs(t, c, "24")
		if after["1"] != a || after["2"] != cc {
			t.Fatalf("ids changed in INBOX after MOVE: %v vs %v", after, ids)
		}
		mustHave(t, c.do("24b uid search emailid "+a[0], "OK"), "* SEARCH 1")
		mustHave(t, c.do("24c search threadid "+cc[1], "OK"), "* SEARCH 2")
		sel := c.do("25 select foo", "OK [READ-WRITE]")
		mustHave(t, sel, "* OK [MAILBOXID ("+fooID+")]")
		moved := fetchIDs(t, c, "26")
		if moved["1"] != b || moved["2"] != cc {
			t.Fatalf("MOVE/COPY changed EMAILID or THREADID: %v, want %v and %v", moved, b, cc)
		}
	})
}

// TestIMAPAdapterSaveDate: FETCH SAVEDATE and SEARCH SAVED* over the store
// (RFC 8514): the save date is when the message entered the mailbox.
func TestIMAPAdapterSaveDate(t *testing.T) {
	imapStores(t, func(t *testing.T, st Store) {
		addr := startIMAP(t, st)
		c := dialIMAP(t, addr)
		c.do("a LOGIN user pass", "OK")
		needIMAPCap(t, c, "SAVEDATE")
		c.do(appendCmd("b", "INBOX", adapterMsg), "OK")
		c.do("c SELECT INBOX", "OK")
		out := c.do("d FETCH 1 (SAVEDATE INTERNALDATE)", "OK")
		if !regexp.MustCompile(`SAVEDATE "\d\d-\w{3}-\d{4} \d\d:\d\d:\d\d [+-]\d{4}"`).MatchString(out) {
			t.Fatalf("no SAVEDATE: %s", out)
		}
		mustHave(t, c.do("e SEARCH SAVEDATESUPPORTED", "OK"), "* SEARCH 1")
		mustHave(t, c.do("f SEARCH SAVEDSINCE 1-Jan-2020", "OK"), "* SEARCH 1")
		// The internal date is 2018, the save date today.
		mustHave(t, c.do("g SEARCH SAVEDBEFORE 1-Jan-2020", "OK"), "* SEARCH\ng OK")
		mustHave(t, c.do("h SEARCH BEFORE 1-Jan-2020", "OK"), "* SEARCH 1")
	})
}

// TestIMAPAdapterMailboxIDAcrossReopen: a Maildir store reopened reports the
// same MAILBOXID (it lives in the mailbox's index).
func TestIMAPAdapterMailboxIDAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	st, err := OpenMaildir(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if err := st.CreateUser(ctx, "u", "p"); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateMailbox(ctx, "u", "a/b", ""); err != nil {
		t.Fatal(err)
	}
	s1, _ := st.Status(ctx, "u", "a/b")
	st.Close()
	st, err = OpenMaildir(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s2, err := st.Status(ctx, "u", "a/b")
	if err != nil || s2.MailboxID != s1.MailboxID || s1.MailboxID == "" {
		t.Fatalf("MailboxID %q after reopen, was %q (%v)", s2.MailboxID, s1.MailboxID, err)
	}
}

// BenchmarkIMAPObjectIDs measures EMAILID (a hash of the whole message)
// and THREADID (the header) of a 64 KiB message in the memory store.
func BenchmarkIMAPObjectIDs(b *testing.B) {
	ctx := b.Context()
	st := NewMemory(Options{})
	defer st.Close()
	if err := st.CreateUser(ctx, "u", "p"); err != nil {
		b.Fatal(err)
	}
	msg := "Subject: s\r\nMessage-ID: <a@b>\r\nReferences: <r@b>\r\n\r\n" + strings.Repeat("0123456789abcde\n", 4096)
	if _, err := st.Append(ctx, "u", "INBOX", strings.NewReader(msg), nil, time.Time{}); err != nil {
		b.Fatal(err)
	}
	sess, _ := NewIMAPBackend(st).NewSession(ctx, imapserver.ConnInfo{})
	u, err := sess.Login(ctx, "u", "p")
	if err != nil {
		b.Fatal(err)
	}
	mbox, err := u.Select(ctx, "INBOX", true)
	if err != nil {
		b.Fatal(err)
	}
	defer mbox.Close()
	for _, item := range []string{"EmailID", "ThreadID"} {
		b.Run(item, func(b *testing.B) {
			b.SetBytes(int64(len(msg)))
			b.ReportAllocs()
			for b.Loop() {
				mbox.Fetch(ctx, []uint32{1}, func(m imapserver.Message) error {
					o := m.(imapserver.MessageObjectID)
					if item == "EmailID" {
						o.EmailID()
					} else {
						o.ThreadID()
					}
					return nil
				})
			}
		})
	}
}
