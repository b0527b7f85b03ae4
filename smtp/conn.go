package smtp

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/mailwire/mailwire/internal/textwire"
)

// connState is where a connection is in the SMTP dialogue (RFC 5321 §4.1.4).
type connState uint8

const (
	stateInit  connState = iota // greeted; waiting for EHLO/HELO/LHLO
	stateReady                  // after EHLO: no transaction
	stateMail                   // MAIL accepted, no recipient yet
	stateRcpt                   // at least one recipient accepted
	stateBDAT                   // BDAT chunks received, LAST not yet
)

// readPhase says which timeout bounds the current read.
type readPhase uint8

const (
	phaseCommand readPhase = iota + 1
	phaseData
)

// Buffer sizes. Buffers of plain TCP connections are taken from pools while
// the connection has input to process and returned while it waits for the
// next command, so an idle connection holds no buffer at all; TLS
// connections keep theirs (the TLS record layer may hold input we cannot
// see) and use the small size.
const (
	pooledReadSize = 4 << 10  // commands and small messages
	bodyReadSize   = 64 << 10 // large bodies: fewer read system calls
	ownedReadSize  = 4 << 10
	writeSize      = 4 << 10
	stashSize      = 4 << 10
)

var (
	readerPool     = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, pooledReadSize) }}
	bodyReaderPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, bodyReadSize) }}
	writerPool     = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, writeSize) }}
	stashPool      = sync.Pool{New: func() any { b := make([]byte, stashSize); return &b }}
)

var errShutdown = errors.New("smtp: server shutting down")

// Conn is one client connection as the backend sees it. Its accessors may be
// called from Session methods (the connection's goroutine).
type Conn struct {
	srv     *Server
	netConn net.Conn        // the connection in use (a *tls.Conn after STARTTLS)
	base    net.Conn        // the accepted connection, never replaced: other goroutines use only this
	raw     syscall.RawConn // plain TCP: wait for input without buffers; else nil
	r       *bufio.Reader   // nil while idle (pooled buffers)
	w       *bufio.Writer   // nil while idle (pooled buffers)
	src     connSource      // the bufio.Reader's source: flushes replies first

	ctx     context.Context
	cancel  context.CancelFunc
	session Session

	state     connState
	tlsState  *tls.ConnectionState
	helo      string
	authIdent string
	nerrors   int
	authFails int
	closing   bool // the command loop ends after this command

	// Deadline bookkeeping: a deadline is only moved when it got stale,
	// which keeps SetReadDeadline off the per-command path.
	phase     readPhase
	rdeadline time.Time
	wdeadline time.Time

	shutdownReq atomic.Bool
	idleWait    atomic.Bool

	// The current transaction.
	mailOpts  MailOptions
	rcptOpts  RcptOptions
	rcptCount int
	rcpts     []string // accepted recipients in order (LMTP replies)
	lastFrom  string   // reuse of identical address strings: no allocation
	lastRcpt  string
	bdatSize  int64  // octets received in BDAT chunks so far
	pending   []byte // a command line read by a BDAT body reader, run next

	readable func(fd uintptr) bool // waitInput's RawConn callback, built once
	stash    *[]byte               // input read while idle (pooled), not yet in r
	stashed  []byte                // the unread part of *stash
	stashErr error                 // read error found while idle
}

// connSource is the io.Reader under the connection's bufio.Reader. It is
// called only when the bufio buffer is empty, which is exactly when the
// server would block: so it first flushes pending replies (RFC 2920 §3.1:
// replies to pipelined commands go out when the input is exhausted) and
// keeps the phase's read deadline current.
type connSource struct{ c *Conn }

