package dnsmx_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/netip"
	"strings"

	"github.com/mailwire/mailwire/dnsmx"
)

// Look up where mail for a domain goes, with the system resolver.
func ExampleLookup() {
	hosts, err := dnsmx.Lookup(context.Background(), "example.org")
	if err != nil {
		// err is a *dnsmx.LookupError: Temporary() means "try later".
		log.Fatal(err)
	}
	for _, h := range hosts {
		fmt.Println(h.Preference, h.Name)
	}
}

// The same with fixed DNS data, as a test would do it.
func ExampleLookuper_Lookup() {
	l := &dnsmx.Lookuper{Resolver: &dnsmx.MockResolver{
		MX: map[string][]*net.MX{
			"example.com":    {{Host: "backup.example.com.", Pref: 20}, {Host: "mx.example.com.", Pref: 10}},
			"nomail.example": {{Host: ".", Pref: 0}},
		},
		IP: map[string][]netip.Addr{"implicit.example": {netip.MustParseAddr("192.0.2.25")}},
	}}
	for _, d := range []string{"example.com", "implicit.example", "nomail.example", "[192.0.2.1]"} {
		hosts, err := l.Lookup(context.Background(), d)
		if err != nil {
			fmt.Println(d, "→", err)
			continue
		}
		for _, h := range hosts {
			fmt.Println(d, "→", h.Preference, h.Name, h.Addrs)
		}
	}
	// Output:
	// example.com → 10 mx.example.com []
	// example.com → 20 backup.example.com []
	// implicit.example → 0 implicit.example [192.0.2.25]
	// nomail.example → dnsmx: lookup nomail.example (permanent): dnsmx: domain accepts no mail (null MX)
	// [192.0.2.1] → 0 192.0.2.1 [192.0.2.1]
}

// Send a message straight to the recipient's mail exchangers, without a
// queue: the Relayer looks up the MX hosts of the domain and tries them in
// order.
func ExampleRelayer_Deliver() {
	msg := "From: alice@a.example\r\nTo: bob@b.example\r\nSubject: Hello\r\n" +
		"Message-ID: <1@a.example>\r\n\r\nHi Bob!\r\n"
	r := &dnsmx.Relayer{HelloName: "mail.a.example"} // port 25, system DNS, opportunistic TLS
	defer r.Close()
	results := r.Deliver(context.Background(), &dnsmx.Delivery{
		Domain: "b.example",
		From:   "alice@a.example",
		Rcpts:  []dnsmx.Recipient{{Addr: "bob@b.example"}},
		Size:   int64(len(msg)),
		Body:   func() io.Reader { return strings.NewReader(msg) },
	})
	for _, res := range results {
		switch res.Status {
		case dnsmx.StatusDelivered:
			fmt.Println(res.Rcpt, "accepted by", res.RemoteMTA)
		default:
			fmt.Println(res.Rcpt, res.Status, res.Reply)
		}
	}
}

// A durable outbound queue: Relay returns once the message is on disk;
// workers deliver it, retry, and bounce to the sender through SendDSN.
func ExampleQueue() {
	q := &dnsmx.Queue{
		Dir:       "/var/spool/mailwire",
		Transport: &dnsmx.Relayer{HelloName: "mail.a.example"},
		Hostname:  "mail.a.example",
	}
	q.SendDSN = q.Relay // bounces go out through the queue too, from <>
	if err := q.Start(); err != nil {
		log.Fatal(err)
	}
	defer q.Close()
	err := q.Relay(context.Background(), "alice@a.example", []string{"bob@b.example"},
		strings.NewReader("Subject: hi\r\n\r\nHello\r\n"))
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range q.List() {
		fmt.Println(e.ID, e.From, len(e.Rcpts))
	}
}

func ExampleParseDeliveryStatus() {
	report := "Reporting-MTA: dns; mail.a.example\r\n\r\n" +
		"Final-Recipient: rfc822; bob@b.example\r\nAction: failed\r\nStatus: 5.1.1\r\n" +
		"Diagnostic-Code: smtp; 550 5.1.1 No such user\r\n"
	ds, err := dnsmx.ParseDeliveryStatus(strings.NewReader(report))
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range ds.Recipients {
		fmt.Println(r.FinalRecipient, r.Action, r.Status, r.DiagnosticCode)
	}
	// Output: bob@b.example failed 5.1.1 smtp; 550 5.1.1 No such user
}
