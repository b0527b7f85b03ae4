package imapserver

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mailwire/mailwire/imap"
)

// state is a connection's IMAP state (RFC 9051 §3).
type state uint8

const (
	stateNotAuthenticated state = 1 << iota
	stateAuthenticated
	stateSelected
	stateLogout
)

const (
	anyState     = stateNotAuthenticated | stateAuthenticated | stateSelected
	authOrSelect = stateAuthenticated | stateSelected
)

func (s state) String() string {
	switch s {
	case stateNotAuthenticated:
		return "not authenticated"
	case stateAuthenticated:
		return "authenticated"
	case stateSelected:
		return "selected"
	case stateLogout:
		return "logout"
	}
	return "unknown"
}

// Buffer sizes: small enough that an idle connection stays cheap; large
// writes (FETCH of bodies) go around the buffer.
const (
	readBufferSize  = 2048
	writeBufferSize = 4096
)

type conn struct {
	srv    *Server
	nc     net.Conn
	br     *bufio.Reader
	bw     *bufio.Writer
	ctx    context.Context
	cancel context.CancelFunc
	log    *slog.Logger

	state   state
	info    ConnInfo
	sess    Session
	user    User
	sel     *selected
	isTLS   bool
	enabled enabledExt
	notify  *notifyState // NOTIFY (notify.go)

	errCount     int
	authFailures int
	shutdownReq  atomic.Bool

	// command parsing state
	tag      string
	verb     string
	line     []byte // the current line of the command being parsed
	pos      int
	lineBuf  []byte
	cmdBytes int64
	nesting  int

	flagCache flagInterner

	idle     idleState // IDLE (cmd_idle.go)
	started  bool      // greet ran
	workDone chan bool // runActive's result (serve)

	pushback []byte
	oneByte  [1]byte
}

type enabledExt struct {
	rev2, condstore, qresync, utf8 bool
}

func newConn(s *Server, nc net.Conn) *conn {
	c := &conn{srv: s, nc: nc}
	c.acquireBuffers()
	c.log = connLogger(s.logger(), nc.RemoteAddr())
	c.info = ConnInfo{LocalAddr: nc.LocalAddr(), RemoteAddr: nc.RemoteAddr()}
	if tc, ok := nc.(*tls.Conn); ok {
		c.isTLS = true
		_ = tc // state filled after handshake in serve
	}
	return c
}

func (c *conn) shutdown() {
	c.shutdownReq.Store(true)
	// Wake a connection blocked waiting for the next command.
	c.nc.SetReadDeadline(time.Unix(1, 0))
}

// serve runs the connection until it ends. Its goroutine (the one the
// server started for the connection) does the protocol work on a helper
// goroutine and waits for it, so that its own stack stays small; while the
// client is in IDLE the helper has ended and this goroutine alone waits
// for input in park (memory per idle connection, issue 5). Only one of the
// two runs at any time: the connection still has one reader and writer.
func (c *conn) serve() {
	c.ctx, c.cancel = context.WithCancel(context.Background())
	defer c.cleanup()
	// A channel, not a mutex: testing/synctest counts a goroutine blocked
	// on a channel as durably blocked (timeout tests), not on a mutex.
	c.workDone = make(chan bool, 1)
	for c.work() {
		c.park()
	}
}

// work runs c.active on a fresh goroutine and waits for it. It reports
// whether the connection is waiting in IDLE (true) or has ended (false).
func (c *conn) work() bool {
	go c.runActive()
	return <-c.workDone
}

func (c *conn) runActive() {
	idle := false
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("imapserver: panic in connection", "panic", r, "stack", string(debug.Stack()))
			if testPanicHook != nil {
				testPanicHook(r)
			}
			idle = false
		}
		c.workDone <- idle
	}()
	idle = c.active()
}

// active greets the client or resumes after park, then serves commands
// until the connection ends (false) or waits in IDLE with nothing to read
// (true).
func (c *conn) active() bool {
	if !c.started {
		c.started = true
		if !c.greet() {
			return false
		}
	} else if c.idle.on && !c.resumeIdle() {
		return false
	}
	for c.state != stateLogout {
		if c.idle.on {
			if (c.br == nil || c.br.Buffered() == 0) && len(c.pushback) == 0 {
				c.releaseIdle()
				return true
			}
			c.idle.parkErr = nil // input is already here
			if !c.resumeIdle() {
				return false
			}
			continue
		}
		if !c.serveCommand() {
			return false
		}
	}
	return false
}

