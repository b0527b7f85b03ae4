package imapclient

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mailwire/mailwire/imap"
	"github.com/mailwire/mailwire/imap/internal/wire"
)

// Errors of the client.
var (
	// ErrClosed is returned for commands on a closed connection.
	ErrClosed = errors.New("imapclient: connection closed")
	// ErrTimeout is returned when a command's tagged response does not
	// arrive within Options.CommandTimeout; the connection is then closed,
	// since it can no longer be trusted to be in sync.
	ErrTimeout = errors.New("imapclient: command timed out")
	// ErrIdling is returned for a command issued while IDLE is running.
	ErrIdling = errors.New("imapclient: IDLE in progress, call Close on it first")
	// ErrSTARTTLSInjection: the server sent data after its STARTTLS OK in
	// the clear (CVE-2011-0411 class); the connection is closed.
	ErrSTARTTLSInjection = errors.New("imapclient: data after STARTTLS response")
)

// Options configure a Client. The zero value works.
type Options struct {
	// TLSConfig is used by DialTLS and StartTLS; ServerName defaults to
	// the host of the address.
	TLSConfig *tls.Config
	// Dialer dials the TCP connection (default net.Dialer{}).
	Dialer *net.Dialer
	// CommandTimeout bounds the wait for each command's tagged response
	// (default 5 minutes). IDLE is not bounded by it.
	CommandTimeout time.Duration
	// Handler receives responses that no command asked for: EXISTS,
	// EXPUNGE, FETCH, VANISHED, alerts... Its functions run on the
	// client's reader goroutine and must not issue commands themselves.
	Handler *UnilateralHandler
	// Logger receives debug logs (default: discarded).
	Logger *slog.Logger
	// MaxResponse bounds one response line outside streamed literals
	// (default 64 MiB: a SEARCH over a large mailbox is long).
	MaxResponse int
	// MaxLiteral bounds a literal read into memory, such as a FETCH body
	// collected without a BodyHandler (default 256 MiB).
	MaxLiteral int64
	// Debug, if set, receives a copy of everything read and written.
	Debug io.Writer
}

const (
	defaultCommandTimeout = 5 * time.Minute
	defaultMaxResponse    = 64 << 20
	defaultMaxLiteral     = 256 << 20
)

// UnilateralHandler receives untagged responses that are not the data of
// a command in progress (RFC 9051 §7: the server may send them at any
// time). Nil fields ignore the response.
type UnilateralHandler struct {
	Exists   func(numMessages uint32)
	Recent   func(numRecent uint32)
	Expunge  func(seqNum uint32)
	Vanished func(uids imap.UIDSet, earlier bool)
	Fetch    func(msg *FetchMessage)
	Flags    func(flags []imap.Flag)
	// Status receives untagged OK/NO/BAD/BYE responses, including
	// [ALERT] texts, which RFC 9051 §7.1 says must be shown to the user.
	Status func(s *StatusResponse)
	// MailboxStatus and List receive STATUS and LIST responses no
	// command asked for: NOTIFY's notifications (RFC 5465 §5, notify.go).
	MailboxStatus func(d *imap.StatusData)
	List          func(d *imap.ListData)
	// Metadata receives unsolicited METADATA responses: the names of
	// the entries of mailbox ("" for the server) that were set or
	// deleted, for NOTIFY's MailboxMetadataChange and
	// ServerMetadataChange (RFC 5465 §5.6, §5.7; RFC 5464 §4.4.2). Read
	// the values with GetMetadata.
	Metadata func(mailbox string, entries []string)
	// ESearch receives ESEARCH responses no pending command claims: the
	// ADDTO/REMOVEFROM updates of a SEARCH or SORT sent with ReturnUpdate
	// (RFC 5267 §4.3); Tag names the search (SearchCommand.Tag).
	ESearch func(d *imap.SearchData)
}

// StatusResponse is a status response (RFC 9051 §7.1).
type StatusResponse struct {
	Type    imap.StatusType
	Code    imap.ResponseCode
	CodeArg string
	Text    string
}

