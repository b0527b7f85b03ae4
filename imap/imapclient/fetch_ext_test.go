package imapclient_test

import (
	"strings"
	"testing"
	"time"

	"github.com/mailwire/mailwire/imap"
)

// FETCH SAVEDATE (RFC 8514) and EMAILID/THREADID (RFC 8474) against the
// server over the mailbox store, which records save dates.
func TestSaveDateAndEmailIDAgainstServer(t *testing.T) {
	addr := startServer(t)
	c := login(t, addr, nil)
	before := time.Now().Add(-time.Minute)
	for i := 0; i < 2; i++ {
		// Different bodies: the store's EMAILID is a hash of the content
		// and internal date, and RFC 8474 §5.1 lets identical APPENDs
		// share one.
		msg := "From: a@b\r\nSubject: s\r\n\r\ns" + string(rune('0'+i)) + "\r\n"
		if _, err := c.Append("INBOX", int64(len(msg)), strings.NewReader(msg), nil).Wait(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(1, 2), &imap.FetchOptions{SaveDate: true, EmailID: true}, nil).Collect()
	if err != nil || len(msgs) != 2 {
		t.Fatalf("FETCH %v %v", msgs, err)
	}
	for _, m := range msgs {
		if m.SaveDate.Before(before) || m.SaveDate.After(time.Now().Add(time.Minute)) {
			t.Errorf("SAVEDATE %v", m.SaveDate)
		}
		if m.EmailID == "" {
			t.Errorf("no EMAILID in %+v", m)
		}
	}
	if msgs[0].EmailID == msgs[1].EmailID {
		t.Errorf("EMAILIDs equal: %q", msgs[0].EmailID)
	}
}
