// Package server is the wiring of examples/mailserver, importable so that
// tests (and other programs) can run the complete mail server in-process:
// Start opens a data directory — a Maildir store (mailbox), a durable
// outbound queue (dnsmx) and a development certificate — and serves over
// them an MX and a submission server (smtp, through mailbox.SMTPBackend),
// IMAP (imap/imapserver, through mailbox.IMAPBackend) and POP3 (pop3,
// through mailbox.POP3Backend). Instance.Addrs gives the bound addresses
// and Instance.Shutdown stops everything gracefully.
//
// Policy added here, on top of the library adapters: an authenticated
// user may submit only from its own addresses, the MX offers no AUTH (so
// relaying and the per-account sending limit belong to the submission
// ports), bounces for local senders are delivered to their INBOX, and a
// control socket lets the program's subcommands manage users and the
// queue of a running server. No protocol logic lives here.
package server