func (s *StatusResponse) err() error {
	if s.Type == imap.StatusOK || s.Type == imap.StatusPREAUTH {
		return nil
	}
	return &imap.Error{Type: s.Type, Code: s.Code, CodeArg: s.CodeArg, Text: s.Text}
}

// Client is an IMAP4rev2/IMAP4rev1 client connection. Commands may be
// issued from several goroutines and are pipelined: each method writes its
// command at once and returns a command value whose Wait method waits for
// the tagged response.
type Client struct {
	opts Options
	log  *slog.Logger

	conn net.Conn
	br   *bufio.Reader
	bw   *bufio.Writer
	dec  *wire.Decoder
	enc  *wire.Encoder

	wmu        sync.Mutex // serialises writing commands
	currentCmd *command   // the command being written (guarded by wmu)

	mu       sync.Mutex // guards the fields below
	pending  []*command
	tagSeq   uint64
	caps     map[string]bool
	enabled  map[string]bool
	state    State
	mailbox  *MailboxState
	idling   bool
	closed   bool
	closeErr error
	upgrade  *upgradeReq

	addr       string        // dialled address, for the TLS server name
	contCh     chan string   // continuation requests ("+ text")
	readerDone chan struct{} // closed when the reader goroutine exits
	greeting   *StatusResponse
}

// State is the IMAP connection state (RFC 9051 §3).
type State int

// Connection states.
const (
	StateNotAuthenticated State = iota
	StateAuthenticated
	StateSelected
	StateLogout
)

func (s State) String() string {
	switch s {
	case StateNotAuthenticated:
		return "not authenticated"
	case StateAuthenticated:
		return "authenticated"
	case StateSelected:
		return "selected"
	}
	return "logout"
}

// MailboxState is what the client knows of the selected mailbox; the
// client keeps NumMessages current from EXISTS and EXPUNGE.
type MailboxState struct {
	Name        string
	ReadOnly    bool
	NumMessages uint32
	UIDValidity uint32
}

// Dial connects to an IMAP server in cleartext (port 143) and reads its
// greeting. Use StartTLS before logging in.
func Dial(ctx context.Context, addr string, opts *Options) (*Client, error) {
	return dial(ctx, addr, opts, false)
}

// DialTLS connects with implicit TLS (port 993, RFC 8314 §3.2).
func DialTLS(ctx context.Context, addr string, opts *Options) (*Client, error) {
	return dial(ctx, addr, opts, true)
}

func dial(ctx context.Context, addr string, opts *Options, useTLS bool) (*Client, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	d := o.Dialer
	if d == nil {
		d = &net.Dialer{}
	}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if useTLS {
		tc := tls.Client(conn, tlsConfigFor(o.TLSConfig, addr))
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, err
		}
		conn = tc
	}
	c, err := newClient(ctx, conn, o)
	if err != nil {
		conn.Close()
		return nil, err
	}
	c.addr = addr
	return c, nil
}

func tlsConfigFor(cfg *tls.Config, addr string) *tls.Config {
	if cfg == nil {
		cfg = &tls.Config{}
	} else {
		cfg = cfg.Clone()
	}
	if cfg.ServerName == "" {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			host = addr
		}
		cfg.ServerName = host
	}
	return cfg
}

// New starts a client on an established connection (for example one
// obtained from a proxy) and reads the greeting.
func New(conn net.Conn, opts *Options) (*Client, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	return newClient(context.Background(), conn, o)
}

