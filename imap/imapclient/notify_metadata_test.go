package imapclient_test

import (
	"slices"
	"testing"

	"github.com/mailwire/mailwire/imap/imapclient"
)

// metadataNote is one unsolicited METADATA response.
type metadataNote struct {
	mailbox string
	entries []string
}

// TestNotifyMetadataAgainstServer: with MailboxMetadataChange and
// ServerMetadataChange (RFC 5465 §5.6, §5.7), another session's
// SETMETADATA arrives at UnilateralHandler.Metadata with the changed
// entry names, deletions included; GETMETADATA still gets its own
// responses.
func TestNotifyMetadataAgainstServer(t *testing.T) {
	addr := startServer(t)
	notes := make(chan metadataNote, 16)
	a := login(t, addr, &imapclient.Options{Handler: &imapclient.UnilateralHandler{
		Metadata: func(mailbox string, entries []string) { notes <- metadataNote{mailbox, entries} },
	}})
	b := login(t, addr, nil)
	if _, err := a.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Notify(&imapclient.NotifyOptions{Groups: []imapclient.NotifyGroup{
		{Filter: imapclient.NotifySelected,
			Events: []imapclient.NotifyEvent{imapclient.NotifyMessageNew, imapclient.NotifyMessageExpunge}},
		{Filter: imapclient.NotifyPersonal,
			Events: []imapclient.NotifyEvent{imapclient.NotifyMailboxMetadataChange, imapclient.NotifyServerMetadataChange}},
	}}).Wait(); err != nil {
		t.Fatal(err)
	}
	expect := func(mailbox string, entries ...string) {
		t.Helper()
		n := recv(t, notes)
		if n.mailbox != mailbox || !slices.Equal(n.entries, entries) {
			t.Fatalf("METADATA %q %q, want %q %q", n.mailbox, n.entries, mailbox, entries)
		}
	}
	if err := b.SetMetadata("INBOX", map[string][]byte{"/private/comment": []byte("x")}).Wait(); err != nil {
		t.Fatal(err)
	}
	expect("INBOX", "/private/comment")
	if err := b.SetMetadata("", map[string][]byte{"/shared/comment": []byte("y")}).Wait(); err != nil {
		t.Fatal(err)
	}
	expect("", "/shared/comment")
	if err := b.SetMetadata("INBOX", map[string][]byte{"/private/comment": nil}).Wait(); err != nil {
		t.Fatal(err)
	}
	expect("INBOX", "/private/comment")

	// A's own change is not reported; GETMETADATA returns values.
	if err := a.SetMetadata("INBOX", map[string][]byte{"/private/mine": []byte("1")}).Wait(); err != nil {
		t.Fatal(err)
	}
	d, err := a.GetMetadata("INBOX", []string{"/private/mine"}, nil).Wait()
	if err != nil || string(d.Entries["/private/mine"]) != "1" {
		t.Fatalf("GETMETADATA: %+v, %v", d, err)
	}
	if err := a.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-notes:
		t.Fatalf("own change notified: %+v", n)
	default:
	}
}
