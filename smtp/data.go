package smtp

import (
	"context"
	"errors"
	"io"
	"strconv"

	"github.com/mailwire/mailwire/internal/textwire"
)

// errBDATAborted ends a BDAT body when the client sent a command other than
// BDAT before BDAT LAST (RSET, QUIT, ...): the transaction is abandoned.
var errBDATAborted = errors.New("smtp: BDAT transaction aborted by the client")

// errTooLarge is what the body reader returns once the message exceeds
// MaxMessageBytes (RFC 1870); the reply is 552 whatever the backend says.
var errTooLarge = &Error{Code: 552, EnhancedCode: [3]int{5, 3, 4}, Message: "Message size exceeds fixed maximum message size"}

// bodyReader is the io.Reader handed to Session.Data. It records how the
// body ended, so the server replies for the reader's failure whatever the
// backend returns, and never acknowledges a body the backend did not read
// to the end (no truncated delivery).
type bodyReader struct {
	c   *Conn
	dot *textwire.DotReader // DATA
	// BDAT: octets left in the current chunk, and whether it is the last.
	left int64
	last bool
	err  error // first error other than io.EOF, or io.EOF at the end
}

func (b *bodyReader) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if err := b.c.ctx.Err(); err != nil {
		b.err = err
		return 0, err
	}
	var n int
	var err error
	if b.dot != nil {
		n, err = b.dot.Read(p)
		if err == textwire.ErrTooLarge {
			err = errTooLarge
		}
	} else {
		n, err = b.readChunk(p)
	}
	if err != nil {
		b.err = err
	}
	return n, err
}

