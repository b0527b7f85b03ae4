package sasl

import (
	"errors"
	"fmt"
)

// Errors that classify a failed exchange, matched with errors.Is. Protocol
// servers map them to their replies: ErrAuthFailed to 535 5.7.8 /
// -ERR [AUTH] / NO [AUTHENTICATIONFAILED]; ErrMalformed and ErrCancelled to
// 501 / -ERR / BAD; any other error (the backend failed) to a temporary
// failure (454 4.7.0 / -ERR [SYS/TEMP] / NO [UNAVAILABLE]).
var (
	// ErrAuthFailed means the credentials were wrong (or the user is
	// unknown). Callbacks return it, or an error wrapping it, to reject
	// credentials; clients return it when the server's proof is wrong.
	ErrAuthFailed = errors.New("sasl: authentication failed")
	// ErrMalformed means the peer broke the mechanism's syntax or state
	// machine.
	ErrMalformed = errors.New("sasl: malformed exchange")
	// ErrCancelled means the client aborted the exchange (RFC 4422 §3.5;
	// "*" in SMTP, POP3 and IMAP). The sasl mechanisms never see the "*":
	// protocol servers detect it and return this error themselves.
	ErrCancelled = errors.New("sasl: exchange cancelled")
)

// MaxResponseLen is the longest client response (decoded) a server
// mechanism accepts; longer ones fail with ErrMalformed. It leaves room for
// large OAuth bearer tokens (JWTs).
const MaxResponseLen = 16 << 10

// Mechanism names as advertised by servers.
const (
	Plain       = "PLAIN"
	Login       = "LOGIN"
	CramMD5     = "CRAM-MD5"
	ScramSHA256 = "SCRAM-SHA-256"
	OAuthBearer = "OAUTHBEARER"
	XOAuth2     = "XOAUTH2"
)

// Server is the server side of one authentication exchange, a state
// machine driven by the protocol layer.
//
// The first call to Next gets the client's initial response: nil when the
// client sent none, a non-nil empty slice when it sent an empty one ("="
// in SMTP, POP3 and IMAP SASL-IR). Next returns the next challenge to send,
// or done=true when the exchange is over: success if err is nil. When done
// is false the challenge must be sent (it may be empty) and the client's
// answer passed to the next call. A mechanism never reports success with
// additional data: a final server message (SCRAM's "v=") is sent as a
// challenge and the client answers it with an empty response, which every
// protocol profile supports.
//
// After success, Identity returns the authorization identity the client
// asked for (empty if none) and the authenticated user name. A Server is
// not safe for concurrent use.
type Server interface {
	Next(response []byte) (challenge []byte, done bool, err error)
	Identity() (authzid, username string)
}

// Client is the client side of one authentication exchange.
//
// Start returns the mechanism name and the initial response (nil if the
// mechanism has none). If the protocol cannot send an initial response with
// the command (IMAP without SASL-IR), the caller just passes the server's
// first, empty challenge to Next, which answers it with the initial
// response. Next answers each challenge; an empty, non-nil response is
// sent as an empty line (base64 of nothing). A failed Next means the caller
// cancels the exchange ("*").
type Client interface {
	Start() (mech string, initialResponse []byte, err error)
	Next(challenge []byte) (response []byte, err error)
}

// PlainFunc checks a user name and password, and whether username may act
// as authzid (which is empty when the client did not ask for another
// identity). It returns nil to accept, an error wrapping ErrAuthFailed to
// reject, and any other error when it could not decide.
type PlainFunc func(authzid, username, password string) error

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

// finished is the error of Next after the exchange has ended.
var errFinished = fmt.Errorf("%w: exchange already finished", ErrMalformed)
