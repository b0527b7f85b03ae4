package imapserver

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
)

// authAllowed reports whether credentials may be sent now
// (RFC 9051 §6.2.3, LOGINDISABLED on cleartext).
func (c *conn) authAllowed() bool {
	return c.isTLS || c.info.TLS != nil || c.srv.AllowInsecureAuth
}

func (c *conn) cmdLogin(bool) *status {
	c.expectSP()
	user := c.astring()
	c.expectSP()
	pass := c.astring()
	c.expectEnd()
	if !c.authAllowed() {
		return no("PRIVACYREQUIRED", "LOGIN is disabled on an unencrypted connection")
	}
	u, err := c.sess.Login(c.ctx, user, pass)
	if err != nil {
		return c.authFailed(err)
	}
	return c.loggedIn(u)
}

func (c *conn) loggedIn(u User) *status {
	c.user = u
	c.state = stateAuthenticated
	c.authFailures = 0
	c.log = c.log.With("user", u.Username())
	return okCode("CAPABILITY "+c.capabilities(), "Logged in")
}

// authFailed answers a failed login after a delay; too many failures close
// the connection (rule 6).
func (c *conn) authFailed(err error) *status {
	st := c.backendError("login", err)
	if errors.Is(err, ErrAuthFailed) || st.code == "AUTHENTICATIONFAILED" {
		c.authFailures++
		t := time.NewTimer(c.srv.authFailureDelay())
		select {
		case <-t.C:
		case <-c.ctx.Done():
			t.Stop()
		}
		if c.authFailures >= c.srv.maxAuthFailures() {
			c.writeStatus(c.tag, st)
			return &status{fatal: true, text: "Too many authentication failures"}
		}
	}
	return st
}

// cmdAuthenticate runs a SASL exchange (RFC 9051 §6.2.2) with an optional
// initial response (SASL-IR, RFC 4959).
func (c *conn) cmdAuthenticate(bool) *status {
	c.expectSP()
	mech := strings.ToUpper(c.atom())
	var initial []byte
	hasInitial := false
	if c.sp() {
		ir := c.atomBytesOrEq()
		hasInitial = true
		if string(ir) != "=" {
			var err error
			initial, err = base64.StdEncoding.DecodeString(string(ir))
			if err != nil {
				return bad("Invalid base64 in initial response")
			}
		} else {
			initial = []byte{}
		}
	}
	c.expectEnd()
	if !c.authAllowed() {
		return no("PRIVACYREQUIRED", "AUTHENTICATE is disabled on an unencrypted connection")
	}
	supported := false
	for _, m := range c.mechanisms() {
		if strings.EqualFold(m, mech) {
			supported = true
		}
	}
	if !supported {
		return no("CANNOT", "Unsupported mechanism")
	}
	var srv SASLServer
	var plainUser User
	ss, isSASL := c.sess.(SASLSession)
	if isSASL {
		var err error
		srv, err = ss.Authenticate(c.ctx, mech)
		if err != nil {
			return c.authFailed(err)
		}
	} else {
		// PLAIN over the session's Login.
		srv = NewPlainServer(func(authzid, user, pass string) error {
			if authzid != "" && authzid != user {
				return ErrSASLAuthFailed
			}
			u, err := c.sess.Login(c.ctx, user, pass)
			if err != nil {
				if errors.Is(err, ErrAuthFailed) {
					return fmt.Errorf("%w: %w", ErrSASLAuthFailed, err)
				}
				return err
			}
			plainUser = u
			return nil
		})
	}
	resp := initial
	if !hasInitial {
		resp = nil
	}
	for {
		challenge, done, err := srv.Next(resp)
		if err != nil {
			if !errors.Is(err, ErrSASLAuthFailed) && !errors.Is(err, ErrAuthFailed) {
				c.log.Debug("imapserver: SASL exchange failed", "err", err)
			}
			return c.authFailed(ErrAuthFailed)
		}
		if done {
			break
		}
		c.writeRaw("+ " + base64.StdEncoding.EncodeToString(challenge) + "\r\n")
		if c.flush() != nil {
			panic(ioError{errors.New("write failed")})
		}
		if err := c.readLine(); err != nil {
			if errors.Is(err, errLineTooLong) {
				return bad("Response too long")
			}
			panic(ioError{err})
		}
		if string(c.line) == "*" {
			c.line = nil
			return bad("AUTHENTICATE cancelled")
		}
		resp, err = base64.StdEncoding.DecodeString(string(c.line))
		c.line = nil
		if err != nil {
			return bad("Invalid base64 response")
		}
	}
	u, err := plainUser, error(nil)
	if isSASL {
		u, err = ss.Authenticated(c.ctx)
	}
	if err != nil || u == nil {
		if err == nil {
			err = ErrAuthFailed
		}
		return c.authFailed(err)
	}
	return c.loggedIn(u)
}

func (c *conn) atomBytesOrEq() []byte {
	start := c.pos
	for c.pos < len(c.line) && c.line[c.pos] != ' ' {
		c.pos++
	}
	if c.pos == start {
		c.fail("Expected initial response")
	}
	return c.line[start:c.pos]
}

// cmdUnauthenticate implements UNAUTHENTICATE (RFC 8437): back to the not
// authenticated state on the same connection; extensions enabled with
// ENABLE are reset.
func (c *conn) cmdUnauthenticate(bool) *status {
	c.expectEnd()
	c.unselect()
	if c.user != nil {
		c.user.Close()
		c.user = nil
	}
	c.state = stateNotAuthenticated
	c.enabled = enabledExt{}
	c.log = c.srv.logger().With("remote", c.nc.RemoteAddr().String())
	return &status{kind: "OK", text: "UNAUTHENTICATE completed", noUpdates: true}
}
