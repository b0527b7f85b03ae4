package pop3

import (
	"bytes"
	"io"
	"sync"
	"time"

	"github.com/mailwire/mailwire/internal/textwire"
)

// chunkSize is how much of a message is read from the backend at once.
const chunkSize = 32 << 10

var chunkPool = sync.Pool{New: func() any { b := make([]byte, chunkSize); return &b }}

func (c *Conn) cmdRETR(arg []byte) error {
	i := c.msgArg(arg)
	if i < 0 {
		return errCommand
	}
	return c.sendMessage(i, -1)
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
func (c *Conn) sendMessage(i int, lines int64) error {
	if c.msgs[i].UTF8 && !c.utf8 {
		c.reply("-ERR [UTF8] ", "message needs UTF-8 mode") // RFC 6856 §5
		return nil
	}
	rc, err := c.drop.Open(c.ctx, i)
	if err != nil {
		c.replyErr(err, "opening message")
		return nil
	}
	defer rc.Close()
	w := c.out()
	w.WriteString("+OK ")
	if lines < 0 {
		w.Write(c.itoa(c.msgs[i].Size))
		w.WriteString(" octets\r\n")
	} else {
		w.WriteString("top of message follows\r\n")
	}
	bp := chunkPool.Get().(*[]byte)
	defer chunkPool.Put(bp)
	buf := *bp
	dw := textwire.NewDotWriter(w)
	var cut topCutter
	cut.lines = lines
	cut.inHeader = true
	wt := c.srv.writeTimeout()
	rem := 0    // buf[:rem] is the start of a line not yet sent (RETR)
	bol := true // the next octet sent starts a line
	for first := true; ; first = false {
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
			c.srv.logger().Error("pop3: reading message", "remote", c.nc.RemoteAddr().String(), "uid", c.msgs[i].UID, "err", rerr)
			return errCloseConn
		}
	}
	if err := dw.Close(); err != nil {
		return errCloseConn
	}
	return nil
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
