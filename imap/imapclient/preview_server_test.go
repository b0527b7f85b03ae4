package imapclient_test

import (
	"testing"
	"time"

	"github.com/mailwire/mailwire/imap"
)

// PREVIEW (LAZY) against the module's server (RFC 8970 §3.1): the server
// accepts the modifier and, computing previews at FETCH time, answers
// with the same preview as without it, never NIL.
func TestPreviewLazyAgainstServer(t *testing.T) {
	addr := startServer(t)
	c := login(t, addr, nil)
	date := time.Date(2026, 11, 26, 7, 0, 0, 0, time.UTC)
	appendText(t, c, "INBOX", "Subject: a\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nGr=FC=DFe   aus\nK=F6ln\n", date)
	appendText(t, c, "INBOX", "Subject: b\nContent-Type: image/png\n\nxx\n", date)
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	want := []string{"Grüße aus Köln", ""}
	for _, items := range []*imap.FetchOptions{
		{UID: true, PreviewLazy: true},
		{UID: true, Preview: true, PreviewLazy: true, Flags: true},
		{UID: true, Preview: true},
	} {
		msgs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 2}}, items, nil).Wait()
		if err != nil || len(msgs) != 2 {
			t.Fatalf("FETCH %+v: %v, %v", items, msgs, err)
		}
		for i, m := range msgs {
			if m.Preview != want[i] || m.PreviewNil || m.UID != uint32(i+1) {
				t.Errorf("FETCH %+v message %d: UID %d preview %q nil %v, want %q", items, i+1, m.UID, m.Preview, m.PreviewNil, want[i])
			}
		}
	}
	// UID FETCH with the modifier.
	msgs, err := c.Fetch(imap.UIDSetNum(1), &imap.FetchOptions{PreviewLazy: true}, nil).Wait()
	if err != nil || len(msgs) != 1 || msgs[0].Preview != want[0] {
		t.Fatalf("UID FETCH PREVIEW (LAZY): %+v, %v", msgs, err)
	}
}
