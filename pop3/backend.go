package pop3

import (
	"context"
	"io"
	"time"
)

// Backend is what a Server serves: it creates a Session for every accepted
// connection. Implementations must be safe for concurrent use.
//
// The server owns everything that belongs to the connection's view of the
// maildrop (RFC 1939): message numbers, deletion marks and the state. A
// backend deals only in durable facts: users, messages identified by their
// position in the listing it returned, message bytes, and the deletions the
// client committed with QUIT.
type Backend interface {
	// NewSession is called once when a connection is accepted, before the
	// greeting. ctx is cancelled when the connection ends. Returning an
	// error refuses the connection: the client sees -ERR (with the code of
	// an *Error, else [SYS/TEMP]) and the connection is closed.
	NewSession(ctx context.Context, c *Conn) (Session, error)
}

// Session is the backend's state for one connection. It authenticates the
// user through optional interfaces — PasswordSession (USER/PASS),
// APOPSession (APOP), SASLSession (AUTH) — and then opens the maildrop.
// A Session that implements none of them allows no login.
type Session interface {
	// Maildrop opens and locks the maildrop of the authenticated user
	// (username is what the client authenticated as: the USER or APOP
	// name, or the SASL authorization identity). The lock is exclusive for
	// the session (RFC 1939 §4): return ErrInUse when another session holds
	// it, ErrLoginDelay to enforce a LOGIN-DELAY policy.
	Maildrop(ctx context.Context, username string) (Maildrop, error)

	// Close is called exactly once when the connection ends, on every
	// path, after the maildrop (if any) was closed.
	Close() error
}

// PasswordSession is implemented by a Session that accepts USER/PASS.
type PasswordSession interface {
	// CheckPassword verifies the credentials; return ErrAuthFailed when
	// they are wrong. Compare secrets in constant time.
	CheckPassword(ctx context.Context, username, password string) error
}

// APOPSession is implemented by a Session that accepts APOP (RFC 1939 §7).
// APOP needs the shared secret in the clear on the server; the server
// computes the digest and compares it in constant time. A server whose
// session implements APOPSession puts a timestamp in its greeting.
type APOPSession interface {
	// APOPSecret returns the user's shared secret. Return ErrAuthFailed for
	// unknown users.
	APOPSecret(ctx context.Context, username string) (secret string, err error)
}

// Maildrop is one user's maildrop, locked for the session that opened it.
//
// The server calls List exactly once, right after login; every other call
// refers to a message by its index in that listing (0-based; message number
// n is index n-1). The listing does not change for the session (RFC 1939 §6:
// the server assigns message numbers for the session).
type Maildrop interface {
	// List returns the maildrop's messages in message-number order.
	List(ctx context.Context) ([]MessageInfo, error)

	// Open returns the message's bytes. The server normalises line ends to
	// CRLF, adds a final CRLF when missing and dot-stuffs; the number of
	// octets after normalisation must equal MessageInfo.Size.
	Open(ctx context.Context, index int) (io.ReadCloser, error)

	// Commit removes the messages the client deleted (indexes into the
	// listing, ascending). It is called only when the client sends QUIT in
	// the TRANSACTION state (RFC 1939 §6, the UPDATE state), exactly once,
	// possibly with an empty slice; a dropped connection never commits. A
	// backend whose Policy says RetentionKeep may keep (mark, move) the
	// messages instead of removing them.
	Commit(ctx context.Context, deleted []int) error

	// Close releases the lock. It is called exactly once on every exit
	// path, after Commit if there was one.
	Close() error
}

// MessageInfo describes one message of a maildrop listing.
type MessageInfo struct {
	// UID is the unique-id listing (RFC 1939 §7 UIDL): 1 to 70 characters
	// in the range 0x21 to 0x7E, stable across sessions and never reused
	// for another message of the maildrop.
	UID string
	// Size is the exact number of octets RETR sends for the message after
	// CRLF normalisation and before dot-stuffing (RFC 1939 §11).
	Size int64
	// UTF8 marks a message that needs UTF-8 mode (RFC 6856): a client that
	// did not send UTF8 gets -ERR [UTF8] for RETR and TOP of it.
	UTF8 bool
}

// Retention says what a backend does with messages the client deleted.
type Retention int

const (
	// RetentionDelete removes deleted messages at QUIT (RFC 1939).
	RetentionDelete Retention = iota
	// RetentionKeep keeps a copy on the server (marks it seen or moves
	// it), the "leave a copy on the server" choice providers offer.
	RetentionKeep
)

// Expire values with a special meaning; see Policy.Expire.
const (
	ExpireNever       time.Duration = -1 // advertised as "EXPIRE NEVER"
	ExpireImmediately time.Duration = -2 // advertised as "EXPIRE 0"
)

// Policy is what a backend states about its maildrops (RFC 2449 §6.5 and
// §6.7). The server advertises LOGIN-DELAY and EXPIRE in CAPA from it; the
// backend enforces it (ErrLoginDelay from Maildrop, expiry in the store).
type Policy struct {
	// LoginDelay is the minimum time between two logins; 0 advertises
	// nothing. Advertised in whole seconds.
	LoginDelay time.Duration
	// Expire is how long a retrieved message stays on the server;
	// 0 advertises nothing, ExpireNever and ExpireImmediately the special
	// values, anything else whole days (rounded up).
	Expire time.Duration
	// Retention is what happens to messages deleted with DELE at QUIT.
	Retention Retention
}

// PolicyProvider is implemented by a Backend with a server-wide policy
// (advertised in the AUTHORIZATION state) and by a Maildrop with a per-user
// one (advertised in the TRANSACTION state, RFC 2449 §6.5).
type PolicyProvider interface {
	Policy() Policy
}