// greet completes a TLS handshake and sends the greeting; it reports
// whether the connection continues.
func (c *conn) greet() bool {
	if tc, ok := c.nc.(*tls.Conn); ok {
		tc.SetDeadline(c.srv.now().Add(c.srv.preAuthTimeout()))
		if err := tc.HandshakeContext(c.ctx); err != nil {
			c.log.Debug("imapserver: TLS handshake failed", "err", err)
			return false
		}
		st := tc.ConnectionState()
		c.info.TLS = &st
		tc.SetDeadline(time.Time{})
	}
	if c.srv.Backend == nil {
		c.writeRaw("* BYE [UNAVAILABLE] No backend configured\r\n")
		c.flush()
		return false
	}
	sess, err := c.srv.Backend.NewSession(c.ctx, c.info)
	if err != nil {
		c.log.Error("imapserver: NewSession failed", "err", err)
		c.writeRaw("* BYE [UNAVAILABLE] Service unavailable\r\n")
		c.flush()
		return false
	}
	c.sess = sess
	c.state = stateNotAuthenticated
	c.writeRaw("* OK [CAPABILITY " + c.capabilities() + "] mailwire IMAP ready\r\n")
	return c.flush() == nil
}

func (c *conn) cleanup() {
	if c.idle.on {
		c.stopIdle()
	}
	c.resetNotify() // NOTIFY's watcher (notify.go)
	if c.sel != nil {
		c.sel.mbox.Close()
		c.sel = nil
	}
	if c.user != nil {
		c.user.Close()
	}
	if c.sess != nil {
		c.sess.Close()
	}
	c.cancel()
	c.nc.Close()
	c.releaseBuffers()
}

// Connection buffers come from pools so that a connection waiting in IDLE
// can give them back (memory per idle connection, issue 5).
var (
	readerPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, readBufferSize) }}
	writerPool = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, writeBufferSize) }}
)

func (c *conn) acquireBuffers() {
	if c.br == nil {
		c.br = readerPool.Get().(*bufio.Reader)
		c.br.Reset(connReader{c})
	}
	if c.bw == nil {
		c.bw = writerPool.Get().(*bufio.Writer)
		c.bw.Reset(c.nc)
	}
}

// releaseBuffers returns empty buffers to the pools.
func (c *conn) releaseBuffers() {
	if c.br != nil && c.br.Buffered() == 0 && c.br.Size() == readBufferSize {
		c.br.Reset(nil)
		readerPool.Put(c.br)
		c.br = nil
	}
	if c.bw != nil && c.bw.Buffered() == 0 && c.bw.Size() == writeBufferSize {
		c.bw.Reset(nil)
		writerPool.Put(c.bw)
		c.bw = nil
	}
}

// connReader reads the connection, first returning bytes read while the
// connection had no buffer (IDLE).
type connReader struct{ c *conn }

func (r connReader) Read(p []byte) (int, error) {
	if len(r.c.pushback) > 0 {
		n := copy(p, r.c.pushback)
		r.c.pushback = r.c.pushback[n:]
		return n, nil
	}
	return r.c.nc.Read(p)
}

// timeout returns the autologout timer for the current state
// (RFC 9051 §5.4: at least 30 minutes once authenticated).
func (c *conn) timeout() time.Duration {
	if c.state == stateNotAuthenticated {
		return c.srv.preAuthTimeout()
	}
	return c.srv.idleTimeout()
}

// testPanicHook lets tests see panics the connection recovered from.
var testPanicHook func(any)

// errFatal ends the connection after the current response.
var errFatal = errors.New("imapserver: fatal")

// serveCommand reads and executes one command; it reports whether the
// connection continues.
func (c *conn) serveCommand() bool {
	if c.shutdownReq.Load() {
		c.writeRaw("* BYE Server shutting down\r\n")
		c.flush()
		return false
	}
	c.nc.SetReadDeadline(c.srv.now().Add(c.timeout()))
	c.cmdBytes = 0
	c.nesting = 0
	c.tag = ""
	if err := c.notifyWait(); err != nil { // NOTIFY between commands (notify_wait.go)
		return c.handleReadError(err)
	}
	if err := c.readLine(); err != nil {
		return c.handleReadError(err)
	}
	if len(c.line) == 0 {
		// An empty line is not a command; ignore it like other servers.
		return true
	}
	return c.execute()
}

