package imapserver

import (
	"crypto/tls"
	"strings"
)

func (c *conn) cmdCapability(bool) *status {
	c.expectEnd()
	c.untaggedS("CAPABILITY " + c.capabilities())
	return ok("CAPABILITY completed")
}

func (c *conn) cmdNoop(bool) *status {
	c.expectEnd()
	return ok("NOOP completed")
}

func (c *conn) cmdCheck(bool) *status {
	c.expectEnd()
	return ok("CHECK completed")
}

func (c *conn) cmdLogout(bool) *status {
	c.expectEnd()
	c.untagged("BYE Logging out")
	c.state = stateLogout
	return ok("LOGOUT completed")
}

// cmdID answers RFC 2971 ID with the server's name.
func (c *conn) cmdID(bool) *status {
	c.expectSP()
	if _, isList := c.nstringOrNilList(); isList {
		// The client's fields are parsed (bounded) and ignored.
	}
	c.expectEnd()
	c.untagged(`ID ("name" "mailwire" "vendor" "mailwire")`)
	return ok("ID completed")
}

// nstringOrNilList parses NIL or a parenthesized list of strings.
func (c *conn) nstringOrNilList() ([]string, bool) {
	if c.peek() != '(' {
		if _, isStr := c.nstringOrNil(); isStr {
			c.fail("Expected list or NIL")
		}
		return nil, false
	}
	c.openParen()
	var out []string
	for c.peek() != ')' {
		s, _ := c.nstringOrNil()
		if len(out) < 64 {
			out = append(out, s)
		} else {
			c.fail("Too many ID fields")
		}
		if !c.sp() {
			break
		}
	}
	c.closeParen()
	return out, true
}

// cmdEnable implements ENABLE (RFC 5161) for IMAP4rev2, CONDSTORE,
// QRESYNC and UTF8=ACCEPT.
func (c *conn) cmdEnable(bool) *status {
	var enabled []string
	c.expectSP()
	for first := true; first || c.sp(); first = false {
		name := c.atomUpper()
		switch name {
		case "IMAP4REV2":
			if !c.enabled.rev2 {
				c.enabled.rev2 = true
				enabled = append(enabled, "IMAP4rev2")
			}
		case "CONDSTORE":
			if !c.enabled.condstore {
				c.enabled.condstore = true
				enabled = append(enabled, "CONDSTORE")
			}
		case "QRESYNC":
			if !c.enabled.qresync {
				c.enabled.qresync = true
				c.enabled.condstore = true
				enabled = append(enabled, "QRESYNC")
			}
		case "UTF8=ACCEPT":
			if !c.enabled.utf8 {
				c.enabled.utf8 = true
				enabled = append(enabled, "UTF8=ACCEPT")
			}
		}
	}
	c.expectEnd()
	c.untaggedS("ENABLED" + prefixEach(enabled))
	return ok("ENABLE completed")
}

func prefixEach(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return " " + strings.Join(s, " ")
}

// cmdStartTLS implements STARTTLS (RFC 9051 §6.2.1). Input buffered before
// the handshake is discarded: a client must not pipeline after STARTTLS
// (CVE-2011-0411 class).
func (c *conn) cmdStartTLS(bool) *status {
	c.expectEnd()
	if c.srv.TLSConfig == nil || c.isTLS || c.info.TLS != nil {
		return bad("STARTTLS not available")
	}
	if c.br.Buffered() > 0 {
		// Anything after STARTTLS in the same packet is an injection.
		c.br.Discard(c.br.Buffered())
	}
	c.writeStatus(c.tag, ok("Begin TLS negotiation now"))
	if c.flush() != nil {
		return &status{fatal: true, text: "write failed"}
	}
	tc := tls.Server(c.nc, c.srv.TLSConfig)
	tc.SetDeadline(c.srv.now().Add(c.srv.preAuthTimeout()))
	if err := tc.HandshakeContext(c.ctx); err != nil {
		c.log.Debug("imapserver: STARTTLS handshake failed", "err", err)
		panic(ioError{err})
	}
	tc.SetDeadline(timeZero)
	st := tc.ConnectionState()
	c.nc = tc
	c.info.TLS = &st
	c.isTLS = true
	c.pushback = nil
	c.br.Reset(connReader{c})
	c.bw.Reset(tc)
	// The tagged OK has been sent; nothing more for this command.
	return &status{done: true}
}
