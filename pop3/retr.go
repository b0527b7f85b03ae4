package pop3

import (
	"bytes"
	"io"
	"sync"
	"time"
)

// chunkSize is how much of a message is read from the backend at once.
const chunkSize = 32 << 10

var chunkPool = sync.Pool{New: func() any { b := make([]byte, chunkSize); return &b }}

func (c *Conn) cmdRETR(arg []byte) error {
	i := c.msgArg(arg)
	if i < 0 {
		return errCommand
	}
	if err := c.sendMessage(i, -1); err != nil {
		return err
	}
	// Read message i+1 ahead (stored +1) when the client goes through
	// the maildrop in order: after RETR 1 or after RETR n-1, RETR n. A
	// client that picks messages out of order pays no extra reads.
	if i == 0 || c.lastRetr == i {
		c.aheadNext = i + 2
	}
	c.lastRetr = i + 1
	return nil
}

func (c *Conn) cmdTOP(arg []byte) error {
	// RFC 1939 §7: TOP msg n, n non-negative.
	sp := -1
	for j, b := range arg {
		if b == ' ' {
			sp = j
			break
		}
	}
	if sp < 0 {
		c.bad("usage: TOP msg n")
		return errCommand
	}
	n, ok := parseNumber(arg[sp+1:])
	if !ok {
		c.bad("invalid line count")
		return errCommand
	}
	i := c.msgArg(arg[:sp])
	if i < 0 {
		return errCommand
	}
	return c.sendMessage(i, n)
}

// sendMessage streams message i as a multi-line response: the whole message
// (lines < 0) or its header, the blank line and the first lines body lines
// (TOP). Line ends become CRLF, a final CRLF is added when missing, and a
// leading "." is doubled (RFC 1939 §3). An error after +OK leaves the
// response unterminated, so the connection is closed (rule 5).
//
// A message that fits in one chunk (the usual case) is read with one call
// and goes out with the status line and the terminator in one buffered
// write; RETR of the message read ahead after the previous RETR (see
// readAhead) does not touch the backend at all.
func (c *Conn) sendMessage(i int, lines int64) error {
	if c.msgs[i].UTF8 && !c.utf8 {
		c.reply("-ERR [UTF8] ", "message needs UTF-8 mode") // RFC 6856 §5
		return nil
	}
	var bp *[]byte
	var data []byte // the whole message when whole is set
	whole := false
	if lines < 0 {
		bp, data, whole = c.takeAhead(i)
	}
	var rc io.ReadCloser
	if bp == nil {
		var err error
		rc, err = c.drop.Open(c.ctx, i)
		if err != nil {
			c.replyErr(err, "opening message")
			return nil
		}
		defer rc.Close()
		bp = chunkPool.Get().(*[]byte)
	}
	defer chunkPool.Put(bp)
	buf := *bp
	if rc != nil && lines < 0 && c.msgs[i].Size <= int64(len(buf)) {
		// The normalised size bounds the stored size: one read gets all.
		n, eof, err := readFull(rc, buf)
		if err != nil {
			// Nothing is sent yet: the client gets an -ERR, not a cut
			// response.
			c.replyErr(err, "reading message")
			return nil
		}
		data, whole = buf[:n], eof
	}
	w := c.out()
	w.WriteString("+OK ")
	if lines < 0 {
		w.Write(c.itoa(c.msgs[i].Size))
		w.WriteString(" octets\r\n")
	} else {
		w.WriteString("top of message follows\r\n")
	}
	if whole {
		return c.writeWhole(data)
	}
	c.dw.Reset(w)
	dw := &c.dw
	var cut topCutter
	cut.lines = lines
	cut.inHeader = true
	wt := c.srv.writeTimeout()
	rem := 0    // buf[:rem] is the start of a line not yet sent (RETR)
	bol := true // the next octet sent starts a line
	if len(data) > 0 {
		// A first chunk was read above but the message goes on.
		if _, err := dw.Write(data); err != nil {
			return errCloseConn
		}
		bol = data[len(data)-1] == '\n'
	}
	for first := len(data) == 0; ; first = false {
		if !first {
			// The write timeout bounds each chunk, not the whole
			// message: a slow client that keeps reading is not cut off.
			c.nc.SetWriteDeadline(time.Now().Add(wt))
		}
		n, rerr := rc.Read(buf[rem:])
		var err error
		done := false
		switch {
		case lines >= 0: // TOP: small, through the cutter
			var p []byte
			p, done = cut.cut(buf[:n])
			_, err = dw.Write(p)
		case rerr != nil: // the last piece of the message
			_, err = dw.Write(buf[:rem+n])
			rem = 0
		default:
			data := buf[:rem+n]
			// buf[:rem] holds no LF: look only at the new octets.
			k := bytes.LastIndexByte(data[rem:], '\n')
			if k >= 0 {
				k += rem
			}
			switch {
			case k >= 0:
				q := data[:k+1]
				if bol && cleanLines(q) {
					_, err = w.Write(q) // nothing to stuff or normalise
				} else {
					_, err = dw.Write(q)
				}
				bol = true
				rem = copy(buf, data[k+1:])
			case len(data) == len(buf): // a line longer than the buffer
				_, err = dw.Write(data)
				bol, rem = false, 0
			default:
				rem = len(data)
			}
		}
		if err != nil {
			return errCloseConn // the client is gone
		}
		if done || rerr == io.EOF {
			break
		}
		if rerr != nil {
			c.readError(i, rerr)
			return errCloseConn
		}
	}
	if err := dw.Close(); err != nil {
		return errCloseConn
	}
	return nil
}

