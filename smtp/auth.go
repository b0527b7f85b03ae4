package smtp

import (
	"encoding/base64"
	"errors"
	"time"

	"github.com/mailwire/mailwire/internal/sasl"
	"github.com/mailwire/mailwire/internal/textwire"
)

// ScramCredentials is what a store keeps for SCRAM-SHA-256: salt,
// iteration count, StoredKey and ServerKey (RFC 5802 §3), never the
// password.
type ScramCredentials = sasl.ScramCredentials

// NewScramCredentials derives SCRAM-SHA-256 credentials from a password
// (nil salt: 16 random octets; iterations <= 0: 4096, RFC 7677 §4).
func NewScramCredentials(password string, salt []byte, iterations int) ScramCredentials {
	return sasl.NewScramCredentials(password, salt, iterations)
}

// ErrAuthFailed is what AUTH callbacks return (or wrap) for bad
// credentials or an unknown user.
var ErrAuthFailed = sasl.ErrAuthFailed

// authAllowed reports whether AUTH may be used on this connection: over
// TLS, or in the clear when the server allows it (RFC 4954 §4, rule 6).
func (c *Conn) authAllowed() bool {
	return c.tlsState != nil || c.srv.AllowInsecureAuth
}

// authMechanisms lists the mechanisms the session supports, strongest
// first, as the EHLO AUTH line wants them.
func (c *Conn) authMechanisms() string {
	s := ""
	add := func(m string) {
		if s != "" {
			s += " "
		}
		s += m
	}
	if _, ok := c.session.(ScramSession); ok {
		add(sasl.ScramSHA256)
	}
	if _, ok := c.session.(PasswordSession); ok {
		add(sasl.Plain)
		add(sasl.Login)
	}
	if _, ok := c.session.(CramMD5Session); ok {
		add(sasl.CramMD5)
	}
	if _, ok := c.session.(TokenSession); ok {
		add(sasl.OAuthBearer)
		add(sasl.XOAuth2)
	}
	return s
}

// newSASLServer returns the sasl state machine for mech, or nil if the
// session does not support it.
func (c *Conn) newSASLServer(mech []byte) sasl.Server {
	ctx := c.ctx
	switch {
	case equalFold(mech, sasl.Plain) || equalFold(mech, sasl.Login):
		ps, ok := c.session.(PasswordSession)
		if !ok {
			return nil
		}
		check := func(authzid, username, password string) error {
			return ps.AuthPassword(ctx, authzid, username, password)
		}
		if equalFold(mech, sasl.Plain) {
			return sasl.NewPlainServer(check)
		}
		return sasl.NewLoginServer(check)
	case equalFold(mech, sasl.ScramSHA256):
		ss, ok := c.session.(ScramSession)
		if !ok {
			return nil
		}
		return sasl.NewScramSHA256Server(func(username string) (ScramCredentials, error) {
			return ss.ScramCredentials(ctx, username)
		})
	case equalFold(mech, sasl.CramMD5):
		cs, ok := c.session.(CramMD5Session)
		if !ok {
			return nil
		}
		return sasl.NewCramMD5Server(c.srv.lim.hostname, func(username string) (string, error) {
			return cs.CramMD5Secret(ctx, username)
		})
	case equalFold(mech, sasl.OAuthBearer) || equalFold(mech, sasl.XOAuth2):
		ts, ok := c.session.(TokenSession)
		if !ok {
			return nil
		}
		check := func(username, token string) error { return ts.AuthToken(ctx, username, token) }
		if equalFold(mech, sasl.OAuthBearer) {
			return sasl.NewOAuthBearerServer(check)
		}
		return sasl.NewXOAuth2Server(check)
	}
	return nil
}

// cmdAUTH runs one SASL exchange (RFC 4954 §4).
func (c *Conn) cmdAUTH(arg []byte) {
	if c.authIdent != "" {
		c.syntaxError("503 5.5.1 Already authenticated\r\n")
		return
	}
	if !c.authAllowed() {
		// RFC 4954 §6: 538 when the mechanism needs encryption first.
		c.reply("538 5.7.11 Encryption required for requested authentication mechanism\r\n")
		return
	}
	mech, ir := splitCommand(arg)
	if len(mech) == 0 {
		c.syntaxError("501 5.5.4 Syntax: AUTH mechanism [initial-response]\r\n")
		return
	}
	srv := c.newSASLServer(mech)
	if srv == nil {
		c.syntaxError("504 5.5.4 Unrecognized authentication type\r\n")
		return
	}
	var resp []byte
	if ir != nil {
		// "=" is an empty initial response (RFC 4954 §4).
		if string(ir) == "=" {
			resp = []byte{}
		} else {
			var ok bool
			if resp, ok = decodeBase64(ir); !ok {
				c.syntaxError("501 5.5.2 Invalid base64 in initial response\r\n")
				return
			}
		}
	}
	for {
		challenge, done, err := srv.Next(resp)
		if done || err != nil {
			c.authFinished(srv, err)
			return
		}
		c.w.WriteString("334 ")
		if len(challenge) > 0 {
			enc := base64.NewEncoder(base64.StdEncoding, c.w)
			enc.Write(challenge)
			enc.Close()
		}
		c.w.WriteString("\r\n")
		c.phase = phaseCommand
		line, err := textwire.ReadLine(c.r, DefaultMaxAuthBytes)
		if err == textwire.ErrLineTooLong {
			c.syntaxError("500 5.5.6 Authentication exchange line is too long\r\n")
			return
		}
		if err != nil {
			c.closing = true
			return
		}
		if string(line) == "*" {
			// RFC 4954 §4: the client cancelled.
			c.syntaxError("501 5.0.0 Authentication cancelled\r\n")
			return
		}
		var ok bool
		if resp, ok = decodeBase64(line); !ok {
			c.syntaxError("501 5.5.2 Invalid base64 in response\r\n")
			return
		}
	}
}

func decodeBase64(b []byte) ([]byte, bool) {
	out := make([]byte, base64.StdEncoding.DecodedLen(len(b)))
	n, err := base64.StdEncoding.Decode(out, b)
	if err != nil {
		return nil, false
	}
	return out[:n], true
}

func (c *Conn) authFinished(srv sasl.Server, err error) {
	var se *Error
	switch {
	case err == nil:
		authzid, username := srv.Identity()
		if authzid == "" {
			authzid = username
		}
		c.authIdent = authzid
		c.reply("235 2.7.0 Authentication successful\r\n")
	case errors.As(err, &se):
		c.replyError(se)
	case errors.Is(err, sasl.ErrAuthFailed):
		c.authFails++
		c.authDelay()
		if c.authFails >= c.srv.lim.maxAuthFailures {
			c.reply("535 5.7.8 Authentication credentials invalid\r\n")
			c.reply("421 4.7.0 Too many authentication failures, closing connection\r\n")
			c.closing = true
			return
		}
		c.reply("535 5.7.8 Authentication credentials invalid\r\n")
	case errors.Is(err, sasl.ErrMalformed):
		c.syntaxError("501 5.5.2 Malformed authentication exchange\r\n")
	default:
		c.logger().Error("smtp: authentication backend failed", "remote", c.netConn.RemoteAddr().String(), "err", err)
		c.reply("454 4.7.0 Temporary authentication failure\r\n")
	}
}

// authDelay pauses after a failed authentication to slow down password
// guessing (ARCHITECTURE rule 6). It uses a timer, so tests run it under
// testing/synctest's fake clock.
func (c *Conn) authDelay() {
	d := c.srv.lim.authDelay
	if d <= 0 {
		return
	}
	c.flush()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-c.ctx.Done():
	}
}
