package server

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
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
		DataDir:         DefaultDataDir(),
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

// DefaultDataDir follows the XDG base directory convention, falling back to
// ./mailwire-data.
func DefaultDataDir() string {
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

// Validate checks the configuration.
func (c *Config) Validate() error {
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
	if _, err := ParseLogLevel(c.LogLevel); err != nil {
		return err
	}
	return nil
}

// ParseLogLevel parses -log-level.
func ParseLogLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("-log-level %q: want debug, info, warn or error", s)
	}
	return l, nil
}

// listeners maps each service (its flag name) to its listen address.
func (c *Config) listeners() map[string]string {
	return map[string]string{
		"smtp": c.SMTP, "submission": c.Submission, "smtps": c.SMTPS,
		"imap": c.IMAP, "imaps": c.IMAPS, "pop3": c.POP3, "pop3s": c.POP3S,
	}
}