func newClient(ctx context.Context, conn net.Conn, o Options) (*Client, error) {
	if o.CommandTimeout <= 0 {
		o.CommandTimeout = defaultCommandTimeout
	}
	if o.MaxResponse <= 0 {
		o.MaxResponse = defaultMaxResponse
	}
	if o.MaxLiteral <= 0 {
		o.MaxLiteral = defaultMaxLiteral
	}
	c := &Client{
		opts:       o,
		log:        o.Logger,
		contCh:     make(chan string, 1),
		readerDone: make(chan struct{}),
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.setConn(conn)

	// The greeting: OK, PREAUTH or BYE (RFC 9051 §7.1.1).
	if dl, ok := ctx.Deadline(); ok {
		conn.SetReadDeadline(dl)
	} else {
		conn.SetReadDeadline(time.Now().Add(o.CommandTimeout))
	}
	g, err := c.readGreeting()
	conn.SetReadDeadline(time.Time{})
	if err != nil {
		return nil, err
	}
	c.greeting = g
	switch g.Type {
	case imap.StatusBYE:
		return nil, g.err()
	case imap.StatusPREAUTH:
		c.state = StateAuthenticated
	}
	go c.readLoop()
	return c, nil
}

func (c *Client) setConn(conn net.Conn) {
	c.conn = conn
	var r io.Reader = conn
	var w io.Writer = conn
	if c.opts.Debug != nil {
		r = io.TeeReader(conn, prefixWriter{c.opts.Debug, "S: "})
		w = io.MultiWriter(conn, prefixWriter{c.opts.Debug, "C: "})
	}
	c.br = bufio.NewReaderSize(r, 32<<10)
	c.bw = bufio.NewWriterSize(w, 16<<10)
	limits := wire.Limits{MaxCommand: c.opts.MaxResponse, MaxLiteral: c.opts.MaxLiteral, MaxDepth: 64}
	c.dec = wire.NewDecoder(c.br, limits)
	c.enc = wire.NewEncoder(c.bw)
	c.enc.WaitContinuation = c.waitContinuation
}

type prefixWriter struct {
	w      io.Writer
	prefix string
}

func (p prefixWriter) Write(b []byte) (int, error) {
	fmt.Fprintf(p.w, "%s%q\n", p.prefix, b)
	return len(b), nil
}

func (c *Client) readGreeting() (*StatusResponse, error) {
	c.dec.BeginCommand()
	if err := c.dec.Expect('*'); err != nil {
		return nil, fmt.Errorf("imapclient: bad greeting: %w", err)
	}
	if err := c.dec.SP(); err != nil {
		return nil, err
	}
	word, err := c.dec.Atom()
	if err != nil {
		return nil, err
	}
	st, err := c.readStatus(imap.StatusType(strings.ToUpper(word)))
	if err != nil {
		return nil, err
	}
	if err := c.dec.CRLF(); err != nil {
		return nil, err
	}
	switch st.Type {
	case imap.StatusOK, imap.StatusPREAUTH, imap.StatusBYE:
	default:
		return nil, fmt.Errorf("imapclient: bad greeting %q", word)
	}
	c.applyCode(st)
	return st, nil
}

// Greeting returns the server's greeting.
func (c *Client) Greeting() *StatusResponse { return c.greeting }

// State returns the connection state.
func (c *Client) State() State {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.state
}

// Mailbox returns a copy of the selected mailbox's state, or nil.
func (c *Client) Mailbox() *MailboxState {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.mailbox == nil {
		return nil
	}
	m := *c.mailbox
	return &m
}

// Caps returns the capabilities the server announced last (nil if none
// yet; call Capability).
func (c *Client) Caps() map[string]bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.caps == nil {
		return nil
	}
	out := make(map[string]bool, len(c.caps))
	for k := range c.caps {
		out[k] = true
	}
	return out
}

// HasCap reports whether the server announced capability name
// (case-insensitive).
func (c *Client) HasCap(name string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.caps[strings.ToUpper(name)]
}

func (c *Client) setCaps(list []string) {
	caps := make(map[string]bool, len(list))
	for _, s := range list {
		caps[strings.ToUpper(s)] = true
	}
	c.mu.Lock()
	c.caps = caps
	c.mu.Unlock()
}

// Close closes the connection without LOGOUT.
func (c *Client) Close() error {
	c.closeWith(ErrClosed)
	<-c.readerDone
	return nil
}

func (c *Client) closeWith(err error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.closeErr = err
	c.state = StateLogout
	pending := c.pending
	c.pending = nil
	c.mu.Unlock()
	c.conn.Close()
	for _, cmd := range pending {
		cmd.finish(nil, err)
	}
}

// Closed returns a channel closed when the connection is gone.
func (c *Client) Closed() <-chan struct{} { return c.readerDone }

// --- commands ---

