package pop3

import (
	"context"
	"encoding/base64"
	"errors"
	"slices"
	"strings"

	"github.com/mailwire/mailwire/internal/sasl"
	"github.com/mailwire/mailwire/internal/textwire"
)

// SASL types re-exported from the module's internal sasl package, so that
// backends and clients can name them.
type (
	// SASLServer is the server side of one SASL exchange: Next gets each
	// client response (nil for no initial response) and returns the next
	// challenge or done; Identity names the authenticated user.
	SASLServer = sasl.Server
	// SASLClient is the client side of one SASL exchange.
	SASLClient = sasl.Client
	// ScramCredentials are the salted SCRAM-SHA-256 keys a server stores
	// instead of the password (RFC 5802 §3).
	ScramCredentials = sasl.ScramCredentials
	// PlainFunc checks a user name and password for PLAIN and LOGIN.
	PlainFunc = sasl.PlainFunc
)

// SASL mechanism names.
const (
	SASLPlain       = sasl.Plain
	SASLLogin       = sasl.Login
	SASLCramMD5     = sasl.CramMD5
	SASLScramSHA256 = sasl.ScramSHA256
)

// SASL errors (match with errors.Is): a mechanism callback returns
// ErrSASLAuthFailed (or an error wrapping it) to reject credentials.
var (
	ErrSASLAuthFailed = sasl.ErrAuthFailed
	ErrSASLMalformed  = sasl.ErrMalformed
	ErrSASLCancelled  = sasl.ErrCancelled
)

// SASL mechanisms, client and server side.
var (
	NewPlainClient        = sasl.NewPlainClient
	NewLoginClient        = sasl.NewLoginClient
	NewCramMD5Client      = sasl.NewCramMD5Client
	NewScramSHA256Client  = sasl.NewScramSHA256Client
	NewPlainServer        = sasl.NewPlainServer
	NewLoginServer        = sasl.NewLoginServer
	NewScramSHA256Server  = sasl.NewScramSHA256Server
	NewScramCredentials   = sasl.NewScramCredentials
	NewCramMD5Server      = sasl.NewCramMD5Server
	NormalizeSASLPassword = sasl.Normalize
)

// ScramSession is implemented by a Session that can look up a user's
// SCRAM-SHA-256 keys; the server then offers AUTH SCRAM-SHA-256. Return an
// error wrapping ErrSASLAuthFailed for unknown users.
type ScramSession interface {
	ScramCredentials(ctx context.Context, username string) (ScramCredentials, error)
}

// SASLSession is implemented by a Session with its own SASL mechanisms
// (RFC 5034), offered in addition to the built-in ones: PLAIN when the
// Session is a PasswordSession, SCRAM-SHA-256 when it is a ScramSession.
type SASLSession interface {
	SASLMechanisms() []string
	SASLServer(ctx context.Context, mech string) (SASLServer, error)
}

// saslMechanisms lists the mechanisms offered to this connection.
func (c *Conn) saslMechanisms() []string {
	var m []string
	if _, ok := c.sess.(ScramSession); ok {
		m = append(m, SASLScramSHA256)
	}
	if _, ok := c.sess.(PasswordSession); ok {
		m = append(m, SASLPlain)
	}
	if ss, ok := c.sess.(SASLSession); ok {
		for _, x := range ss.SASLMechanisms() {
			x = strings.ToUpper(x)
			if !slices.Contains(m, x) && validMechName(x) {
				m = append(m, x)
			}
		}
	}
	return m
}

// validMechName: RFC 4422 §3.1, 1 to 20 of A-Z 0-9 - _.
func validMechName(s string) bool {
	if len(s) == 0 || len(s) > 20 {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !('A' <= b && b <= 'Z' || '0' <= b && b <= '9' || b == '-' || b == '_') {
			return false
		}
	}
	return true
}