// writeWhole writes a complete message and the terminating line. A
// CRLF-clean message without lines to stuff (nearly every stored message)
// is copied as is.
func (c *Conn) writeWhole(data []byte) error {
	w := c.w
	if n := len(data); n > 0 && data[n-1] == '\n' && cleanLines(data) {
		w.Write(data)
		w.WriteString(".\r\n")
	} else {
		c.dw.Reset(w)
		c.dw.Write(data)
		c.dw.Close()
	}
	// bufio.Writer keeps its first write error: the client is gone.
	if _, err := w.Write(nil); err != nil {
		return errCloseConn
	}
	return nil
}

func (c *Conn) readError(i int, err error) {
	c.srv.logger().Error("pop3: reading message", "remote", c.nc.RemoteAddr().String(), "uid", c.msgs[i].UID, "err", err)
}

// readFull reads r into buf until r ends or buf is full; eof reports that
// r ended (so buf[:n] is all of it).
func readFull(r io.Reader, buf []byte) (n int, eof bool, err error) {
	for n < len(buf) {
		k, err := r.Read(buf[n:])
		n += k
		if err == io.EOF {
			return n, true, nil
		}
		if err != nil {
			return n, false, err
		}
	}
	return n, false, nil // full: the caller streams on
}

// Read-ahead. A client downloading its mail sends RETR 1, RETR 2, ... one
// at a time (or with a DELE after each). After answering RETR i with no
// further command waiting, the server reads message i+1 while the client
// is still busy with message i (if i is the first message or the previous
// RETR was of i-1: no extra reads for clients that pick messages), so that the RETR i+1 that follows is
// answered without waiting for the backend. Only messages up to aheadMax
// octets are read ahead; the connection holds the buffer until its next
// RETR (at most one 32 KiB buffer per connection).
const aheadMax = chunkSize

// readAhead reads message c.aheadNext-1, if it is worth it, into the
// connection's read-ahead buffer.
func (c *Conn) readAhead() {
	j := c.aheadNext - 1
	c.aheadNext = 0
	if j < 0 || j >= len(c.msgs) || c.state != StateTransaction || c.lineBuffered() {
		return
	}
	if c.isDeleted(j) || c.msgs[j].Size > aheadMax || (c.msgs[j].UTF8 && !c.utf8) {
		return
	}
	rc, err := c.drop.Open(c.ctx, j)
	if err != nil {
		return // RETR will open it again and report the error
	}
	if c.ahead.buf == nil {
		c.ahead.buf = chunkPool.Get().(*[]byte)
	}
	n, eof, err := readFull(rc, *c.ahead.buf)
	rc.Close()
	if err != nil || !eof {
		c.dropAhead()
		return
	}
	c.ahead.idx, c.ahead.n = j, n
}

// takeAhead returns the read-ahead buffer if it holds message i (the
// caller owns it then); otherwise it releases it.
func (c *Conn) takeAhead(i int) (*[]byte, []byte, bool) {
	bp := c.ahead.buf
	if bp == nil {
		return nil, nil, false
	}
	c.ahead.buf = nil
	if c.ahead.idx != i {
		chunkPool.Put(bp)
		return nil, nil, false
	}
	return bp, (*bp)[:c.ahead.n], true
}

func (c *Conn) dropAhead() {
	if c.ahead.buf != nil {
		chunkPool.Put(c.ahead.buf)
		c.ahead.buf = nil
	}
}

// cleanLines reports whether q, whole lines starting at a line start and
// ending with LF, can be sent as is: every line ends with CRLF, there is
// no other CR, and no line starts with "." (RFC 1939 §3). It counts CRs
// at SIMD speed and visits each LF once.
func cleanLines(q []byte) bool {
	if len(q) == 0 || q[0] == '.' {
		return len(q) == 0
	}
	lfs := 0
	for i := 0; ; {
		j := bytes.IndexByte(q[i:], '\n')
		if j < 0 {
			break
		}
		k := i + j
		if k == 0 || q[k-1] != '\r' || (k+1 < len(q) && q[k+1] == '.') {
			return false
		}
		lfs++
		i = k + 1
	}
	return bytes.Count(q, crOctet) == lfs
}

// topCutter finds where TOP's output ends: after the header, the blank
// line and lines body lines. It counts line ends the way textwire's
// DotWriter normalises them (CRLF, bare CR or bare LF each end one line).
type topCutter struct {
	lines     int64 // body lines still to send
	inHeader  bool
	lineLen   int  // octets of the current line so far
	pendingCR bool // the previous chunk ended with CR
}

// cut returns the part of p to send and whether the output is complete.
func (t *topCutter) cut(p []byte) ([]byte, bool) {
	for i := 0; i < len(p); i++ {
		b := p[i]
		if t.pendingCR {
			t.pendingCR = false
			if b == '\n' {
				continue // the CR already ended this line
			}
		}
		if b != '\r' && b != '\n' {
			t.lineLen++
			continue
		}
		if b == '\r' {
			if i+1 < len(p) && p[i+1] == '\n' {
				i++
			} else if i+1 == len(p) {
				t.pendingCR = true
			}
		}
		if t.endLine() {
			return p[:i+1], true
		}
	}
	return p, false
}

// endLine accounts for one complete line and reports whether TOP is done.
func (t *topCutter) endLine() bool {
	empty := t.lineLen == 0
	t.lineLen = 0
	if t.inHeader {
		if empty {
			t.inHeader = false
			return t.lines == 0
		}
		return false
	}
	t.lines--
	return t.lines <= 0
}
