package smtp

import (
	"context"
	"io"
)

// Backend is what a Server delivers to. The server owns the connection and
// the SMTP transaction (state, pipelining, limits, the DATA framing); the
// backend only decides about the facts: who may connect, which senders and
// recipients are accepted, and where a message body goes.
type Backend interface {
	// NewSession is called once per accepted connection, before the
	// greeting. c gives the remote address and TLS state. Returning an
	// error refuses the connection: an *Error is sent as the greeting reply
	// (use code 554, RFC 5321 §3.1) and any other error as
	// "554 5.3.2 Service not available"; then the connection is closed.
	//
	// ctx is cancelled when the connection ends.
	NewSession(ctx context.Context, c *Conn) (Session, error)
}

// Session holds one connection's view for the backend. Methods are called
// from the connection's goroutine only, one at a time. A returned *Error is
// sent to the client as is; any other error is logged and answered with a
// generic temporary failure (451 4.3.0), so internal error text never
// reaches the peer.
type Session interface {
	// Mail starts a transaction (MAIL FROM). from is the reverse-path
	// without angle brackets; "" is the null reverse-path <> of bounces.
	Mail(ctx context.Context, from string, opts *MailOptions) error

	// Rcpt adds a recipient (RCPT TO). to is the forward-path without
	// angle brackets ("postmaster" is passed as is). Refuse relaying here:
	// an MX backend must accept only its own domains (no open relay).
	Rcpt(ctx context.Context, to string, opts *RcptOptions) error

	// Data receives the message body of the transaction (DATA or the
	// BDAT chunks): dot-unstuffed, CRLF line endings, ending after the
	// last line. Read r to the end; the server sends 250 only after Data
	// returned nil, so return only when the message is stored durably
	// (ARCHITECTURE rule 3). If r returns an error (the message exceeded
	// the size limit, the connection broke or timed out) the backend must
	// not keep the message and should return that error: the server
	// replies for the reader's failure whatever Data returns.
	Data(ctx context.Context, r io.Reader) error

	// Reset discards the current transaction (RSET, a new EHLO/HELO,
	// STARTTLS, or the end of a transaction).
	Reset(ctx context.Context)

	// Logout is called once when the connection ends, for whatever reason.
	Logout(ctx context.Context) error
}

// HelloSession is an optional Session interface: Hello is called for every
// EHLO, HELO or LHLO with the name the client gave (also available later as
// Conn.Hostname). Returning an error refuses the greeting.
type HelloSession interface {
	Hello(ctx context.Context, name string) error
}

// Optional Session interfaces that enable AUTH (RFC 4954). The server
// advertises the mechanisms of the interfaces a session implements, only
// over TLS unless Server.AllowInsecureAuth is set. Callbacks reject bad
// credentials with ErrAuthFailed (or an error wrapping it): the client gets
// 535 5.7.8 after Server.AuthFailureDelay. An *Error is sent as is; any
// other error is logged and answered 454 4.7.0 (temporary failure).
// Compare secrets in constant time (crypto/subtle).

// PasswordSession enables AUTH PLAIN (RFC 4616) and AUTH LOGIN. identity
// is the authorization identity the client asked for ("" means the same as
// username); allow it only if username may act as identity. After success
// Conn.AuthIdentity is identity, or username when identity is "".
type PasswordSession interface {
	AuthPassword(ctx context.Context, identity, username, password string) error
}

// ScramSession enables AUTH SCRAM-SHA-256 (RFC 7677): it returns the
// stored salted keys of username (see NewScramCredentials), or
// ErrAuthFailed for an unknown user. The password is never needed.
type ScramSession interface {
	ScramCredentials(ctx context.Context, username string) (ScramCredentials, error)
}

// CramMD5Session enables AUTH CRAM-MD5 (RFC 2195), which needs a
// plaintext-equivalent secret: offer it only if the store keeps one.
type CramMD5Session interface {
	CramMD5Secret(ctx context.Context, username string) (string, error)
}

// TokenSession enables AUTH OAUTHBEARER (RFC 7628) and XOAUTH2: the
// backend checks the bearer token for username.
type TokenSession interface {
	AuthToken(ctx context.Context, username, token string) error
}

// LMTPSession is an optional Session interface for LMTP servers
// (Server.LMTP): LMTPData receives the body like Session.Data but reports a
// result per accepted recipient through status, one reply per recipient
// (RFC 2033 §4.2). Recipients without a reported status get the error
// LMTPData returns (or 250 if it returned nil). Without this interface the
// result of Data applies to every recipient.
type LMTPSession interface {
	LMTPData(ctx context.Context, r io.Reader, status StatusCollector) error
}

// StatusCollector receives LMTP per-recipient results. rcpt is the address
// as passed to Session.Rcpt; err nil means delivered.
type StatusCollector interface {
	SetStatus(rcpt string, err error)
}

// BodyType is the MAIL FROM BODY= parameter.
type BodyType string

// Body types of RFC 6152 (8BITMIME) and RFC 3030 (BINARYMIME).
const (
	Body7Bit       BodyType = "7BIT"
	Body8BitMIME   BodyType = "8BITMIME"
	BodyBinaryMIME BodyType = "BINARYMIME"
)

// DSNReturn is the MAIL FROM RET= parameter of RFC 3461 §4.3.
type DSNReturn string

// RET values.
const (
	DSNReturnFull    DSNReturn = "FULL"
	DSNReturnHeaders DSNReturn = "HDRS"
)

// DSNNotify is one value of the RCPT TO NOTIFY= parameter (RFC 3461 §4.1).
type DSNNotify string

// NOTIFY values.
const (
	DSNNotifyNever   DSNNotify = "NEVER"
	DSNNotifySuccess DSNNotify = "SUCCESS"
	DSNNotifyFailure DSNNotify = "FAILURE"
	DSNNotifyDelayed DSNNotify = "DELAY"
)

// MailOptions are the parameters of MAIL FROM the server understood.
// Unknown parameters are refused with 555 before the backend is called.
type MailOptions struct {
	Body       BodyType  // BODY=, "" when absent
	Size       int64     // SIZE= declared size (RFC 1870), 0 when absent
	SMTPUTF8   bool      // SMTPUTF8 (RFC 6531)
	RequireTLS bool      // REQUIRETLS (RFC 8689); only accepted over TLS
	Return     DSNReturn // RET= (RFC 3461), "" when absent
	EnvelopeID string    // ENVID= xtext-decoded (RFC 3461 §4.4), "" when absent
	// Auth is the AUTH= parameter (RFC 4954 §5), xtext-decoded; "<>" when
	// the client sent AUTH=<>; nil when absent.
	Auth *string
}

// RcptOptions are the parameters of RCPT TO the server understood.
type RcptOptions struct {
	// Notify is the NOTIFY= list (RFC 3461 §4.1), nil when absent.
	Notify []DSNNotify
	// OriginalRecipientType and OriginalRecipient are ORCPT=
	// addr-type;xtext (RFC 3461 §4.2), the address xtext-decoded.
	OriginalRecipientType string
	OriginalRecipient     string
}
