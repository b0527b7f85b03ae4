package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/mailwire/mailwire/dnsmx"
	"github.com/mailwire/mailwire/examples/mailserver/server"
)

// Config is the server configuration the flags fill in.
type Config = server.Config

// listFlag is a comma-separated list flag.
type listFlag struct{ v *[]string }

func (l listFlag) String() string {
	if l.v == nil {
		return ""
	}
	return strings.Join(*l.v, ",")
}

func (l listFlag) Set(s string) error {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.ToLower(strings.TrimSpace(p)); p != "" {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return errors.New("empty list")
	}
	*l.v = out
	return nil
}

// tlsPolicyFlag parses the relay STARTTLS policy.
type tlsPolicyFlag struct{ v *dnsmx.TLSPolicy }

var tlsPolicies = map[string]dnsmx.TLSPolicy{
	"opportunistic": dnsmx.TLSOpportunistic,
	"none":          dnsmx.TLSNone,
	"required":      dnsmx.TLSRequired,
	"verified":      dnsmx.TLSRequiredVerified,
}

func (f tlsPolicyFlag) String() string {
	if f.v == nil {
		return ""
	}
	for k, v := range tlsPolicies {
		if v == *f.v {
			return k
		}
	}
	return ""
}

func (f tlsPolicyFlag) Set(s string) error {
	p, ok := tlsPolicies[strings.ToLower(s)]
	if !ok {
		return errors.New("want opportunistic, none, required or verified")
	}
	*f.v = p
	return nil
}

// newFlagSet declares the server flags over cfg.
func newFlagSet(cfg *Config, out io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet("mailserver", flag.ContinueOnError)
	fs.SetOutput(out)
	configFile := fs.String("config", "", "read flags from `file` (lines \"name = value\", # comments); command-line flags win")
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data `dir`ectory: mailboxes, queue, users, development certificate")
	fs.StringVar(&cfg.Hostname, "hostname", cfg.Hostname, "this server's host `name` (greeting, Received, DSNs, certificate)")
	fs.Var(listFlag{&cfg.Domains}, "domains", "comma-separated local `domains`")
	fs.StringVar(&cfg.SMTP, "smtp", cfg.SMTP, "MX (SMTP) listen `addr`ess; empty disables (production: :25)")
	fs.StringVar(&cfg.Submission, "submission", cfg.Submission, "submission (STARTTLS, AUTH) listen `addr`ess; empty disables (production: :587)")
	fs.StringVar(&cfg.SMTPS, "smtps", cfg.SMTPS, "submission over implicit TLS listen `addr`ess; empty disables (production: :465)")
	fs.StringVar(&cfg.IMAP, "imap", cfg.IMAP, "IMAP (STARTTLS) listen `addr`ess; empty disables (production: :143)")
	fs.StringVar(&cfg.IMAPS, "imaps", cfg.IMAPS, "IMAP over implicit TLS listen `addr`ess; empty disables (production: :993)")
	fs.StringVar(&cfg.POP3, "pop3", cfg.POP3, "POP3 (STLS) listen `addr`ess; empty disables (production: :110)")
	fs.StringVar(&cfg.POP3S, "pop3s", cfg.POP3S, "POP3 over implicit TLS listen `addr`ess; empty disables (production: :995)")
	fs.StringVar(&cfg.CertFile, "cert", cfg.CertFile, "TLS certificate `file` (PEM); default a self-signed one kept in the data directory")
	fs.StringVar(&cfg.KeyFile, "key", cfg.KeyFile, "TLS private key `file` (PEM)")
	fs.BoolVar(&cfg.AllowInsecureAuth, "allow-insecure-auth", cfg.AllowInsecureAuth, "accept passwords on connections without TLS (never in production)")
	fs.Int64Var(&cfg.MaxMessageBytes, "max-message-size", cfg.MaxMessageBytes, "largest accepted message in `bytes`")
	fs.IntVar(&cfg.SendLimit, "send-limit", cfg.SendLimit, "messages an account may submit per hour (0: unlimited)")
	fs.IntVar(&cfg.SendRcptLimit, "send-rcpt-limit", cfg.SendRcptLimit, "recipients an account may submit to per hour (0: unlimited)")
	fs.Var(tlsPolicyFlag{&cfg.RelayTLS}, "relay-tls", "STARTTLS `policy` for outbound mail: opportunistic, none, required, verified")
	fs.IntVar(&cfg.RelayPort, "relay-port", cfg.RelayPort, "remote MX `port` for outbound mail (default 25)")
	fs.StringVar(&cfg.SmartHost, "smarthost", cfg.SmartHost, "send all outbound mail to this `host:port` instead of the MX hosts")
	fs.StringVar(&cfg.DNSServer, "dns", cfg.DNSServer, "query this DNS server (`host:port`) for MX records instead of the system resolver")
	fs.DurationVar(&cfg.RetryMin, "retry-min", cfg.RetryMin, "first retry `interval` for queued mail")
	fs.DurationVar(&cfg.RetryMax, "retry-max", cfg.RetryMax, "longest retry `interval` for queued mail")
	fs.DurationVar(&cfg.QueueMaxAge, "queue-max-age", cfg.QueueMaxAge, "bounce queued mail after this `duration`")
	fs.StringVar(&cfg.FirstUser, "first-user", cfg.FirstUser, "`user` created with a random password when the store has no users")
	fs.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "debug, info, warn or error")
	return fs, configFile
}

// parseConfig parses the server flags into cfg (which holds the defaults).
func parseConfig(cfg *Config, args []string, out io.Writer) error {
	fs, configFile := newFlagSet(cfg, out)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q (subcommands: useradd, userdel, passwd, users, queue)", fs.Arg(0))
	}
	if *configFile != "" {
		given := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
		if err := applyConfigFile(fs, *configFile, given); err != nil {
			return err
		}
	}
	return cfg.Validate()
}

// applyConfigFile sets the flags named in file, except those given on the
// command line.
func applyConfigFile(fs *flag.FlagSet, file string, skip map[string]bool) error {
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			name, value, _ = strings.Cut(line, " ")
		}
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if uq, err := strconv.Unquote(value); err == nil {
			value = uq
		}
		if name == "config" || fs.Lookup(name) == nil {
			return fmt.Errorf("%s:%d: unknown setting %q", file, n, name)
		}
		if skip[name] {
			continue
		}
		if err := fs.Set(name, value); err != nil {
			return fmt.Errorf("%s:%d: %s: %v", file, n, name, err)
		}
	}
	return sc.Err()
}
