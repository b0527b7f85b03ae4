// Command fetchmail downloads new messages from a POP3 or IMAP server into
// a local Maildir, with the pop3 and imapclient packages.
//
// By default downloaded messages are deleted from the server once they are
// safely on disk (fsync'd and renamed into new/). With -keep they stay on
// the server and a state file remembers what was fetched: POP3 UIDLs
// (RFC 1939 §7) or IMAP UIDs with their UIDVALIDITY (RFC 9051 §2.3.1.1),
// so the next run downloads only new mail.
//
//	fetchmail -proto imap -server localhost:1993 -insecure -user alice -maildir ~/Mail -keep
//	fetchmail -proto pop3 -server localhost:1110 -insecure -user alice -maildir ~/Mail
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
	"path/filepath"
	"slices"
	"time"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "fetchmail:", err)
		}
		os.Exit(1)
	}
}

type options struct {
	proto, server, tlsMode, user, password, maildir, state, mailbox string
	insecure, keep, quiet                                           bool
	timeout                                                         time.Duration
	tlsConfig                                                       *tls.Config
}

func parse(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("fetchmail", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.proto, "proto", "imap", "protocol: imap or pop3")
	fs.StringVar(&o.server, "server", "", "server `host:port` (default localhost:1993 for imap, localhost:1995 for pop3)")
	fs.StringVar(&o.tlsMode, "tls", "", "implicit, starttls or none (default implicit for ports 993/995 and 1993/1995, else starttls)")
	fs.StringVar(&o.user, "user", "", "account `name` (required)")
	fs.StringVar(&o.password, "password", "", "password (default $MAILWIRE_PASSWORD)")
	fs.StringVar(&o.maildir, "maildir", "", "local Maildir `dir`ectory to deliver into (created if missing; required)")
	fs.StringVar(&o.mailbox, "mailbox", "INBOX", "IMAP `mailbox` to fetch from")
	fs.BoolVar(&o.keep, "keep", false, "leave messages on the server; remember what was fetched in the state file")
	fs.StringVar(&o.state, "state", "", "state `file` (default MAILDIR/.fetchmail-state.json)")
	fs.BoolVar(&o.insecure, "insecure", false, "do not verify the server's certificate (development servers)")
	fs.BoolVar(&o.quiet, "quiet", false, "no progress line")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Minute, "give up after this `duration`")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.proto != "imap" && o.proto != "pop3" {
		return nil, fmt.Errorf("-proto %q: want imap or pop3", o.proto)
	}
	if o.user == "" || o.maildir == "" {
		return nil, errors.New("-user and -maildir are required")
	}
	if o.password == "" {
		o.password = os.Getenv("MAILWIRE_PASSWORD")
	}
	if o.server == "" {
		o.server = map[string]string{"imap": "localhost:1993", "pop3": "localhost:1995"}[o.proto]
	}
	host, port, err := net.SplitHostPort(o.server)
	if err != nil {
		return nil, fmt.Errorf("-server: %w", err)
	}
	if o.tlsMode == "" {
		o.tlsMode = "starttls"
		if slices.Contains([]string{"993", "995", "1993", "1995"}, port) {
			o.tlsMode = "implicit"
		}
	}
	if !slices.Contains([]string{"starttls", "implicit", "none"}, o.tlsMode) {
		return nil, fmt.Errorf("-tls %q: want implicit, starttls or none", o.tlsMode)
	}
	if o.state == "" {
		o.state = filepath.Join(o.maildir, ".fetchmail-state.json")
	}
	o.tlsConfig = &tls.Config{ServerName: host, InsecureSkipVerify: o.insecure}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parse(args, stderr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	md, err := openMaildir(o.maildir)
	if err != nil {
		return err
	}
	st, err := loadState(o.state)
	if err != nil {
		return err
	}
	p := &progress{w: stderr, quiet: o.quiet}
	var n int
	if o.proto == "pop3" {
		n, err = fetchPOP3(ctx, o, md, st, p)
	} else {
		n, err = fetchIMAP(ctx, o, md, st, p)
	}
	p.done()
	if serr := st.save(o.state); serr != nil && err == nil {
		err = serr
	}
	fmt.Fprintf(stdout, "%d new message(s) saved in %s\n", n, o.maildir)
	return err
}

// progress prints "fetched 3/10 messages, 1.2 MB" on one line, rewritten
// in place at most every 200 ms.
type progress struct {
	w          io.Writer
	quiet      bool
	n, total   int
	bytes      int64
	last       time.Time
	printedAny bool
}

func (p *progress) add(size int64) {
	p.n++
	p.bytes += size
	if p.quiet || time.Since(p.last) < 200*time.Millisecond && p.n != p.total {
		return
	}
	p.last = time.Now()
	p.printedAny = true
	fmt.Fprintf(p.w, "\rfetched %d/%d messages, %.1f MB ", p.n, p.total, float64(p.bytes)/1e6)
}

func (p *progress) done() {
	if p.printedAny {
		fmt.Fprintln(p.w)
	}
}
