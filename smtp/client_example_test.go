package smtp_test

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/mailwire/mailwire/smtp"
)

// The client relaying one message to several recipients, the way an MTA
// does: connect, use STARTTLS when offered, send with per-recipient
// results, and keep the connection for the next message.
func ExampleClient_Send() {
	addr, stop := clientExampleServer() // an MX that refuses "nobody@…"
	defer stop()

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := smtp.Dial(ctx, addr, &smtp.ClientOptions{LocalName: "relay.example.org"})
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	if c.HasExtension("STARTTLS") {
		// Policy is the caller's: opportunistic here, required for
		// submission or when MTA-STS/DANE says so.
		if err := c.StartTLS(&tls.Config{ServerName: "mx.example.com"}); err != nil {
			log.Fatal(err)
		}
	}

	msg := "From: alice@example.org\r\nTo: bob@example.com\r\nSubject: hello\r\n\r\nHi Bob!\r\n"
	res, err := c.Send(ctx, "alice@example.org",
		[]string{"bob@example.com", "nobody@example.com"},
		strings.NewReader(msg), nil)
	if err != nil {
		log.Fatal(err) // delivered to no one
	}
	for _, r := range res.Rcpts {
		var se *smtp.Error
		switch {
		case r.Err == nil:
			fmt.Println(r.Rcpt, "accepted")
		case errors.As(r.Err, &se) && se.Temporary():
			fmt.Println(r.Rcpt, "retry later:", se.Code)
		case errors.As(r.Err, &se):
			fmt.Println(r.Rcpt, "bounce:", se.Code, se.EnhancedCode)
		}
	}
	c.Quit()
	// Output:
	// bob@example.com accepted
	// nobody@example.com bounce: 550 [5 1 1]
}

// SendMail does a whole submission in one call: it dials, uses STARTTLS
// when the server offers it, authenticates, sends and quits.
func ExampleSendMail() {
	addr, stop := clientExampleServer()
	defer stop()

	err := smtp.SendMail(context.Background(), addr,
		nil, // or smtp.PlainAuth("", "alice", "password") on a TLS server
		"alice@example.org", []string{"bob@example.com"},
		strings.NewReader("Subject: hi\r\n\r\nSent with SendMail.\r\n"))
	fmt.Println(err)
	// Output: <nil>
}

// Authenticating on a submission server (port 587) before sending.
func ExampleClient_Auth() {
	ctx := context.Background()
	c, err := smtp.Dial(ctx, "smtp.example.org:587", nil)
	if err != nil {
		log.Print(err)
		return
	}
	defer c.Close()
	if err := c.StartTLS(nil); err != nil { // verifies smtp.example.org
		log.Print(err)
		return
	}
	if err := c.Auth(smtp.ScramSHA256Auth("", "alice", "password")); err != nil {
		log.Print(err)
		return
	}
	// c.Send(...)
}

// clientExampleServer runs an SMTP server on loopback whose backend
// discards messages and refuses recipients named nobody.
func clientExampleServer() (addr string, stop func()) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	srv := &smtp.Server{Backend: clientExampleBackend{}, Hostname: "mx.example.com", Logger: slog.New(slog.DiscardHandler)}
	go srv.Serve(l)
	return l.Addr().String(), func() { srv.Close() }
}

type clientExampleBackend struct{}

func (clientExampleBackend) NewSession(context.Context, *smtp.Conn) (smtp.Session, error) {
	return clientExampleSession{}, nil
}

type clientExampleSession struct{}

func (clientExampleSession) Mail(context.Context, string, *smtp.MailOptions) error { return nil }
func (clientExampleSession) Rcpt(_ context.Context, to string, _ *smtp.RcptOptions) error {
	if strings.HasPrefix(to, "nobody@") {
		return &smtp.Error{Code: 550, EnhancedCode: [3]int{5, 1, 1}, Message: "no such user"}
	}
	return nil
}
func (clientExampleSession) Data(_ context.Context, r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	return err
}
func (clientExampleSession) Reset(context.Context)        {}
func (clientExampleSession) Logout(context.Context) error { return nil }