// readChunk reads BDAT chunk data; between chunks it answers the finished
// chunk and reads the next BDAT command (RFC 3030 §4.2).
func (b *bodyReader) readChunk(p []byte) (int, error) {
	c := b.c
	for b.left == 0 {
		if b.last {
			return 0, io.EOF
		}
		c.reply("250 2.0.0 Chunk received\r\n")
		c.phase = phaseCommand
		line, err := textwire.ReadLine(c.r, c.srv.lim.maxLine)
		if err != nil {
			return 0, err
		}
		verb, arg := splitCommand(line)
		if !equalFold(verb, "BDAT") {
			c.pending = append(c.pending[:0], line...)
			return 0, errBDATAborted
		}
		size, last, ok := parseBDATArg(arg)
		if !ok {
			c.pending = append(c.pending[:0], line...)
			return 0, errBDATAborted
		}
		b.left, b.last = size, last
		c.phase = phaseData
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := c.r.Read(p)
	b.left -= int64(n)
	c.bdatSize += int64(n)
	if c.bdatSize > c.srv.lim.maxMessage {
		return n, errTooLarge
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// drain consumes the rest of the body so the connection stays in step. It
// reports false when that failed and the connection must be closed.
func (b *bodyReader) drain() bool {
	if b.err == io.EOF {
		return true
	}
	c := b.c
	if b.dot != nil {
		return b.dot.Drain() == nil
	}
	// BDAT: discard the rest of the current chunk only; later chunks of
	// the failed transaction are consumed as rejected BDAT commands.
	if b.err != nil && b.err != errTooLarge && !isProtocolErr(b.err) {
		return false
	}
	if b.left > 0 {
		if _, err := c.r.Discard(int(min(b.left, 1<<62))); err != nil {
			return false
		}
		b.left = 0
	}
	return true
}

func isProtocolErr(err error) bool {
	return err == errBDATAborted || errors.Is(err, context.Canceled)
}

func (c *Conn) cmdDATA(arg []byte) {
	if c.state == stateMail {
		// RFC 5321 §3.3: no valid recipients.
		c.syntaxError("554 5.5.1 No valid recipients\r\n")
		return
	}
	if c.state == stateBDAT {
		c.syntaxError("503 5.5.1 DATA not allowed after BDAT (RFC 3030 §4.2)\r\n")
		return
	}
	if len(arg) != 0 {
		c.syntaxError("501 5.5.4 DATA takes no arguments\r\n")
		return
	}
	if c.mailOpts.Body == BodyBinaryMIME {
		c.syntaxError("503 5.5.1 BINARYMIME requires BDAT (RFC 3030 §3)\r\n")
		return
	}
	c.reply("354 Start mail input; end with <CRLF>.<CRLF>\r\n")
	c.phase = phaseData
	c.growReader(c.mailOpts.Size)
	body := &bodyReader{c: c, dot: textwire.NewDotReader(c.r, textwire.DotReaderOptions{
		MaxSize:    c.srv.lim.maxMessage,
		DrainLimit: c.srv.lim.maxMessage + 1<<20,
	})}
	c.deliver(body)
}

// parseBDATArg parses "chunk-size [LAST]" (RFC 3030 §2).
func parseBDATArg(arg []byte) (size int64, last, ok bool) {
	num := arg
	var rest []byte
	for i, ch := range arg {
		if ch == ' ' {
			num, rest = arg[:i], arg[i+1:]
			break
		}
	}
	size, ok = parseSize(num)
	if !ok {
		return 0, false, false
	}
	if len(rest) == 0 {
		return size, false, true
	}
	if equalFold(rest, "LAST") {
		return size, true, true
	}
	return 0, false, false
}

func (c *Conn) cmdBDAT(arg []byte) {
	size, last, ok := parseBDATArg(arg)
	if !ok {
		// Without a size the chunk cannot be skipped: the stream is lost.
		c.reply("501 5.5.4 Syntax: BDAT chunk-size [LAST], closing connection\r\n")
		c.closing = true
		return
	}
	if size > c.srv.lim.maxMessage+1<<20 {
		// Too large to be worth skipping (bounded drain): close.
		c.reply("552 5.3.4 Message size exceeds fixed maximum message size, closing connection\r\n")
		c.closing = true
		return
	}
	if c.state != stateRcpt {
		// RFC 3030 §4.2: a rejected chunk is still consumed.
		c.phase = phaseData
		if _, err := c.r.Discard(int(min(size, 1<<62))); err != nil {
			c.closing = true
			return
		}
		switch {
		case c.state == stateMail:
			c.syntaxError("554 5.5.1 No valid recipients\r\n")
		default:
			c.syntaxError("503 5.5.1 Need MAIL and RCPT before BDAT\r\n")
		}
		return
	}
	c.state = stateBDAT
	c.phase = phaseData
	c.bdatSize = 0
	c.deliver(&bodyReader{c: c, left: size, last: last})
}

// deliver hands the body to the backend and answers: one reply for SMTP,
// one per accepted recipient for LMTP (RFC 2033 §4.2). Only a nil from the
// backend after the whole body was read becomes 250 (rule 3: acknowledged
// means durable).
func (c *Conn) deliver(body *bodyReader) {
	var status *lmtpStatus
	var err error
	if c.srv.LMTP {
		status = c.newLMTPStatus()
	}
	if ls, ok := c.session.(LMTPSession); ok && status != nil {
		err = c.callData(func() error { return ls.LMTPData(c.ctx, body, status) })
	} else {
		err = c.callData(func() error { return c.session.Data(c.ctx, body) })
	}
	// Decide on the reply from the reader's end first.
	readErr := body.err
	if readErr == nil && err == nil {
		// The backend returned success without reading to the end:
		// never acknowledge a truncated message.
		var one [1]byte
		if _, perr := body.Read(one[:]); perr != io.EOF {
			c.logger().Error("smtp: backend returned from Data before the end of the body", "remote", c.netConn.RemoteAddr().String())
			err = errors.New("backend did not read the whole body")
		}
		readErr = body.err
	}
	if readErr == errBDATAborted {
		// The pending command (RSET, QUIT, ...) runs next; the
		// transaction is gone.
		c.resetTransaction()
		return
	}
	if readErr != nil && readErr != io.EOF && readErr != errTooLarge && readErr != textwire.ErrBareLineEnding {
		// The connection broke or timed out in the middle of the body:
		// the client and server are out of step.
		if isTimeout(readErr) {
			c.reply("421 4.4.2 Timeout reading message data, closing connection\r\n")
		}
		c.closing = true
		c.resetTransaction()
		return
	}
	if !body.drain() {
		c.reply("552 5.3.4 Message size exceeds fixed maximum message size, closing connection\r\n")
		c.closing = true
		c.resetTransaction()
		return
	}
	switch {
	case readErr == errTooLarge:
		c.replyAllRcpts(status, errTooLarge)
		c.resetTransaction()
		return
	case readErr == textwire.ErrBareLineEnding:
		// RFC 5321 §2.3.8 and the SMTP smuggling class: refuse bare CR/LF.
		c.replyAllRcpts(status, &Error{Code: 550, EnhancedCode: [3]int{5, 6, 0}, Message: "Bare CR or LF in message data not allowed"})
		c.resetTransaction()
		return
	}
	if status != nil {
		status.finish(err)
		c.resetTransaction()
		return
	}
	if err != nil {
		c.replyBackendError("Data", err)
	} else {
		c.reply("250 2.0.0 Message accepted\r\n")
	}
	c.resetTransaction()
}

// callData runs the backend's Data with a recover, so a panicking backend
// fails the message rather than the whole server.
func (c *Conn) callData(f func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = errors.New("panic in Session.Data: " + strconv.Quote(stringOf(v)))
		}
	}()
	return f()
}

func stringOf(v any) string {
	if err, ok := v.(error); ok {
		return err.Error()
	}
	if s, ok := v.(string); ok {
		return s
	}
	return "non-string panic value"
}

func (c *Conn) replyAllRcpts(status *lmtpStatus, e *Error) {
	if status == nil {
		c.replyError(e)
		return
	}
	for range c.rcpts {
		c.replyError(e)
	}
}

// lmtpStatus collects the per-recipient results of LMTPData.
type lmtpStatus struct {
	c    *Conn
	errs []error
	set  []bool
}

func (c *Conn) newLMTPStatus() *lmtpStatus {
	return &lmtpStatus{c: c, errs: make([]error, len(c.rcpts)), set: make([]bool, len(c.rcpts))}
}

// SetStatus records the result for the first recipient rcpt without one.
func (s *lmtpStatus) SetStatus(rcpt string, err error) {
	for i, r := range s.c.rcpts {
		if r == rcpt && !s.set[i] {
			s.errs[i], s.set[i] = err, true
			return
		}
	}
}

// finish writes one reply per recipient in RCPT order (RFC 2033 §4.2).
func (s *lmtpStatus) finish(dataErr error) {
	c := s.c
	for i := range c.rcpts {
		err := dataErr
		if s.set[i] {
			err = s.errs[i]
		}
		if err != nil {
			c.replyBackendError("LMTPData", err)
		} else {
			c.reply("250 2.0.0 Delivered\r\n")
		}
	}
}