func (s connSource) Read(p []byte) (int, error) {
	c := s.c
	if c.stash != nil {
		n := copy(p, c.stashed)
		c.stashed = c.stashed[n:]
		if len(c.stashed) == 0 {
			stashPool.Put(c.stash)
			c.stash, c.stashed = nil, nil
		}
		return n, nil
	}
	if err := c.stashErr; err != nil {
		c.stashErr = nil
		return 0, err
	}
	if c.w != nil && c.w.Buffered() > 0 {
		if err := c.flush(); err != nil {
			return 0, err
		}
	}
	if err := c.armReadDeadline(); err != nil {
		return 0, err
	}
	return c.netConn.Read(p)
}

func newConn(s *Server, nc net.Conn) *Conn {
	c := &Conn{srv: s, netConn: nc, base: nc, phase: phaseCommand}
	c.src = connSource{c}
	if tc, ok := nc.(*net.TCPConn); ok && idleWaitSupported {
		if raw, err := tc.SyscallConn(); err == nil {
			c.raw = raw
			c.readable = c.readIdle
		}
	}
	return c
}

// Server returns the server that accepted the connection.
func (c *Conn) Server() *Server { return c.srv }

// RemoteAddr returns the client's address.
func (c *Conn) RemoteAddr() net.Addr { return c.netConn.RemoteAddr() }

// LocalAddr returns the address the client connected to.
func (c *Conn) LocalAddr() net.Addr { return c.netConn.LocalAddr() }

// TLS returns the TLS state of the connection (after STARTTLS or on an
// implicit-TLS listener), or nil on a cleartext connection.
func (c *Conn) TLS() *tls.ConnectionState { return c.tlsState }

// Hostname returns the name the client gave in its last EHLO, HELO or LHLO,
// or "" before it greeted.
func (c *Conn) Hostname() string { return c.helo }

// AuthIdentity returns the identity the client authenticated as with AUTH,
// or "" when it did not authenticate.
func (c *Conn) AuthIdentity() string { return c.authIdent }

func (c *Conn) logger() *slog.Logger { return c.srv.lim.logger }

// serve runs the connection until it ends. No panic escapes it
// (ARCHITECTURE rule 5). Its own frame is kept small: an idle connection
// parks right below it, and a shallow stack lets the runtime shrink the
// goroutine's stack to its minimum.
func (c *Conn) serve() {
	c.ctx, c.cancel = context.WithCancel(context.Background())
	defer c.finish()
	if !c.start() {
		return
	}
	for !c.closing {
		line, err := c.readCommand()
		if err != nil {
			c.readFailed(err)
			return
		}
		c.dispatch(line)
	}
	c.flush()
}

