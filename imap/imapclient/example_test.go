package imapclient_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"time"

	"github.com/mailwire/mailwire/imap"
	"github.com/mailwire/mailwire/imap/imapclient"
)

// A client that lists mailboxes, searches the inbox and fetches the
// envelopes of the unread messages, then one body as a stream.
func Example() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := imapclient.DialTLS(ctx, "imap.example.com:993", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("alice", "secret").Wait(); err != nil {
		log.Fatal(err)
	}

	mailboxes, err := c.List("", "*", &imap.ListOptions{ReturnSpecialUse: true}).Wait()
	if err != nil {
		log.Fatal(err)
	}
	for _, mb := range mailboxes {
		fmt.Println(mb.Mailbox, mb.Attrs)
	}

	if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		log.Fatal(err)
	}
	unseen, err := c.Search(true, &imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}, nil).Wait()
	if err != nil {
		log.Fatal(err)
	}
	uids, ok := unseen.All.(imap.UIDSet)
	if !ok || len(uids) == 0 {
		return
	}
	msgs, err := c.Fetch(uids, &imap.FetchOptions{UID: true, Envelope: true, RFC822Size: true}, nil).Wait()
	if err != nil {
		log.Fatal(err)
	}
	for _, m := range msgs {
		fmt.Printf("%d %q from %v (%d octets)\n", m.UID, imap.DecodeHeader(m.Envelope.Subject), m.Envelope.From, m.RFC822Size)
	}

	// Stream the first message's body without holding it in memory.
	_, err = c.Fetch(imap.UIDSetNum(msgs[0].UID), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{{Peek: true}}},
		&imapclient.FetchOptions{BodyHandler: func(_ *imapclient.FetchMessage, _ string, size int64, r io.Reader) error {
			n, err := io.Copy(io.Discard, r) // e.g. into a file
			fmt.Println("read", n, "of", size, "octets")
			return err
		}}).Wait()
	if err != nil {
		log.Fatal(err)
	}
	c.Logout().Wait()
}

// Pipelining: issue several commands, then wait for each.
func ExampleClient_pipelining() {
	c, err := imapclient.Dial(context.Background(), "127.0.0.1:143", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	inbox := c.Status("INBOX", &imap.StatusOptions{NumMessages: true, NumUnseen: true})
	sent := c.Status("Sent", &imap.StatusOptions{NumMessages: true})
	for _, cmd := range []*imapclient.StatusCommand{inbox, sent} {
		st, err := cmd.Wait()
		if err != nil {
			log.Print(err)
			continue
		}
		fmt.Println(st.Mailbox, *st.NumMessages)
	}
}
