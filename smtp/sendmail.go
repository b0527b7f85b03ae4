package smtp

import (
	"context"
	"crypto/tls"
	"io"
)

// SendMail connects to the server at addr, switches to TLS with STARTTLS
// when the server offers it (verifying the certificate against the host
// name of addr), authenticates with auth when it is not nil, sends one
// message from from to every address in to, and quits.
//
// It returns nil only when every recipient was accepted. A recipient
// refusal is an error joining a *RcptError per refused recipient; server
// failures are *Error values (errors.As).
//
// For a connection to reuse, STARTTLS policy, or per-recipient results,
// use Dial and Client.Send.
func SendMail(ctx context.Context, addr string, auth SASLClient, from string, to []string, body io.Reader) error {
	return clSendMail(ctx, addr, nil, auth, from, to, body)
}

func clSendMail(ctx context.Context, addr string, opts *ClientOptions, auth SASLClient, from string, to []string, body io.Reader) error {
	c, err := Dial(ctx, addr, opts)
	if err != nil {
		return err
	}
	defer c.Close()
	if c.HasExtension("STARTTLS") {
		var cfg *tls.Config
		if opts != nil {
			cfg = opts.TLSConfig
		}
		stop := c.clWatch(ctx)
		err := c.StartTLS(cfg)
		stop()
		if err != nil {
			return err
		}
	}
	if auth != nil {
		stop := c.clWatch(ctx)
		err := c.Auth(auth)
		stop()
		if err != nil {
			return err
		}
	}
	res, err := c.Send(ctx, from, to, body, nil)
	if err != nil {
		return err
	}
	if err := res.Err(); err != nil {
		return err
	}
	stop := c.clWatch(ctx)
	defer stop()
	c.Quit() // the message is accepted; a failed QUIT does not undo that
	return nil
}
