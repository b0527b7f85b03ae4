package imapclient_test

import (
	"context"
	"fmt"
	"log"

	"github.com/mailwire/mailwire/imap"
	"github.com/mailwire/mailwire/imap/imapclient"
)

// NOTIFY (RFC 5465): new mail in INBOX arrives with its envelope, other
// folders report their counters, and new or renamed folders a LIST, all
// without polling or IDLE.
func ExampleClient_Notify() {
	h := &imapclient.UnilateralHandler{
		Fetch: func(m *imapclient.FetchMessage) {
			if m.Envelope != nil {
				fmt.Printf("new mail: %s\n", m.Envelope.Subject)
			}
		},
		MailboxStatus: func(d *imap.StatusData) {
			if d.NumUnseen != nil {
				fmt.Printf("%s: %d unseen\n", d.Mailbox, *d.NumUnseen)
			}
		},
		List: func(d *imap.ListData) { fmt.Printf("folder changed: %s\n", d.Mailbox) },
	}
	c, err := imapclient.DialTLS(context.Background(), "imap.example.org:993", &imapclient.Options{Handler: h})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("alice", "secret").Wait(); err != nil {
		log.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		log.Fatal(err)
	}
	both := []imapclient.NotifyEvent{imapclient.NotifyMessageNew, imapclient.NotifyMessageExpunge}
	_, err = c.Notify(&imapclient.NotifyOptions{Groups: []imapclient.NotifyGroup{
		// SELECTED-DELAYED keeps sequence numbers valid between commands.
		{Filter: imapclient.NotifySelectedDelayed, Events: both,
			Fetch: &imap.FetchOptions{UID: true, Envelope: true}},
		{Filter: imapclient.NotifyPersonal, Events: append(both, imapclient.NotifyFlagChange, imapclient.NotifyMailboxName)},
	}}).Wait()
	if err != nil {
		log.Fatal(err)
	}
	<-c.Closed() // notifications arrive at h until the connection ends
}
