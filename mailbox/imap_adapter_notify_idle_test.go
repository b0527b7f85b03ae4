package mailbox

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// TestIMAPNotifyIdle: IDLE sends exactly the events NOTIFY asked for,
// other mailboxes' STATUS included (RFC 5465 §4).
func TestIMAPNotifyIdle(t *testing.T) {
	imapStores(t, func(t *testing.T, st Store) {
		ctx := context.Background()
		addr := startIMAP(t, st)
		if err := st.CreateMailbox(ctx, "user", "Lists/Im2000", ""); err != nil {
			t.Fatal(err)
		}
		uv := func(name string) uint32 {
			s, err := st.Status(ctx, "user", name)
			if err != nil {
				t.Fatal(err)
			}
			return s.UIDValidity
		}
		a := dialIMAP(t, addr)
		a.do("a LOGIN user pass", "OK")
		a.do("c SELECT INBOX", "OK")
		// IDLE sends the same events (§4).
		a.do("f NOTIFY SET (mailboxes Lists/Im2000 (MessageNew MessageExpunge))", "OK")
		io.WriteString(a.c, "g IDLE\r\n")
		a.next("+ idling")
		if _, err := st.Append(ctx, "user", "Lists/Im2000", strings.NewReader(adapterMsg), nil, time.Time{}); err != nil {
			t.Fatal(err)
		}
		a.next(fmt.Sprintf("* STATUS Lists/Im2000 (MESSAGES 1 UIDNEXT 2 UIDVALIDITY %d UNSEEN 1)", uv("Lists/Im2000")))
		io.WriteString(a.c, "DONE\r\n")
		a.next("g OK IDLE terminated")

		a.do("h LOGOUT", "OK")
	})
}
