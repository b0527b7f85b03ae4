// Command mailserver is a complete mail server built from mailwire's
// packages: an MX that delivers to local users, a submission server
// (STARTTLS on 587 and implicit TLS on 465) with per-account sending
// limits, outbound delivery through dnsmx's durable queue, and POP3 and
// IMAP (STARTTLS and implicit TLS) over one Maildir store.
//
//	go run ./examples/mailserver                  # development defaults, see -help
//	go run ./examples/mailserver useradd alice    # add a user (prints a password)
//
// It holds no protocol logic: everything here is wiring and policy.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/mailwire/mailwire/examples/mailserver/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "mailserver:", err)
		}
		os.Exit(2)
	}
}

// shutdownTimeout bounds the graceful shutdown after SIGINT/SIGTERM.
const shutdownTimeout = 30 * time.Second

// run is the whole program: a subcommand, or the server until ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && isSubcommand(args[0]) {
		return runSubcommand(ctx, args[0], args[1:], stdout, stderr)
	}
	cfg := server.DefaultConfig()
	if err := parseConfig(&cfg, args, stderr); err != nil {
		return err
	}
	level, _ := server.ParseLogLevel(cfg.LogLevel)
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	in, err := server.Start(ctx, cfg, logger)
	if err != nil {
		return err
	}
	printBanner(stdout, in)
	<-ctx.Done()
	logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	return in.Shutdown(sctx)
}

// printBanner tells the operator what runs and how to connect a client.
func printBanner(w io.Writer, in *server.Instance) {
	cfg := in.Config
	fmt.Fprintf(w, "mailwire mailserver for %s (hostname %s)\n", strings.Join(cfg.Domains, ", "), cfg.Hostname)
	fmt.Fprintf(w, "data directory: %s\n", cfg.DataDir)
	if in.NewCert {
		fmt.Fprintf(w, "generated a self-signed development certificate: %s\n", in.CertFile)
	}
	fmt.Fprintln(w, "listening on:")
	for _, s := range []struct{ name, what string }{
		{"smtp", "SMTP (MX, incoming mail for local domains)"},
		{"submission", "submission (STARTTLS, AUTH required)"},
		{"smtps", "submission over implicit TLS"},
		{"imap", "IMAP (STARTTLS)"},
		{"imaps", "IMAP over implicit TLS"},
		{"pop3", "POP3 (STLS)"},
		{"pop3s", "POP3 over implicit TLS"},
	} {
		if a, ok := in.Addrs[s.name]; ok {
			fmt.Fprintf(w, "  %-21s %s\n", a, s.what)
		}
	}
	if in.FirstUser != "" {
		fmt.Fprintf(w, "created user %q with password %s (shown once; change it with: mailserver passwd %s)\n",
			in.FirstUser, in.FirstPassword, in.FirstUser)
	}
	domain := cfg.Domains[0]
	fmt.Fprintf(w, `mail client settings (e.g. Thunderbird): user name = the account name (e.g. postmaster),
  address = NAME@%s, normal password; accept the self-signed certificate when asked.
`, domain)
	if a, ok := in.Addrs["imaps"]; ok {
		fmt.Fprintf(w, "  incoming: IMAP %s, SSL/TLS\n", a)
	} else if a, ok := in.Addrs["imap"]; ok {
		fmt.Fprintf(w, "  incoming: IMAP %s, STARTTLS\n", a)
	}
	if a, ok := in.Addrs["submission"]; ok {
		fmt.Fprintf(w, "  outgoing: SMTP %s, STARTTLS\n", a)
	} else if a, ok := in.Addrs["smtps"]; ok {
		fmt.Fprintf(w, "  outgoing: SMTP %s, SSL/TLS\n", a)
	}
	fmt.Fprintln(w, "add users with: go run ./examples/mailserver useradd NAME   (Ctrl-C stops the server)")
}