func (c *Conn) saslServer(mech string) (SASLServer, error) {
	switch mech {
	case SASLPlain:
		if ps, ok := c.sess.(PasswordSession); ok {
			return sasl.NewPlainServer(func(authzid, user, pass string) error {
				if authzid != "" && authzid != user {
					return ErrAuthFailed // no proxy logins through PLAIN
				}
				return ps.CheckPassword(c.ctx, user, pass)
			}), nil
		}
	case SASLScramSHA256:
		if ss, ok := c.sess.(ScramSession); ok {
			return sasl.NewScramSHA256Server(func(user string) (ScramCredentials, error) {
				return ss.ScramCredentials(c.ctx, user)
			}), nil
		}
	}
	if ss, ok := c.sess.(SASLSession); ok {
		return ss.SASLServer(c.ctx, mech)
	}
	return nil, nil
}

// cmdAUTH runs a SASL exchange (RFC 5034 §4).
func (c *Conn) cmdAUTH(arg []byte) error {
	mechs := c.saslMechanisms()
	if len(mechs) == 0 {
		c.bad("AUTH not supported")
		return errCommand
	}
	if !c.authAllowed() {
		return errCommand
	}
	if len(arg) == 0 {
		// Not in RFC 5034, but clients (after RFC 1734) send a bare AUTH
		// to list the mechanisms.
		w := c.out()
		w.WriteString("+OK\r\n")
		for _, m := range mechs {
			w.WriteString(m)
			w.WriteString("\r\n")
		}
		w.WriteString(".\r\n")
		return nil
	}
	name, initial, hasInitial := strings.Cut(string(arg), " ")
	name = strings.ToUpper(name)
	if !slices.Contains(mechs, name) {
		c.bad("unknown authentication mechanism")
		return errCommand
	}
	var resp []byte
	if hasInitial {
		var err error
		if resp, err = decodeSASL(initial); err != nil {
			c.bad("invalid base64 in initial response")
			return errCommand
		}
	}
	srv, err := c.saslServer(name)
	if err != nil || srv == nil {
		if err == nil {
			err = errors.New("pop3: SASLSession returned no server for " + name)
		}
		c.replyErr(err, "authentication")
		return nil
	}
	for {
		challenge, done, err := srv.Next(resp)
		if done || err != nil {
			if err != nil {
				return c.saslFailed(err)
			}
			authzid, user := srv.Identity()
			if authzid != "" {
				user = authzid
			}
			return c.login(user)
		}
		// RFC 5034 §4: "+ " and the base64 challenge (empty: just "+ ").
		w := c.out()
		w.WriteString("+ ")
		if len(challenge) > 0 {
			w.WriteString(base64.StdEncoding.EncodeToString(challenge))
		}
		w.WriteString("\r\n")
		if !c.flush() {
			return errCloseConn
		}
		line, err := c.readLine(c.srv.maxAuthLine())
		if err != nil {
			if err == textwire.ErrLineTooLong {
				c.bad("response too long")
				return errCommand
			}
			c.readFailed(err)
			return errCloseConn
		}
		if len(line) == 1 && line[0] == '*' {
			c.bad("authentication cancelled") // RFC 5034 §4
			return errCommand
		}
		if resp, err = decodeSASL(string(line)); err != nil {
			c.bad("invalid base64 in response")
			return errCommand
		}
	}
}

// saslFailed answers a failed exchange.
func (c *Conn) saslFailed(err error) error {
	var pe *Error
	switch {
	case errors.As(err, &pe):
		return c.authFailed(pe)
	case errors.Is(err, sasl.ErrAuthFailed):
		return c.authFailed(nil)
	case errors.Is(err, sasl.ErrMalformed), errors.Is(err, sasl.ErrCancelled):
		c.bad("malformed authentication exchange")
		return errCommand
	}
	return c.authFailed(err)
}

// decodeSASL decodes a client response: "=" is the empty response, anything
// else strict base64 (RFC 5034 §4: reject characters outside the alphabet
// and misplaced padding).
func decodeSASL(s string) ([]byte, error) {
	if s == "=" {
		return []byte{}, nil
	}
	if s == "" {
		return []byte{}, nil
	}
	return base64.StdEncoding.Strict().DecodeString(s)
}
