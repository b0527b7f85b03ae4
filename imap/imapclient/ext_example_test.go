package imapclient_test

import (
	"context"
	"fmt"
	"log"

	"github.com/mailwire/mailwire/imap/imapclient"
)

// Compress, quota and metadata: what a mobile client does after login.
func Example_extensions() {
	c, err := imapclient.DialTLS(context.Background(), "imap.example.org:993", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("alice", "secret").Wait(); err != nil {
		log.Fatal(err)
	}
	if c.HasCap("COMPRESS=DEFLATE") {
		if err := c.Compress(); err != nil { // RFC 4978
			log.Fatal(err)
		}
	}
	q := c.GetQuotaRoot("INBOX") // RFC 9208
	quotas, err := q.Wait()
	if err != nil {
		log.Fatal(err)
	}
	for _, qd := range quotas {
		if s, ok := qd.Resource("STORAGE"); ok {
			fmt.Printf("%d of %d KiB used\n", s.Usage, s.Limit)
		}
	}
	md, err := c.GetMetadata("", []string{"/shared/admin"}, nil).Wait() // RFC 5464
	if err == nil && md.Entries["/shared/admin"] != nil {
		fmt.Printf("administrator: %s\n", md.Entries["/shared/admin"])
	}
}
