package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mailwire/mailwire/dnsmx"
)

// deliverMX sends the message to the MX hosts of each recipient domain
// (RFC 5321 §5.1) with a dnsmx.Relayer: MX lookup, STARTTLS when offered,
// fallback to the next host on temporary failures. Nothing is queued: a
// temporary failure is reported and the caller may try again later.
func deliverMX(ctx context.Context, o *options, body io.Reader, stdout io.Writer) error {
	// Each host tried needs the message from the start: spool it once.
	spool, err := os.CreateTemp("", "sendmail-*")
	if err != nil {
		return err
	}
	defer os.Remove(spool.Name())
	defer spool.Close()
	size, err := io.Copy(spool, body)
	if err != nil {
		return err
	}
	r := &dnsmx.Relayer{Port: o.mxPort, HelloName: helloName()}
	if o.dns != "" {
		r.Resolver = &dnsmx.DNSClient{Server: o.dns}
	}
	defer r.Close()

	byDomain := map[string][]dnsmx.Recipient{}
	var order []string
	for _, rcpt := range o.rcpts {
		d := strings.ToLower(dnsmx.DomainOf(rcpt))
		if d == "" {
			return fmt.Errorf("%q has no domain", rcpt)
		}
		if _, ok := byDomain[d]; !ok {
			order = append(order, d)
		}
		byDomain[d] = append(byDomain[d], dnsmx.Recipient{Addr: rcpt})
	}
	failed := 0
	for _, d := range order {
		res := r.Deliver(ctx, &dnsmx.Delivery{
			Domain: d, From: o.from, Rcpts: byDomain[d], Size: size,
			Body: func() io.Reader { return io.NewSectionReader(spool, 0, size) },
		})
		for _, x := range res {
			switch x.Status {
			case dnsmx.StatusDelivered:
				fmt.Fprintf(stdout, "%s: delivered to %s: %s\n", x.Rcpt, x.RemoteMTA, x.Response)
			default:
				failed++
				fmt.Fprintf(stdout, "%s: %s failure (%s): %v\n", x.Rcpt, x.Status, orNone(x.RemoteMTA), x.Reply)
			}
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d recipients not delivered", failed, len(o.rcpts))
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "no server reached"
	}
	return s
}

func helloName() string {
	if h, err := os.Hostname(); err == nil && strings.Contains(h, ".") {
		return h
	}
	return "localhost"
}
