package imapclient_test

import (
	"strings"
	"testing"
	"time"

	"github.com/mailwire/mailwire/imap"
	"github.com/mailwire/mailwire/imap/imapclient"
)

func appendText(t *testing.T, c *imapclient.Client, box, msg string, date time.Time) {
	t.Helper()
	msg = strings.ReplaceAll(msg, "\n", "\r\n")
	if _, err := c.Append(box, int64(len(msg)), strings.NewReader(msg), &imapclient.AppendOptions{Time: date}).Wait(); err != nil {
		t.Fatal(err)
	}
}

// The client's OBJECTID (RFC 8474), SAVEDATE (RFC 8514) and PREVIEW
// (RFC 8970) support against the module's server over the mailbox store.
func TestObjectIDSaveDatePreviewAgainstServer(t *testing.T) {
	addr := startServer(t)
	c := login(t, addr, nil)
	caps, err := c.Capability().Wait()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"OBJECTID", "SAVEDATE", "PREVIEW"} {
		found := false
		for _, c := range caps {
			found = found || c == want
		}
		if !found {
			t.Fatalf("%s not announced: %v", want, caps)
		}
	}
	// MAILBOXID of CREATE, STATUS (also after RENAME) and SELECT.
	cr := c.Create("foo")
	if err := cr.Wait(); err != nil {
		t.Fatal(err)
	}
	id := cr.MailboxID()
	if id == "" || id[0] != 'F' {
		t.Fatalf("CREATE MAILBOXID %q", id)
	}
	if err := c.Rename("foo", "bar").Wait(); err != nil {
		t.Fatal(err)
	}
	st, err := c.Status("bar", &imap.StatusOptions{MailboxID: true, NumMessages: true}).Wait()
	if err != nil || st.MailboxID != id || st.NumMessages == nil {
		t.Fatalf("STATUS after RENAME: %+v %v (want id %q)", st, err, id)
	}

	date := time.Date(2019, 5, 1, 10, 0, 0, 0, time.UTC)
	appendText(t, c, "bar", "Subject: one\nMessage-ID: <1@x>\nContent-Type: text/plain; charset=utf-8\n\nPremière   ligne\n\nseconde.\n", date)
	appendText(t, c, "bar", "Subject: Re: one\nMessage-ID: <2@x>\nIn-Reply-To: <1@x>\n\nreply\n", date)
	sel, err := c.Select("bar", nil).Wait()
	if err != nil || sel.MailboxID != id {
		t.Fatalf("SELECT MAILBOXID %q (%v), want %q", sel.MailboxID, err, id)
	}
	msgs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 2}}, &imap.FetchOptions{UID: true, Preview: true, SaveDate: true, EmailID: true, ThreadID: true}, nil).Wait()
	if err != nil || len(msgs) != 2 {
		t.Fatalf("FETCH: %v %v", msgs, err)
	}
	m1, m2 := msgs[0], msgs[1]
	if m1.Preview != "Première ligne seconde." || m2.Preview != "reply" {
		t.Fatalf("previews %q %q", m1.Preview, m2.Preview)
	}
	if m1.SaveDate.IsZero() || time.Since(m1.SaveDate) > time.Hour {
		t.Fatalf("SAVEDATE %v", m1.SaveDate)
	}
	if m1.EmailID == "" || m1.EmailID == m2.EmailID || m1.ThreadID == "" || m1.ThreadID != m2.ThreadID {
		t.Fatalf("ids %q %q / %q %q", m1.EmailID, m1.ThreadID, m2.EmailID, m2.ThreadID)
	}
	// Search keys: EMAILID, THREADID, SAVED*.
	for _, tc := range []struct {
		crit imap.SearchCriteria
		want []uint32
	}{
		{imap.SearchCriteria{EmailID: m2.EmailID}, []uint32{2}},
		{imap.SearchCriteria{ThreadID: m1.ThreadID}, []uint32{1, 2}},
		{imap.SearchCriteria{SaveDateSupported: true}, []uint32{1, 2}},
		{imap.SearchCriteria{SavedBefore: date}, nil},
		{imap.SearchCriteria{SavedSince: time.Now().AddDate(0, 0, -1)}, []uint32{1, 2}},
	} {
		res, err := c.Search(false, &tc.crit, nil).Wait()
		if err != nil {
			t.Fatal(err)
		}
		if got := res.AllNums(); !equalNums(got, tc.want) {
			t.Errorf("SEARCH %+v = %v, want %v", tc.crit, got, tc.want)
		}
	}
}

func equalNums(a, b []uint32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
