package imapclient_test

import (
	"context"
	"fmt"
	"log"

	"github.com/mailwire/mailwire/imap"
	"github.com/mailwire/mailwire/imap/imapclient"
)

// A live list of unread messages (CONTEXT=SEARCH, RFC 5267): the first
// result, then ADDTO/REMOVEFROM updates as mail arrives or is read, plus
// the message previews (RFC 8970) and stable ids (RFC 8474).
func Example_liveSearch() {
	updates := make(chan *imap.SearchData, 16)
	c, err := imapclient.DialTLS(context.Background(), "imap.example.org:993", &imapclient.Options{
		Handler: &imapclient.UnilateralHandler{ESearch: func(d *imap.SearchData) { updates <- d }},
	})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("alice", "secret").Wait(); err != nil {
		log.Fatal(err)
	}
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("mailbox id:", sel.MailboxID) // stays the same across RENAME
	unread := &imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}
	s := c.Search(true, unread, &imap.SearchOptions{ReturnAll: true, ReturnUpdate: true})
	first, err := s.Wait()
	if err != nil {
		log.Fatal(err)
	}
	if first.All != nil {
		msgs, _ := c.Fetch(first.All, &imap.FetchOptions{Preview: true, EmailID: true}, nil).Wait()
		for _, m := range msgs {
			fmt.Printf("%s: %s\n", m.EmailID, m.Preview)
		}
	}
	idle, err := c.Idle() // updates arrive while idling too
	if err != nil {
		log.Fatal(err)
	}
	for range 10 {
		d := <-updates
		if d.Tag != s.Tag() {
			continue
		}
		for _, u := range d.AddTo {
			fmt.Println("new unread:", u.Nums)
		}
		for _, u := range d.RemoveFrom {
			fmt.Println("no longer unread:", u.Nums)
		}
	}
	idle.Close()
	_ = c.CancelUpdate(s.Tag()).Wait()
}
