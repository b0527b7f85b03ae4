package pop3

import (
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"unicode/utf8"
)

// maxNameLength bounds a user name (USER, APOP) and a password.
const maxNameLength = 200

// authAllowed reports whether authentication may happen on this connection
// (RFC 2595 §2.2; ARCHITECTURE rule 6). It writes the -ERR when not.
func (c *Conn) authAllowed() bool {
	if c.isTLS || c.srv.AllowInsecureAuth {
		return true
	}
	c.reply("-ERR [AUTH] ", "authentication requires TLS: use STLS first")
	return false
}

// validCredential checks a user name or password: non-empty, bounded,
// ASCII unless UTF-8 mode allows more (RFC 6856 §2.2: valid UTF-8 only).
func (c *Conn) validCredential(b []byte) bool {
	if len(b) == 0 || len(b) > maxNameLength {
		return false
	}
	for _, ch := range b {
		if ch < 0x20 || ch == 0x7f {
			return false
		}
		if ch >= 0x80 && !c.srv.EnableUTF8 {
			return false
		}
	}
	return utf8.Valid(b)
}

func (c *Conn) cmdUSER(arg []byte) error {
	if _, ok := c.sess.(PasswordSession); !ok {
		c.bad("USER/PASS not supported")
		return errCommand
	}
	if !c.authAllowed() {
		return errCommand
	}
	if !c.validCredential(arg) {
		c.bad("invalid user name")
		return errCommand
	}
	c.user = string(arg)
	c.afterUSR = true
	c.ok("send PASS")
	return nil
}

func (c *Conn) cmdPASS(arg []byte) error {
	user := c.user
	c.user = ""
	ps := c.sess.(PasswordSession) // USER checked it
	// RFC 1939 §7: the password may contain spaces; it is the rest of the line.
	if !c.validCredential(arg) {
		return c.authFailed(nil)
	}
	if err := ps.CheckPassword(c.ctx, user, string(arg)); err != nil {
		return c.authFailed(err)
	}
	return c.login(user)
}

func (c *Conn) cmdAPOP(arg []byte) error {
	as, ok := c.sess.(APOPSession)
	if !ok || c.timestamp == "" {
		c.bad("APOP not supported")
		return errCommand
	}
	if !c.authAllowed() {
		return errCommand
	}
	// RFC 1939 §7: APOP name digest, digest = 32 lower-case hex digits of
	// MD5(timestamp + secret).
	sp := -1
	for i := len(arg) - 1; i >= 0; i-- {
		if arg[i] == ' ' {
			sp = i
			break
		}
	}
	if sp <= 0 || len(arg)-sp-1 != 32 || !c.validCredential(arg[:sp]) {
		c.bad("usage: APOP name digest")
		return errCommand
	}
	user := string(arg[:sp])
	var digest [16]byte
	if _, err := hex.Decode(digest[:], arg[sp+1:]); err != nil {
		c.bad("usage: APOP name digest")
		return errCommand
	}
	secret, err := as.APOPSecret(c.ctx, user)
	if err != nil {
		return c.authFailed(err)
	}
	want := APOPDigest(c.timestamp, secret)
	if subtle.ConstantTimeCompare(want[:], digest[:]) != 1 {
		return c.authFailed(nil)
	}
	return c.login(user)
}

// APOPDigest returns MD5(timestamp + secret), the APOP digest of RFC 1939 §7.
func APOPDigest(timestamp, secret string) [16]byte {
	h := md5.New()
	h.Write([]byte(timestamp))
	h.Write([]byte(secret))
	var d [16]byte
	h.Sum(d[:0])
	return d
}

// authFailed answers a failed login after the failure delay and counts it;
// too many failures end the connection. err (nil: bad credentials) decides
// the text: *Error as is, other errors are logged and reported as
// temporary.
func (c *Conn) authFailed(err error) error {
	c.authFails++
	var pe *Error
	if err != nil && !errors.As(err, &pe) {
		c.replyErr(err, "authentication")
	} else {
		c.srv.delay(c.ctx, c.srv.authFailureDelay()) // slow down guessing
		if pe != nil {
			c.replyErr(pe, "authentication")
		} else {
			c.replyErr(ErrAuthFailed, "authentication")
		}
	}
	if c.authFails >= c.srv.maxAuthFailures() {
		c.bad("too many authentication failures, closing connection")
		return errCloseConn
	}
	return nil
}

// login opens and locks the maildrop of an authenticated user, lists it
// and enters the TRANSACTION state (RFC 1939 §4).
func (c *Conn) login(user string) error {
	drop, err := c.sess.Maildrop(c.ctx, user)
	if err != nil {
		c.replyErr(err, "opening maildrop")
		return nil // RFC 1939 §7: the client may try again or QUIT
	}
	msgs, err := drop.List(c.ctx)
	if err == nil {
		err = checkListing(msgs)
	}
	if err != nil {
		drop.Close()
		c.replyErr(err, "listing maildrop")
		return nil
	}
	c.drop, c.msgs = drop, msgs
	c.tsz = 0
	for i := range msgs {
		c.tsz += msgs[i].Size
	}
	c.state = StateTransaction
	c.okMaildrop()
	return nil
}

// checkListing rejects a listing the protocol cannot carry (RFC 1939 §7:
// unique-ids of 1 to 70 characters in 0x21..0x7E; sizes are not negative).
func checkListing(msgs []MessageInfo) error {
	for i := range msgs {
		uid := msgs[i].UID
		if len(uid) == 0 || len(uid) > 70 || msgs[i].Size < 0 {
			return errors.New("pop3: invalid listing from backend: bad UID or size")
		}
		for j := 0; j < len(uid); j++ {
			if uid[j] < 0x21 || uid[j] > 0x7e {
				return errors.New("pop3: invalid listing from backend: bad UID character")
			}
		}
	}
	return nil
}