func (c *conn) handleReadError(err error) bool {
	switch {
	case errors.Is(err, errLineTooLong):
		c.writeRaw("* BAD [TOOBIG] Command line too long\r\n")
		return c.countError() && c.flush() == nil
	case c.shutdownReq.Load():
		c.writeRaw("* BYE Server shutting down\r\n")
		c.flush()
	case errors.Is(err, os.ErrDeadlineExceeded):
		c.writeRaw("* BYE Autologout; idle for too long\r\n")
		c.flush()
	case err != io.EOF:
		c.log.Debug("imapserver: read failed", "err", err)
	}
	return false
}

// countError counts a BAD or NO reply; after MaxErrors the connection is
// closed (rule 5).
func (c *conn) countError() bool {
	c.errCount++
	if c.errCount >= c.srv.maxErrors() {
		c.writeRaw("* BYE Too many errors\r\n")
		c.flush()
		return false
	}
	return true
}

// execute parses the tag and verb of the line just read and runs the
// command.
func (c *conn) execute() (cont bool) {
	var st *status
	closing := false
	defer func() {
		if r := recover(); r != nil {
			switch e := r.(type) {
			case syntaxError:
				st = &status{kind: "BAD", text: string(e)}
			case ioError:
				c.log.Debug("imapserver: connection error", "err", e.err)
				cont = false
				return
			case fatalError:
				c.writeRaw("* BYE " + e.text + "\r\n")
				c.flush()
				cont = false
				return
			default:
				panic(r)
			}
		}
		if closing {
			cont = false
			return
		}
		cont = c.finish(st)
	}()
	tag, ok := c.readTag()
	if !ok {
		c.tag = "*"
		st = &status{kind: "BAD", text: "Missing or invalid tag"}
		return
	}
	c.tag = tag
	if !c.sp() {
		st = &status{kind: "BAD", text: "Missing command"}
		return
	}
	verb := c.atomUpper()
	uid := false
	if verb == "UID" {
		c.expectSP()
		verb = c.atomUpper()
		uid = true
		switch verb {
		case "FETCH", "STORE", "SEARCH", "COPY", "MOVE", "EXPUNGE", "SORT", "THREAD":
		default:
			st = &status{kind: "BAD", text: "Unknown UID command"}
			return
		}
	}
	c.verb = verb
	cmd, ok := commands[verb]
	if !ok {
		if c.state == stateNotAuthenticated {
			// Hardening: an unknown command before login is most likely
			// not an IMAP client (cross-protocol attacks); close.
			c.writeRaw(c.tag + " BAD Unknown command\r\n* BYE Unknown command before login\r\n")
			c.flush()
			closing = true
			return false
		}
		st = &status{kind: "BAD", text: "Unknown command"}
		return
	}
	if cmd.states&c.state == 0 {
		st = &status{kind: "BAD", text: "Command not allowed in the " + c.state.String() + " state"}
		return
	}
	st = cmd.run(c, uid)
	return
}

// finish sends pending untagged updates and the tagged response.
func (c *conn) finish(st *status) bool {
	if st == nil {
		st = &status{kind: "OK", text: "completed"}
	}
	if st.done {
		return c.flush() == nil && c.state != stateLogout
	}
	if st.fatal {
		c.writeRaw("* BYE " + st.text + "\r\n")
		c.flush()
		return false
	}
	if st.kind == "BAD" {
		// Skip what is left of the command, including LITERAL+ data the
		// client sends without waiting (RFC 7888), so the next command
		// parses.
		if !c.skipNonSyncLiterals() {
			c.writeStatus(c.tag, st)
			c.writeRaw("* BYE Cannot resynchronise\r\n")
			c.flush()
			return false
		}
		c.line = nil
	}
	if c.sel != nil && !st.noUpdates {
		c.sendUpdates(st.allowExpunge)
	}
	c.writeStatus(c.tag, st)
	if st.kind == "OK" {
		c.errCount = 0
	} else if !c.countError() {
		return false
	}
	if err := c.flush(); err != nil {
		return false
	}
	return c.state != stateLogout
}

// status is a command's tagged response.
type status struct {
	kind string // OK, NO, BAD
	code string // response code without brackets
	text string
	// allowExpunge permits pending EXPUNGE responses before this reply
	// (false for FETCH, STORE, SEARCH, RFC 9051 §7.5.1).
	allowExpunge bool
	noUpdates    bool
	fatal        bool
	done         bool // the handler already sent the tagged response
}

var timeZero time.Time

