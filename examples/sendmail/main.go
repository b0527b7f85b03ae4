// Command sendmail submits one message, read from a file or standard
// input, to a mail server with the smtp package's client: STARTTLS or
// implicit TLS, SASL authentication (SCRAM-SHA-256 when offered, else
// PLAIN), pipelined MAIL/RCPT/DATA. With -mx it skips the submission
// server and delivers straight to each recipient domain's MX hosts with
// dnsmx, as a mail server's outbound relay does.
//
//	sendmail -server localhost:2587 -insecure -user alice -from alice@localhost bob@localhost < msg.eml
//	sendmail -mx -from alice@example.org bob@example.net < msg.eml
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/mailwire/mailwire/smtp"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdin, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "sendmail:", err)
		}
		os.Exit(1)
	}
}

type options struct {
	server, tlsMode, user, password, from, file, auth string
	insecure, mx                                      bool
	dns                                               string
	mxPort                                            int
	timeout                                           time.Duration
	rcpts                                             []string
}

func parse(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("sendmail", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: sendmail [flags] RECIPIENT...   (message on stdin or -f FILE)")
		fs.PrintDefaults()
	}
	fs.StringVar(&o.server, "server", "localhost:2587", "submission server `host:port`")
	fs.StringVar(&o.tlsMode, "tls", "", "starttls, implicit or none (default implicit for port 465, else starttls)")
	fs.StringVar(&o.user, "user", "", "account `name` for AUTH (none: no authentication)")
	fs.StringVar(&o.password, "password", "", "password (default $MAILWIRE_PASSWORD)")
	fs.StringVar(&o.auth, "auth", "", "SASL `mechanism`: scram-sha-256, plain or login (default: the best offered)")
	fs.StringVar(&o.from, "from", "", "envelope sender `address` (required)")
	fs.StringVar(&o.file, "f", "-", "message `file` (RFC 5322; - is standard input)")
	fs.BoolVar(&o.insecure, "insecure", false, "do not verify the server's certificate (development servers)")
	fs.BoolVar(&o.mx, "mx", false, "deliver straight to the recipients' MX hosts (dnsmx) instead of -server")
	fs.StringVar(&o.dns, "dns", "", "with -mx: DNS server `host:port` to ask instead of the system resolver")
	fs.IntVar(&o.mxPort, "mx-port", 25, "with -mx: the MX hosts' SMTP `port`")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Minute, "give up after this `duration`")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	o.rcpts = fs.Args()
	if len(o.rcpts) == 0 {
		return nil, errors.New("no recipients given")
	}
	if o.from == "" {
		return nil, errors.New("-from is required")
	}
	if o.password == "" {
		o.password = os.Getenv("MAILWIRE_PASSWORD")
	}
	if o.tlsMode == "" {
		o.tlsMode = "starttls"
		if _, port, _ := net.SplitHostPort(o.server); port == "465" {
			o.tlsMode = "implicit"
		}
	}
	if !slices.Contains([]string{"starttls", "implicit", "none"}, o.tlsMode) {
		return nil, fmt.Errorf("-tls %q: want starttls, implicit or none", o.tlsMode)
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	o, err := parse(args, stderr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	var body io.Reader = stdin
	if o.file != "-" {
		f, err := os.Open(o.file)
		if err != nil {
			return err
		}
		defer f.Close()
		body = f
	}
	if o.mx {
		return deliverMX(ctx, o, body, stdout)
	}
	return submit(ctx, o, body, stdout)
}

// submit sends the message through a submission server.
func submit(ctx context.Context, o *options, body io.Reader, stdout io.Writer) error {
	host, _, err := net.SplitHostPort(o.server)
	if err != nil {
		return fmt.Errorf("-server: %w", err)
	}
	opts := &smtp.ClientOptions{TLSConfig: &tls.Config{ServerName: host, InsecureSkipVerify: o.insecure}}
	var c *smtp.Client
	if o.tlsMode == "implicit" {
		c, err = smtp.DialTLS(ctx, o.server, opts)
	} else {
		c, err = smtp.Dial(ctx, o.server, opts)
	}
	if err != nil {
		return err
	}
	defer c.Close()
	if o.tlsMode == "starttls" {
		// RFC 3207 §4: refuse to continue in cleartext when TLS was asked for.
		if err := c.StartTLS(nil); err != nil {
			return fmt.Errorf("STARTTLS: %w", err)
		}
	}
	if o.user != "" {
		mech, err := chooseAuth(c, o)
		if err != nil {
			return err
		}
		if err := c.Auth(mech); err != nil {
			return fmt.Errorf("AUTH: %w", err)
		}
	}
	res, err := c.Send(ctx, o.from, o.rcpts, body, nil)
	if err != nil {
		return err
	}
	failed := 0
	for _, r := range res.Rcpts {
		if r.Err != nil {
			failed++
			fmt.Fprintf(stdout, "%s: refused: %v\n", r.Rcpt, r.Err)
		} else {
			fmt.Fprintf(stdout, "%s: accepted\n", r.Rcpt)
		}
	}
	fmt.Fprintf(stdout, "server: %s\n", res.Reply)
	if err := c.Quit(); err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d recipients refused", failed, len(res.Rcpts))
	}
	return nil
}

func chooseAuth(c *smtp.Client, o *options) (smtp.SASLClient, error) {
	offered := c.AuthMechanisms()
	want := strings.ToUpper(o.auth)
	if want == "" {
		want = "PLAIN"
		if slices.Contains(offered, "SCRAM-SHA-256") {
			want = "SCRAM-SHA-256" // the password never crosses the wire
		}
	}
	switch want {
	case "SCRAM-SHA-256":
		return smtp.ScramSHA256Auth("", o.user, o.password), nil
	case "PLAIN":
		return smtp.PlainAuth("", o.user, o.password), nil
	case "LOGIN":
		return smtp.LoginAuth(o.user, o.password), nil
	}
	return nil, fmt.Errorf("-auth %q: want scram-sha-256, plain or login", o.auth)
}
