package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mailwire/mailwire/dnsmx"
)

// Config is everything a mail server instance needs. DefaultConfig gives
// the embedded development defaults; flags (and an optional config file)
// override them.
type Config struct {
	DataDir  string   // Maildir store, queue, users, certificate
	Hostname string   // greeting, Received fields, DSN Reporting-MTA
	Domains  []string // local domains: their users get mail here

	// Listen addresses; "" disables the service.
	SMTP       string // MX, RFC 5321 (port 25 in production)
	Submission string // RFC 6409 with STARTTLS, AUTH required (587)
	SMTPS      string // submission over implicit TLS, RFC 8314 (465)
	IMAP       string // IMAP with STARTTLS (143)
	IMAPS      string // IMAP over implicit TLS (993)
	POP3       string // POP3 with STLS (110)
	POP3S      string // POP3 over implicit TLS (995)

	CertFile, KeyFile string // empty: a self-signed certificate kept in DataDir
	AllowInsecureAuth bool   // allow passwords on cleartext connections

	MaxMessageBytes int64 // per message, SMTP and IMAP APPEND
	SendLimit       int   // messages per account per hour on submission (0: none)
	SendRcptLimit   int   // recipients per account per hour on submission (0: none)

	// Outbound relay policy.
	RelayTLS    dnsmx.TLSPolicy
	RelayPort   int           // remote MX port (default 25); tests point it at another instance
	SmartHost   string        // "host:port": send everything there instead of MX hosts
	DNSServer   string        // "host:port" of a DNS server to query instead of the system resolver
	RetryMin    time.Duration // queue backoff bounds
	RetryMax    time.Duration
	QueueMaxAge time.Duration // bounce after this long

	// FirstUser is created with a random password on the first start (when
	// the store has no users); "" creates nobody.
	FirstUser string

	LogLevel string // debug, info, warn, error
}

// DefaultConfig returns the development defaults: domain localhost, every
// service on 127.0.0.1 on unprivileged ports.
func DefaultConfig() Config {
	return Config{
		DataDir:         defaultDataDir(),
		Hostname:        "localhost",
		Domains:         []string{"localhost"},
		SMTP:            "127.0.0.1:2525",
		Submission:      "127.0.0.1:2587",
		SMTPS:           "127.0.0.1:2465",
		IMAP:            "127.0.0.1:1143",
		IMAPS:           "127.0.0.1:1993",
		POP3:            "127.0.0.1:1110",
		POP3S:           "127.0.0.1:1995",
		MaxMessageBytes: 32 << 20,
		SendLimit:       200,
		SendRcptLimit:   1000,
		RetryMin:        dnsmx.DefaultRetryMin,
		RetryMax:        dnsmx.DefaultRetryMax,
		QueueMaxAge:     dnsmx.DefaultMaxAge,
		FirstUser:       "postmaster",
		LogLevel:        "info",
	}
}

// defaultDataDir follows the XDG base directory convention, falling back to
// ./mailwire-data.
func defaultDataDir() string {
	if d := os.Getenv("MAILWIRE_DATA"); d != "" {
		return d
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "mailwire")
	}
	if h, err := os.UserHomeDir(); err == nil && h != "" && h != "/" {
		return filepath.Join(h, ".local", "share", "mailwire")
	}
	return "mailwire-data"
}

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
	return cfg.validate()
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

func (c *Config) validate() error {
	if c.DataDir == "" {
		return errors.New("-data must not be empty")
	}
	if c.Hostname == "" {
		return errors.New("-hostname must not be empty")
	}
	if len(c.Domains) == 0 {
		return errors.New("-domains must name at least one domain")
	}
	for name, addr := range c.listeners() {
		if addr == "" {
			continue
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return fmt.Errorf("-%s %q: %v", name, addr, err)
		}
	}
	if c.SmartHost != "" {
		if _, _, err := net.SplitHostPort(c.SmartHost); err != nil {
			return fmt.Errorf("-smarthost %q: %v", c.SmartHost, err)
		}
	}
	if c.RelayPort < 0 || c.RelayPort > 65535 {
		return fmt.Errorf("-relay-port %d out of range", c.RelayPort)
	}
	if c.MaxMessageBytes <= 0 {
		return errors.New("-max-message-size must be positive")
	}
	if c.SendLimit < 0 || c.SendRcptLimit < 0 {
		return errors.New("-send-limit and -send-rcpt-limit must not be negative")
	}
	if c.RetryMin <= 0 || c.RetryMax < c.RetryMin {
		return errors.New("need 0 < -retry-min <= -retry-max")
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return err
	}
	return nil
}

// listeners maps each service (its flag name) to its listen address.
func (c *Config) listeners() map[string]string {
	return map[string]string{
		"smtp": c.SMTP, "submission": c.Submission, "smtps": c.SMTPS,
		"imap": c.IMAP, "imaps": c.IMAPS, "pop3": c.POP3, "pop3s": c.POP3S,
	}
}
