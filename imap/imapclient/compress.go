package imapclient

import (
	"errors"

	"github.com/mailwire/mailwire/imap/internal/compress"
)

// ErrCompressionActive is returned by Compress on a connection that is
// already compressed.
var ErrCompressionActive = errors.New("imapclient: compression already active")

// Compress sends COMPRESS DEFLATE (RFC 4978) and, after the server's OK,
// compresses everything in both directions. Like STARTTLS it waits for the
// tagged response before anything else is sent (§3: the client must not
// send further commands until it has seen the result). Every command the
// client writes is flushed through the compressor (a DEFLATE sync flush,
// §4), and responses are handed over as soon as the server flushes, so
// IDLE works as before.
func (c *Client) Compress() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.mu.Lock()
	if c.closed {
		err := c.closeErr
		c.mu.Unlock()
		return err
	}
	if _, on := c.conn.(*compress.Conn); on {
		c.mu.Unlock()
		return ErrCompressionActive
	}
	if c.idling {
		c.mu.Unlock()
		return ErrIdling
	}
	// The reader pauses after the tagged OK (response.go) so that no
	// compressed byte is read through the old reader; data after the OK
	// before compression starts is refused like after STARTTLS.
	up, err := c.sendUpgrade("COMPRESS", "COMPRESS DEFLATE")
	if err != nil {
		return err
	}
	zc, err := compress.NewConn(c.conn, nil)
	if err != nil {
		close(up.resume)
		c.closeWith(err)
		return err
	}
	c.setConn(zc)
	close(up.resume)
	return nil
}

// Compressed reports whether COMPRESS is active.
func (c *Client) Compressed() bool {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, on := c.conn.(*compress.Conn)
	return on
}