// finish ends the connection: recover, Logout, close, return buffers.
func (c *Conn) finish() {
	if v := recover(); v != nil {
		c.logger().Error("smtp: panic serving connection", "remote", c.netConn.RemoteAddr().String(),
			"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		c.tryReply("421 4.3.0 Internal server error, closing connection\r\n")
	}
	c.cancel()
	if c.session != nil {
		c.safeLogout()
	}
	c.netConn.Close()
	c.releaseBuffers()
	c.srv.removeConn(c)
}

// start runs the implicit-TLS handshake, creates the backend session and
// sends the greeting. It reports false when the connection must end.
func (c *Conn) start() bool {
	if tc, ok := c.netConn.(*tls.Conn); ok { // implicit TLS (RFC 8314 §3.3)
		if !c.handshakeImplicitTLS(tc) {
			return false
		}
	}
	c.acquireBuffers()
	sess, err := c.srv.Backend.NewSession(c.ctx, c)
	if err != nil {
		var se *Error
		if errors.As(err, &se) {
			c.replyError(se)
		} else {
			c.logger().Error("smtp: NewSession failed", "remote", c.netConn.RemoteAddr().String(), "err", err)
			c.reply("554 5.3.2 Service not available\r\n")
		}
		c.flush()
		return false
	}
	c.session = sess
	if c.srv.LMTP {
		c.replyf3("220 ", c.srv.lim.hostname, " LMTP ready\r\n")
	} else {
		c.replyf3("220 ", c.srv.lim.hostname, " ESMTP ready\r\n")
	}
	return true
}

func (c *Conn) handshakeImplicitTLS(tc *tls.Conn) bool {
	c.netConn.SetDeadline(time.Now().Add(c.srv.lim.cmdTimeout))
	if err := tc.HandshakeContext(c.ctx); err != nil {
		c.logger().Debug("smtp: TLS handshake failed", "remote", c.netConn.RemoteAddr().String(), "err", err)
		return false
	}
	st := tc.ConnectionState()
	c.tlsState = &st
	c.rdeadline, c.wdeadline = time.Time{}, time.Time{}
	c.netConn.SetDeadline(time.Time{})
	return true
}

// readFailed answers (where still possible) and logs why reading the next
// command failed.
func (c *Conn) readFailed(err error) {
	switch {
	case err == errShutdown:
		c.reply("421 4.3.2 Service shutting down, closing connection\r\n")
	case isTimeout(err):
		if c.shutdownReq.Load() {
			c.reply("421 4.3.2 Service shutting down, closing connection\r\n")
		} else {
			c.reply("421 4.4.2 Timeout waiting for command, closing connection\r\n")
		}
	case err == io.EOF || errors.Is(err, net.ErrClosed):
		return
	default:
		c.logger().Debug("smtp: read failed", "remote", c.netConn.RemoteAddr().String(), "err", err)
		return
	}
	c.flush()
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// readCommand returns the next command line, waiting for it if needed. The
// slice is valid until the next read.
func (c *Conn) readCommand() ([]byte, error) {
	if c.pending != nil {
		line := c.pending
		c.pending = nil
		return line, nil
	}
	c.phase = phaseCommand
	idle := c.state < stateMail
	if c.r == nil || c.r.Buffered() == 0 {
		if err := c.waitInput(idle); err != nil {
			return nil, err
		}
	}
	for {
		line, err := textwire.ReadLine(c.r, c.srv.lim.maxLine)
		if c.idleWait.Load() {
			c.idleWait.Store(false)
		}
		if err == textwire.ErrLineTooLong {
			// RFC 5321 §4.5.3.1.4; the reader resynchronised at the next LF.
			if c.syntaxError("500 5.5.2 Line too long\r\n") {
				return nil, io.EOF
			}
			if c.r.Buffered() == 0 {
				if err := c.waitInput(idle); err != nil {
					return nil, err
				}
			}
			continue
		}
		return line, err
	}
}

// waitInput flushes the replies and waits until the client sends more. A
// connection waiting between transactions is "idle": Shutdown may end it,
// and on plain TCP it gives its buffers back to the pools while it waits.
func (c *Conn) waitInput(idle bool) error {
	if err := c.flush(); err != nil {
		return err
	}
	// Arm the deadline before announcing the idle wait, so that a deadline
	// set by requestShutdown is never overwritten by ours.
	if err := c.armReadDeadline(); err != nil {
		return err
	}
	if idle {
		c.idleWait.Store(true)
		if c.shutdownReq.Load() {
			c.idleWait.Store(false)
			return errShutdown
		}
	}
	if c.raw == nil {
		return nil // the bufio.Reader blocks in connSource.Read
	}
	c.releaseBuffers()
	err := c.raw.Read(c.readable)
	c.acquireBuffers()
	return err
}

// readIdle is the RawConn.Read callback of an idle connection: it reads
// whatever arrived into a pooled stash (which connSource hands to the
// bufio.Reader next) and reports true, or returns the stash and reports
// false on EAGAIN so that the runtime poller parks the goroutine with no
// buffer held. It costs no more system calls than a plain Read.
func (c *Conn) readIdle(fd uintptr) bool {
	bp := stashPool.Get().(*[]byte)
	n, err := readFD(fd, *bp)
	switch {
	case err == errWouldBlock:
		stashPool.Put(bp)
		return false
	case n > 0:
		c.stash, c.stashed = bp, (*bp)[:n]
	default:
		stashPool.Put(bp)
		if err == nil {
			err = io.EOF
		}
		c.stashErr = err
	}
	return true
}

func (c *Conn) acquireBuffers() {
	if c.r != nil {
		return
	}
	if c.raw != nil {
		c.r = readerPool.Get().(*bufio.Reader)
		c.w = writerPool.Get().(*bufio.Writer)
		c.r.Reset(c.src)
		c.w.Reset(c.netConn)
		return
	}
	c.r = bufio.NewReaderSize(c.src, ownedReadSize)
	c.w = bufio.NewWriterSize(c.netConn, writeSize)
}

// growReader switches to a large pooled read buffer for a message body
// that may be big. It is only possible with nothing buffered, which is the
// usual case: a client waits for 354 before it sends the data, and BDAT
// data is read straight after its command line.
func (c *Conn) growReader(declared int64) {
	if c.raw == nil || c.r.Size() == bodyReadSize || c.r.Buffered() != 0 ||
		(declared > 0 && declared <= pooledReadSize) {
		return
	}
	c.r.Reset(nil)
	readerPool.Put(c.r)
	c.r = bodyReaderPool.Get().(*bufio.Reader)
	c.r.Reset(c.src)
}

// releaseBuffers returns pooled buffers; only called with nothing buffered.
func (c *Conn) releaseBuffers() {
	if c.r == nil || c.raw == nil {
		return
	}
	c.r.Reset(nil)
	c.w.Reset(nil)
	if c.r.Size() == bodyReadSize {
		bodyReaderPool.Put(c.r)
	} else {
		readerPool.Put(c.r)
	}
	writerPool.Put(c.w)
	c.r, c.w = nil, nil
}

// armReadDeadline keeps the read deadline at least one phase timeout
// ahead. It moves the deadline only when it got stale (less than the full
// timeout left), adding 1/8 slack, so a busy connection rarely pays for
// SetReadDeadline; a wait is bounded by [timeout, 1.125×timeout].
func (c *Conn) armReadDeadline() error {
	t := c.srv.lim.cmdTimeout
	if c.phase == phaseData {
		t = c.srv.lim.dataTimeout
	}
	now := time.Now()
	if !c.rdeadline.IsZero() && !c.rdeadline.Before(now.Add(t)) && !c.rdeadline.After(now.Add(t+t/8)) {
		return nil
	}
	c.rdeadline = now.Add(t + t/8)
	return c.netConn.SetReadDeadline(c.rdeadline)
}

func (c *Conn) flush() error {
	if c.w == nil || c.w.Buffered() == 0 {
		return nil
	}
	t := c.srv.lim.writeTimeout
	now := time.Now()
	if c.wdeadline.Before(now.Add(t)) {
		c.wdeadline = now.Add(t + t/8)
		c.netConn.SetWriteDeadline(c.wdeadline)
	}
	return c.w.Flush()
}

// requestShutdown is called by Server.Shutdown from another goroutine: an
// idle connection is interrupted now, one in a transaction when it next
// waits for a command outside a transaction.
func (c *Conn) requestShutdown() {
	c.shutdownReq.Store(true)
	if c.idleWait.Load() {
		c.base.SetReadDeadline(time.Now())
	}
}

// tryReply sends a last reply after a recovered panic, when the connection
// still has a writer; a second panic is swallowed.
func (c *Conn) tryReply(line string) {
	defer func() { recover() }()
	if c.w != nil {
		c.reply(line)
		c.flush()
	}
}

func (c *Conn) safeLogout() {
	defer func() {
		if v := recover(); v != nil {
			c.logger().Error("smtp: panic in Session.Logout", "panic", fmt.Sprint(v))
		}
	}()
	if err := c.session.Logout(context.WithoutCancel(c.ctx)); err != nil {
		c.logger().Debug("smtp: Logout", "err", err)
	}
}
