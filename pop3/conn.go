package pop3

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/mailwire/mailwire/internal/textwire"
)

// State is the state of a POP3 session (RFC 1939 §3).
type State uint8

// The POP3 session states.
const (
	StateAuthorization State = iota // before a successful login
	StateTransaction                // the maildrop is open and locked
	StateUpdate                     // after QUIT in TRANSACTION: deletions are committed
)

func (s State) String() string {
	switch s {
	case StateAuthorization:
		return "AUTHORIZATION"
	case StateTransaction:
		return "TRANSACTION"
	case StateUpdate:
		return "UPDATE"
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// readerSize holds a pipelined window of commands; a longer line is read in
// pieces by textwire.ReadLine. It stays allocated for the connection's life.
const readerSize = 1024

// writerSize is the pooled output buffer; responses and message bodies go
// through it. Connections waiting for a command hold none.
const writerSize = 32 << 10

var writerPool = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, writerSize) }}

// Conn is one client connection as the backend sees it: its addresses and
// TLS state. Its methods are safe to call from the session's methods.
type Conn struct {
	srv *Server
	raw net.Conn // the accepted connection; Shutdown and Close use it from other goroutines
	nc  net.Conn // what the session reads and writes: raw, or TLS over raw after STLS
	r   *bufio.Reader
	w   *bufio.Writer // from writerPool while a response is being written; nil when idle

	ctx    context.Context
	cancel context.CancelFunc

	sess Session
	drop Maildrop
	msgs []MessageInfo
	del  []uint64 // deletion marks, one bit per message; nil until the first DELE
	ndel int      // messages marked deleted
	dsz  int64    // their total size
	tsz  int64    // total size of the listing

	user      string // from USER, waiting for PASS
	timestamp string // APOP timestamp from the greeting; "" without APOP
	errs      int    // failed commands
	authFails int

	state    State
	isTLS    bool
	utf8     bool
	afterUSR bool // the previous command was a successful USER
	armed    bool // the write deadline is set for the current command

	num [24]byte // scratch for formatting numbers

	dw        textwire.DotWriter // reused for every message
	aheadNext int                // 1 + index of the message to read ahead; 0: none
	lastRetr  int                // 1 + index of the last message RETR sent; 0: none
	ahead     struct {
		buf *[]byte // from chunkPool; nil: nothing read ahead
		idx int     // the message buf holds
		n   int     // its length
	}
}

// RemoteAddr returns the client's address.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// LocalAddr returns the address the client connected to.
func (c *Conn) LocalAddr() net.Addr { return c.nc.LocalAddr() }

// TLS returns the TLS connection state and true when the connection is
// protected by TLS (implicit or after STLS).
func (c *Conn) TLS() (tls.ConnectionState, bool) {
	if tc, ok := c.nc.(*tls.Conn); ok && c.isTLS {
		return tc.ConnectionState(), true
	}
	return tls.ConnectionState{}, false
}

// errCloseConn ends the connection after the current response is flushed.
var errCloseConn = errors.New("pop3: close connection")

// serveConn serves nc on the calling goroutine, untracked (tests).
func (s *Server) serveConn(nc net.Conn) { newConn(s, nc).serve() }

func newConn(s *Server, nc net.Conn) *Conn { return &Conn{srv: s, raw: nc, nc: nc} }

// serve runs the connection until it ends and releases everything it holds;
// Server.Serve tracks it and recovers a panic (internal/serve).
func (c *Conn) serve() {
	s, nc := c.srv, c.raw
	c.ctx, c.cancel = context.WithCancel(context.Background())
	defer nc.Close()
	defer c.cancel()
	defer c.release()

	if tc, ok := nc.(*tls.Conn); ok { // implicit TLS (RFC 8314)
		tc.SetDeadline(time.Now().Add(s.writeTimeout()))
		if err := tc.HandshakeContext(c.ctx); err != nil {
			s.logger().Debug("pop3: TLS handshake failed", "remote", nc.RemoteAddr().String(), "err", err)
			return
		}
		tc.SetDeadline(time.Time{})
		c.isTLS = true
	}
	c.r = bufio.NewReaderSize(nc, max(readerSize, s.maxLine()+2))

	if s.Backend == nil {
		s.logger().Error("pop3: Server.Backend is nil")
		c.reply("-ERR [SYS/PERM] ", "server misconfigured")
		c.flush()
		return
	}
	sess, err := s.Backend.NewSession(c.ctx, c)
	if err != nil {
		c.replyErr(err, "connection refused")
		c.flush()
		return
	}
	c.sess = sess
	if _, ok := sess.(APOPSession); ok {
		c.timestamp = newTimestamp(s.hostname())
	}
	if c.timestamp != "" {
		c.reply("+OK ", "POP3 server ready "+c.timestamp)
	} else {
		c.reply("+OK ", "POP3 server ready")
	}
	c.loop()
}

// release closes the maildrop (unlocking it) without committing and the
// session, on every exit path.
func (c *Conn) release() {
	if c.drop != nil {
		if err := c.drop.Close(); err != nil {
			c.srv.logger().Error("pop3: closing maildrop", "err", err)
		}
		c.drop = nil
	}
	if c.sess != nil {
		if err := c.sess.Close(); err != nil {
			c.srv.logger().Error("pop3: closing session", "err", err)
		}
		c.sess = nil
	}
	c.dropAhead()
	if c.w != nil {
		c.w.Reset(nil)
		writerPool.Put(c.w)
		c.w = nil
	}
}

