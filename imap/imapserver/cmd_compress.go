package imapserver

import (
	"github.com/mailwire/mailwire/imap/internal/compress"
)

// compressCapability is the CAPABILITY atom of RFC 4978.
const compressCapability = "COMPRESS=DEFLATE"

// cmdCompress implements COMPRESS DEFLATE (RFC 4978 §3). The tagged OK is
// sent uncompressed; everything after its CRLF is compressed in both
// directions. Each flush of the connection's writer is a DEFLATE sync
// flush (RFC 4978 §4), so a client in IDLE receives a pushed EXISTS at
// once, and the reader hands over every flushed command without waiting
// for more input.
func (c *conn) cmdCompress(bool) *status {
	c.expectSP()
	mech := c.atomUpper()
	c.expectEnd()
	if mech != "DEFLATE" {
		return bad("Unsupported compression mechanism")
	}
	if c.compressed() {
		// RFC 4978 §3: BAD when COMPRESS is already active.
		return bad("DEFLATE already active")
	}
	c.writeStatus(c.tag, ok("DEFLATE active"))
	if c.flush() != nil {
		return &status{fatal: true, text: "write failed"}
	}
	// The client must wait for our OK before it compresses (§3), but if it
	// pipelined anyway the read-ahead belongs to the compressed stream.
	var prefix []byte
	if n := c.br.Buffered(); n > 0 {
		b, _ := c.br.Peek(n)
		prefix = append(prefix, b...)
		c.br.Discard(n)
	}
	prefix = append(prefix, c.pushback...)
	c.pushback = nil
	zc, err := compress.NewConn(c.nc, &compress.Options{Prefix: prefix})
	if err != nil {
		c.log.Error("imapserver: COMPRESS failed", "err", err)
		panic(ioError{err})
	}
	c.nc = zc
	c.br.Reset(connReader{c})
	c.bw.Reset(zc)
	// The tagged OK has been sent; nothing more for this command.
	return &status{done: true}
}

// compressed reports whether COMPRESS is active on the connection.
func (c *conn) compressed() bool {
	_, ok := c.nc.(*compress.Conn)
	return ok
}