// command is one command in flight.
type command struct {
	c    *Client
	tag  string
	name string // upper case, "UID FETCH" etc.
	done chan struct{}

	status *StatusResponse
	err    error

	// mu orders data delivery (reader goroutine) before finish, so that
	// nothing is added to a command's results after Wait returned.
	mu       sync.Mutex
	finished bool

	// data routing: handle returns true if it consumed the response.
	fetchOpts *FetchOptions
	onFetch   func(*FetchMessage)
	onData    func(r *untagged) bool
	wantsData func(kind string) bool
	onDone    func(*StatusResponse)
}

func (cmd *command) finish(st *StatusResponse, err error) {
	cmd.mu.Lock()
	if cmd.finished {
		cmd.mu.Unlock()
		return
	}
	cmd.finished = true
	cmd.status = st
	if err == nil && st != nil {
		err = st.err()
	}
	cmd.err = err
	if cmd.onDone != nil && st != nil {
		cmd.onDone(st)
	}
	cmd.mu.Unlock()
	close(cmd.done)
}

// deliverFetch hands a FETCH response to the command unless it finished.
func (cmd *command) deliverFetch(m *FetchMessage) bool {
	cmd.mu.Lock()
	defer cmd.mu.Unlock()
	if cmd.finished {
		return false
	}
	cmd.onFetch(m)
	return true
}

// deliverData hands an untagged response to the command unless it finished.
func (cmd *command) deliverData(u *untagged) bool {
	cmd.mu.Lock()
	defer cmd.mu.Unlock()
	return !cmd.finished && cmd.onData(u)
}

// wait waits for the tagged response within the command timeout.
func (cmd *command) wait() error {
	t := time.NewTimer(cmd.c.opts.CommandTimeout)
	defer t.Stop()
	select {
	case <-cmd.done:
		return cmd.err
	case <-t.C:
		cmd.c.closeWith(ErrTimeout)
		<-cmd.done
		return ErrTimeout
	}
}

// Status returns the tagged status response, after Wait.
func (cmd *command) Status() *StatusResponse { return cmd.status }

// start writes a command: tag, name and the arguments that args writes.
// It returns once the command is written (or failed to be).
func (c *Client) start(name string, args func(e *wire.Encoder) error, setup func(cmd *command)) *command {
	cmd := &command{c: c, name: name, done: make(chan struct{})}
	if setup != nil {
		setup(cmd)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.mu.Lock()
	if c.closed {
		err := c.closeErr
		c.mu.Unlock()
		cmd.finish(nil, err)
		return cmd
	}
	if c.idling && name != "DONE" {
		c.mu.Unlock()
		cmd.finish(nil, ErrIdling)
		return cmd
	}
	c.tagSeq++
	cmd.tag = "A" + strconv.FormatUint(c.tagSeq, 10)
	c.pending = append(c.pending, cmd)
	c.mu.Unlock()

	c.conn.SetWriteDeadline(time.Now().Add(c.opts.CommandTimeout))
	c.drainCont()
	c.currentCmd = cmd
	e := c.enc
	e.Raw(cmd.tag).SP().Raw(name)
	var err error
	if args != nil {
		err = args(e)
	}
	if err == nil {
		e.CRLF()
		err = e.Flush()
	}
	c.currentCmd = nil
	c.conn.SetWriteDeadline(time.Time{})
	if err != nil {
		select {
		case <-cmd.done:
			// The server answered (NO to a literal, typically): the
			// command is over and the stream is still in sync.
			c.enc.Reset(c.bw)
		default:
			c.closeWith(fmt.Errorf("imapclient: writing %s: %w", name, err))
		}
	}
	return cmd
}

// waitContinuation is the encoder's hook for synchronizing literals: it
// waits for "+" or for the command's tagged response (a refusal).
func (c *Client) waitContinuation() error {
	cmd := c.currentCmd
	t := time.NewTimer(c.opts.CommandTimeout)
	defer t.Stop()
	select {
	case <-c.contCh:
		return nil
	case <-cmd.done:
		if cmd.err != nil {
			return cmd.err
		}
		return errors.New("imapclient: command ended before continuation")
	case <-c.readerDone:
		return ErrClosed
	case <-t.C:
		return ErrTimeout
	}
}

// drainCont discards a stale continuation request.
func (c *Client) drainCont() {
	select {
	case <-c.contCh:
	default:
	}
}
