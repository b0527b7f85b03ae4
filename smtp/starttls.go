package smtp

import (
	"crypto/tls"
	"time"
)

// cmdSTARTTLS upgrades the connection (RFC 3207).
func (c *Conn) cmdSTARTTLS(arg []byte) {
	if c.tlsState != nil {
		c.syntaxError("503 5.5.1 Already running TLS\r\n")
		return
	}
	if c.srv.TLSConfig == nil {
		c.syntaxError("502 5.5.1 STARTTLS not supported\r\n")
		return
	}
	if len(arg) != 0 {
		c.syntaxError("501 5.5.4 STARTTLS takes no arguments\r\n")
		return
	}
	c.reply("220 2.0.0 Ready to start TLS\r\n")
	if err := c.flush(); err != nil {
		c.closing = true
		return
	}
	// Discard whatever the client pipelined after STARTTLS: it arrived
	// in the clear and must not be executed in the TLS session
	// (CVE-2011-0411; RFC 3207 §4.2 session reset). Dropping our reader
	// buffers drops that input.
	if c.raw != nil {
		c.releaseBuffers()
	}
	if c.stash != nil {
		stashPool.Put(c.stash)
		c.stash, c.stashed = nil, nil
	}
	c.r, c.w = nil, nil
	c.raw = nil // TLS connections keep their own buffers

	tc := tls.Server(c.netConn, c.srv.TLSConfig)
	c.netConn.SetDeadline(time.Now().Add(c.srv.lim.cmdTimeout))
	if err := tc.HandshakeContext(c.ctx); err != nil {
		c.logger().Debug("smtp: STARTTLS handshake failed", "remote", c.netConn.RemoteAddr().String(), "err", err)
		c.netConn = tc
		c.closing = true
		c.acquireBuffers() // the loop's final flush needs a writer
		return
	}
	c.netConn = tc
	c.rdeadline, c.wdeadline = time.Time{}, time.Time{}
	tc.SetDeadline(time.Time{})
	st := tc.ConnectionState()
	c.tlsState = &st
	c.acquireBuffers()

	// RFC 3207 §4.2: forget everything learnt before, the client must
	// EHLO again; an authenticated identity does not carry over.
	c.resetTransaction()
	c.state = stateInit
	c.helo = ""
	c.authIdent = ""
}