func newTimestamp(host string) string {
	var b [8]byte
	rand.Read(b[:])
	return fmt.Sprintf("<%d.%x.%d@%s>", os.Getpid(), b, time.Now().UnixNano(), host)
}

// interrupt makes a connection that waits for a command stop waiting
// (Shutdown). A command in progress completes.
func (c *Conn) interrupt() {
	c.raw.SetReadDeadline(time.Now())
}

func (c *Conn) loop() {
	s := c.srv
	for {
		if !c.flushIfIdle() {
			return
		}
		if c.aheadNext > 0 {
			c.readAhead()
		}
		line, err := c.readLine(s.maxLine())
		if err != nil {
			if err == textwire.ErrLineTooLong {
				c.reply("-ERR ", "line too long")
				if c.countError() {
					return
				}
				continue
			}
			c.readFailed(err)
			return
		}
		if err := c.dispatch(line); err != nil {
			c.flush()
			return
		}
	}
}

// readLine reads one line with the autologout timer running while the
// client is silent.
func (c *Conn) readLine(max int) ([]byte, error) {
	c.armed = false // the next response sets a fresh write deadline
	if !c.lineBuffered() {
		// About to wait for the client: the timer runs from now.
		c.nc.SetReadDeadline(time.Now().Add(c.srv.autologout()))
		if c.srv.life.Closed() {
			return nil, errShutdown
		}
	}
	return textwire.ReadLine(c.r, max)
}

// lineBuffered reports whether a complete line is already in the input
// buffer (pipelined commands), so reading it will not block.
func (c *Conn) lineBuffered() bool {
	n := c.r.Buffered()
	if n == 0 {
		return false
	}
	b, _ := c.r.Peek(n)
	return bytes.IndexByte(b, '\n') >= 0
}

var errShutdown = errors.New("pop3: server shutting down")

func (c *Conn) readFailed(err error) {
	var ne net.Error
	switch {
	case err == errShutdown || c.srv.life.Closed():
		c.reply("-ERR [SYS/TEMP] ", "server shutting down")
	case errors.As(err, &ne) && ne.Timeout():
		// RFC 1939 §3: autologout without entering UPDATE.
		c.reply("-ERR ", "autologout: idle for too long")
	default:
		return // EOF or a broken connection: nothing to say
	}
	c.flush()
}

// flushIfIdle flushes pending responses unless the next command is already
// buffered (pipelining, RFC 2449 §6.6: responses go out in batches).
func (c *Conn) flushIfIdle() bool {
	if c.w == nil || c.lineBuffered() {
		return true
	}
	return c.flush()
}

// flush writes pending output and returns the buffer to the pool.
func (c *Conn) flush() bool {
	if c.w == nil {
		return true
	}
	err := c.w.Flush()
	c.w.Reset(nil)
	writerPool.Put(c.w)
	c.w = nil
	return err == nil
}

// out returns the output buffer, taking one from the pool if needed, and
// arms the write deadline.
func (c *Conn) out() *bufio.Writer {
	if c.w == nil {
		c.w = writerPool.Get().(*bufio.Writer)
		c.w.Reset(c.nc)
	}
	if !c.armed {
		c.nc.SetWriteDeadline(time.Now().Add(c.srv.writeTimeout()))
		c.armed = true
	}
	return c.w
}

// reply writes one response line: status (with its trailing space) and text.
func (c *Conn) reply(status, text string) {
	w := c.out()
	w.WriteString(status)
	w.WriteString(text)
	w.WriteString("\r\n")
}

func (c *Conn) ok(text string) {
	if text == "" {
		c.out().WriteString("+OK\r\n")
		return
	}
	c.reply("+OK ", text)
}
func (c *Conn) bad(text string) { c.reply("-ERR ", text) }

// replyErr answers for an error from the backend: an *Error as is, anything
// else as a logged [SYS/TEMP] failure with a generic text.
func (c *Conn) replyErr(err error, what string) {
	var pe *Error
	if errors.As(err, &pe) {
		w := c.out()
		w.WriteString("-ERR ")
		if pe.Code != "" {
			w.WriteString("[")
			w.WriteString(sanitize(pe.Code))
			w.WriteString("] ")
		}
		w.WriteString(sanitize(pe.Message))
		w.WriteString("\r\n")
		return
	}
	c.srv.logger().Error("pop3: backend error", "op", what, "remote", c.nc.RemoteAddr().String(), "err", err)
	c.reply("-ERR [SYS/TEMP] ", what+": temporary failure, try again later")
}

// sanitize keeps a backend's text on one line (no CR/LF injection).
func sanitize(s string) string {
	if len(s) > 400 {
		s = s[:400]
	}
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' {
			b := []byte(s)
			for j := range b {
				if b[j] < ' ' {
					b[j] = ' '
				}
			}
			return string(b)
		}
	}
	return s
}

// countError counts a failed command and reports whether the connection
// must end (too many errors).
func (c *Conn) countError() bool {
	c.errs++
	if c.errs >= c.srv.maxErrors() {
		c.bad("too many errors, closing connection")
		c.flush()
		return true
	}
	return false
}

func (c *Conn) itoa(n int64) []byte { return strconv.AppendInt(c.num[:0], n, 10) }
