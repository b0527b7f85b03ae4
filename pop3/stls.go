package pop3

import (
	"crypto/tls"
	"time"
)

// cmdSTLS starts TLS (RFC 2595 §4).
func (c *Conn) cmdSTLS(arg []byte) error {
	switch {
	case len(arg) != 0:
		c.bad("STLS takes no argument")
		return errCommand
	case c.srv.TLSConfig == nil:
		c.bad("STLS not supported")
		return errCommand
	case c.isTLS:
		c.bad("command not permitted when TLS active")
		return errCommand
	case c.utf8:
		// RFC 6856 §2.1: clients MUST NOT issue STLS after UTF8.
		c.bad("STLS not permitted after UTF8")
		return errCommand
	}
	c.ok("begin TLS negotiation")
	if !c.flush() {
		return errCloseConn
	}
	// Input the client sent after STLS, before the handshake, was sent in
	// the clear and may have been injected: discard it (RFC 2595 §3.1, the
	// CVE-2011-0411 class). The TLS layer reads from the socket itself.
	tc := tls.Server(c.nc, c.srv.TLSConfig)
	tc.SetDeadline(time.Now().Add(c.srv.writeTimeout()))
	if err := tc.HandshakeContext(c.ctx); err != nil {
		c.srv.logger().Debug("pop3: STLS handshake failed", "remote", c.nc.RemoteAddr().String(), "err", err)
		return errCloseConn
	}
	tc.SetDeadline(time.Time{})
	c.nc = tc
	c.isTLS = true
	c.r.Reset(tc)
	// The session starts over in the AUTHORIZATION state (a USER given
	// before STLS is forgotten).
	c.user = ""
	return nil
}
