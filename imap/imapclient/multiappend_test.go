package imapclient_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailwire/mailwire/imap"
	"github.com/mailwire/mailwire/imap/imapclient"
)

// MULTIAPPEND against the server (RFC 3502): three messages, one of them
// large, in one command; APPENDUID lists them in order.
func TestMultiAppendAgainstServer(t *testing.T) {
	addr := startServer(t)
	c := login(t, addr, nil)
	needCap(t, c, "MULTIAPPEND")
	msgs := []string{"From: a@b\r\nSubject: one\r\n\r\n1\r\n", "From: a@b\r\nSubject: two\r\n\r\n" + strings.Repeat("2", 300<<10) + "\r\n", "From: a@b\r\nSubject: three\r\n\r\n3\r\n"}
	var items []imapclient.AppendItem
	for i, m := range msgs {
		it := imapclient.AppendItem{Size: int64(len(m)), Body: strings.NewReader(m)}
		if i == 0 {
			it.Options = &imapclient.AppendOptions{Flags: []imap.Flag{imap.FlagSeen}, Time: time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)}
		}
		items = append(items, it)
	}
	uv, uids, err := c.AppendMany("INBOX", items).Wait()
	if err != nil || uv == 0 || !slices.Equal(uids, []uint32{1, 2, 3}) {
		t.Fatalf("AppendMany: %d %v %v", uv, uids, err)
	}
	st, err := c.Status("INBOX", &imap.StatusOptions{NumMessages: true, NumUnseen: true}).Wait()
	if err != nil || *st.NumMessages != 3 || *st.NumUnseen != 2 {
		t.Fatalf("STATUS %+v %v", st, err)
	}
	// Into a missing mailbox: TRYCREATE, nothing stored.
	_, _, err = c.AppendMany("nosuch", []imapclient.AppendItem{{Size: int64(len(msgs[0])), Body: strings.NewReader(msgs[0])}}).Wait()
	var ie *imap.Error
	if !errors.As(err, &ie) || ie.Code != imap.CodeTryCreate {
		t.Fatalf("want TRYCREATE, got %v", err)
	}
}
