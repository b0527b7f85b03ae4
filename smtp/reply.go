package smtp

import (
	"errors"
	"strconv"
	"strings"
)

// Replies are written to the connection's bufio.Writer and flushed only
// when the server is about to wait for input (RFC 2920 §3.1), so a
// pipelined group of commands gets its replies in one write.

// reply writes a complete reply line (with CRLF).
func (c *Conn) reply(line string) {
	c.w.WriteString(line)
}

func (c *Conn) replyf3(a, b, d string) {
	c.w.WriteString(a)
	c.w.WriteString(b)
	c.w.WriteString(d)
}

// syntaxError sends a 5yz reply for a syntax or sequence error and counts
// it. When the count reaches MaxErrors it answers 421 and reports true: the
// connection must end.
func (c *Conn) syntaxError(line string) bool {
	c.reply(line)
	c.nerrors++
	if c.nerrors >= c.srv.lim.maxErrors {
		c.reply("421 4.7.0 Too many errors, closing connection\r\n")
		c.closing = true
		return true
	}
	return false
}

// replyError writes e as a reply. A missing or inconsistent enhanced code
// is derived from the reply code's class (RFC 3463 §2: the class matches
// the first digit), so every reply carries one (RFC 2034).
func (c *Conn) replyError(e *Error) {
	code := e.Code
	if code < 200 || code > 599 {
		code = 451
	}
	enh := e.EnhancedCode
	if enh[0] != code/100 || enh[0] == 3 {
		enh = [3]int{code / 100, 0, 0}
		if code/100 == 3 {
			enh = [3]int{}
		}
	}
	var buf [32]byte
	prefix := strconv.AppendInt(buf[:0], int64(code), 10)
	msg := e.Message
	if msg == "" {
		msg = "Error"
	}
	for {
		line, rest, more := strings.Cut(msg, "\n")
		line = strings.TrimRight(line, "\r")
		c.w.Write(prefix)
		if more {
			c.w.WriteByte('-')
		} else {
			c.w.WriteByte(' ')
		}
		if enh != [3]int{} {
			var eb [24]byte
			b := strconv.AppendInt(eb[:0], int64(enh[0]), 10)
			b = append(b, '.')
			b = strconv.AppendInt(b, int64(enh[1]), 10)
			b = append(b, '.')
			b = strconv.AppendInt(b, int64(enh[2]), 10)
			b = append(b, ' ')
			c.w.Write(b)
		}
		c.w.WriteString(sanitizeReplyText(line))
		c.w.WriteString("\r\n")
		if !more {
			return
		}
		msg = rest
	}
}

// sanitizeReplyText keeps a backend's reply text on one line of printable
// characters, so it cannot inject reply lines.
func sanitizeReplyText(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] == 0x7f {
			return strings.Map(func(r rune) rune {
				if r < ' ' || r == 0x7f {
					return ' '
				}
				return r
			}, s)
		}
	}
	return s
}

// replyBackendError answers a failed backend call: *Error as is, anything
// else as a generic temporary failure with the text only in the log
// (ARCHITECTURE rule 6).
func (c *Conn) replyBackendError(what string, err error) {
	var se *Error
	if errors.As(err, &se) {
		c.replyError(se)
		return
	}
	c.logger().Error("smtp: backend error", "op", what, "remote", c.netConn.RemoteAddr().String(), "err", err)
	c.reply("451 4.3.0 Requested action aborted: local error in processing\r\n")
}