func (c *conn) writeStatus(tag string, st *status) {
	c.bw.WriteString(tag)
	c.bw.WriteByte(' ')
	c.bw.WriteString(st.kind)
	c.bw.WriteByte(' ')
	if st.code != "" {
		c.bw.WriteByte('[')
		c.bw.WriteString(st.code)
		c.bw.WriteString("] ")
	}
	c.bw.WriteString(st.text)
	c.bw.WriteString("\r\n")
}

func ok(text string) *status { return &status{kind: "OK", text: text, allowExpunge: true} }
func okCode(code, text string) *status {
	return &status{kind: "OK", code: code, text: text, allowExpunge: true}
}
func no(code, text string) *status {
	return &status{kind: "NO", code: code, text: text, allowExpunge: true}
}
func bad(text string) *status           { return &status{kind: "BAD", text: text, allowExpunge: true} }
func badCode(code, text string) *status { return &status{kind: "BAD", code: code, text: text} }

// backendError turns an error from the backend into a NO. Internal error
// text is logged, never sent (rule 6).
func (c *conn) backendError(op string, err error) *status {
	var ie *imap.Error
	switch {
	case errors.As(err, &ie):
		code := string(ie.Code)
		if ie.CodeArg != "" {
			code += " " + ie.CodeArg
		}
		kind := "NO"
		if ie.Type == imap.StatusBAD {
			kind = "BAD"
		}
		text := ie.Text
		if text == "" {
			text = "Failed"
		}
		return &status{kind: kind, code: code, text: text, allowExpunge: true}
	case errors.Is(err, ErrNoSuchMailbox):
		return no("NONEXISTENT", "No such mailbox")
	case errors.Is(err, ErrMailboxExists):
		return no("ALREADYEXISTS", "Mailbox already exists")
	case errors.Is(err, ErrQuota):
		return no("OVERQUOTA", "Quota exceeded")
	case errors.Is(err, ErrAuthFailed):
		return no("AUTHENTICATIONFAILED", "Authentication failed")
	case errors.Is(err, context.Canceled):
		return &status{kind: "NO", text: "Cancelled", fatal: true}
	}
	c.log.Error("imapserver: backend error", "op", op, "err", err)
	return no("SERVERBUG", op+" failed: internal error")
}

func (c *conn) writeRaw(s string) { c.bw.WriteString(s) }

func (c *conn) flush() error {
	c.nc.SetWriteDeadline(c.srv.now().Add(c.srv.writeTimeout()))
	err := c.bw.Flush()
	if err != nil {
		c.log.Debug("imapserver: write failed", "err", err)
	}
	return err
}

// untagged writes "* " + text + CRLF.
func (c *conn) untagged(format string, args ...any) {
	c.bw.WriteString("* ")
	if len(args) == 0 {
		c.bw.WriteString(format)
	} else {
		fmt.Fprintf(c.bw, format, args...)
	}
	c.bw.WriteString("\r\n")
}

// capabilities is the CAPABILITY list for the current state.
func (c *conn) capabilities() string {
	var b strings.Builder
	b.WriteString("IMAP4rev1 IMAP4rev2")
	tlsReady := c.isTLS || c.info.TLS != nil
	if c.state == stateNotAuthenticated {
		if !tlsReady && c.srv.TLSConfig != nil {
			b.WriteString(" STARTTLS")
		}
		if !tlsReady && !c.srv.AllowInsecureAuth {
			b.WriteString(" LOGINDISABLED")
		} else {
			b.WriteString(" SASL-IR")
			for _, m := range c.mechanisms() {
				b.WriteString(" AUTH=")
				b.WriteString(m)
			}
		}
	}
	b.WriteString(" LITERAL+ ID ENABLE UNAUTHENTICATE IDLE NAMESPACE UNSELECT UIDPLUS MOVE CHILDREN LIST-EXTENDED LIST-STATUS SPECIAL-USE STATUS=SIZE ESEARCH SEARCHRES CONDSTORE QRESYNC BINARY")
	b.WriteString(" " + sortCapabilities)
	b.WriteString(" " + c.extCapabilities())
	fmt.Fprintf(&b, " APPENDLIMIT=%d", c.srv.appendLimit())
	return b.String()
}

func (c *conn) mechanisms() []string {
	if ss, ok := c.sess.(SASLSession); ok {
		return ss.Mechanisms(c.info)
	}
	return []string{"PLAIN"}
}

// untaggedS writes "* " + s + CRLF.
func (c *conn) untaggedS(s string) {
	c.bw.WriteString("* ")
	c.bw.WriteString(s)
	c.bw.WriteString("\r\n")
}
