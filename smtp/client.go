package smtp

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Client is an SMTP (or, from DialLMTP/NewLMTPClient, LMTP) client session
// on one connection. Dial, DialTLS and NewClient return a Client that has
// read the server's greeting and sent EHLO (falling back to HELO), so its
// extensions are known.
//
// A Client is not safe for concurrent use. After an I/O error, a timeout, a
// malformed reply or a 421 reply the connection is unusable and every
// method returns that first error (see Err); Close it and dial again.
type Client struct {
	opts       ClientOptions
	conn       net.Conn
	br         *bufio.Reader
	bw         *bufio.Writer
	rr         clientReplyReader
	serverName string // host for TLS verification
	lmtp       bool

	greeting string
	helloOK  bool              // EHLO/LHLO succeeded (false after a HELO fallback)
	ext      map[string]string // upper-case keyword → parameters
	isTLS    bool
	broken   error // sticky connection-level error

	inTx     bool     // MAIL accepted, transaction open
	txUTF8   bool     // the open transaction was started with SMTPUTF8
	txBinary bool     // the open transaction is BODY=BINARYMIME
	rcpts    []string // recipients accepted in the open transaction
	scratch  [32]byte // for number formatting
	copyBuf  []byte   // DATA body copy buffer, allocated once
	chunkBuf []byte   // BDAT chunk buffer, allocated once
	bodyBR   *bufio.Reader
	crlf     clientCRLFReader

	// Context watching for Send, Dial and friends.
	mu         sync.Mutex
	cancelled  bool
	ctxDL      time.Time
	ctx        context.Context
	dataActive bool
}

// aLongTimeAgo is a deadline in the past, used to interrupt blocked I/O.
var aLongTimeAgo = time.Unix(1, 0)

// Dial connects to the SMTP server at addr ("host:port"), reads its
// greeting and sends EHLO. ctx bounds the whole setup; the per-phase
// timeouts of opts apply as well.
func Dial(ctx context.Context, addr string, opts *ClientOptions) (*Client, error) {
	return clDial(ctx, "tcp", addr, opts, false, false)
}

// DialTLS is Dial over implicit TLS (RFC 8314, port 465): the TLS handshake
// happens before the greeting. opts.TLSConfig is used; its ServerName
// defaults to the host part of addr.
func DialTLS(ctx context.Context, addr string, opts *ClientOptions) (*Client, error) {
	return clDial(ctx, "tcp", addr, opts, true, false)
}

// NewClient starts an SMTP session on an established connection: it reads
// the greeting and sends EHLO (falling back to HELO). On error conn is
// closed. To use StartTLS, set opts.TLSConfig.ServerName (or pass a config
// to StartTLS), since the server's name is not known from conn.
func NewClient(conn net.Conn, opts *ClientOptions) (*Client, error) {
	return clNew(context.Background(), conn, opts, "", false)
}

func clDial(ctx context.Context, network, addr string, opts *ClientOptions, implicitTLS, lmtp bool) (*Client, error) {
	o := clOptions(opts)
	var host string
	if network != "unix" {
		h, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, fmt.Errorf("smtp: dial %s: %w", addr, err)
		}
		host = h
	}
	conn, err := o.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	if implicitTLS {
		tconn := tls.Client(conn, clTLSConfig(o.TLSConfig, host))
		hctx, cancel := context.WithTimeout(ctx, o.CommandTimeout)
		err := tconn.HandshakeContext(hctx)
		cancel()
		if err != nil {
			conn.Close()
			return nil, fmt.Errorf("smtp: TLS handshake with %s: %w", addr, err)
		}
		conn = tconn
	}
	return clNew(ctx, conn, &o, host, lmtp)
}

func clNew(ctx context.Context, conn net.Conn, opts *ClientOptions, serverName string, lmtp bool) (*Client, error) {
	c := &Client{
		opts:       clOptions(opts),
		conn:       conn,
		serverName: serverName,
		lmtp:       lmtp,
	}
	_, c.isTLS = conn.(*tls.Conn)
	c.br = bufio.NewReaderSize(conn, 4096)
	c.bw = bufio.NewWriterSize(conn, 4096)
	c.rr = clientReplyReader{r: c.br, maxLine: c.opts.MaxReplyLineLength, maxLines: c.opts.MaxReplyLines}
	if err := clValidName(c.opts.LocalName); err != nil {
		conn.Close()
		return nil, err
	}
	stop := c.clWatch(ctx)
	err := c.clGreeting()
	if err == nil {
		err = c.clHello()
	}
	stop()
	if err != nil {
		conn.Close()
		return nil, err
	}
	return c, nil
}

// clTLSConfig returns cfg (cloned) with ServerName defaulted to host.
func clTLSConfig(cfg *tls.Config, host string) *tls.Config {
	if cfg == nil {
		cfg = &tls.Config{}
	} else {
		cfg = cfg.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	return cfg
}

// clGreeting reads the 220 greeting (RFC 5321 §3.1, §4.5.3.2.1).
func (c *Client) clGreeting() error {
	if err := c.clRead(c.opts.GreetingTimeout); err != nil {
		return err
	}
	if c.rr.code != 220 {
		return c.rr.err()
	}
	c.greeting = string(c.rr.text)
	return nil
}

// clHello sends EHLO (LHLO for LMTP) and records the extensions; a 5yz
// answer to EHLO makes it fall back to HELO (RFC 5321 §3.2).
func (c *Client) clHello() error {
	c.ext, c.helloOK = nil, false
	verb := "EHLO "
	if c.lmtp {
		verb = "LHLO "
	}
	err := c.clCmd(c.opts.CommandTimeout, 250, verb, c.opts.LocalName)
	if err == nil {
		c.clParseExtensions()
		c.helloOK = true
		return nil
	}
	var se *Error
	if c.lmtp || !errors.As(err, &se) || !se.Permanent() {
		return err
	}
	if err := c.clCmd(c.opts.CommandTimeout, 250, "HELO ", c.opts.LocalName); err != nil {
		return err
	}
	c.ext = map[string]string{}
	return nil
}

// clParseExtensions reads the EHLO reply's lines 2..n: "KEYWORD params"
// (RFC 5321 §4.1.1.1).
func (c *Client) clParseExtensions() {
	c.ext = make(map[string]string)
	lines := strings.Split(string(c.rr.text), "\n")
	for _, l := range lines[1:] {
		kw, params, _ := strings.Cut(strings.TrimSpace(l), " ")
		if kw == "" {
			continue
		}
		kw = strings.ToUpper(kw)
		// Old servers announce "AUTH=LOGIN PLAIN" besides or instead of AUTH.
		if p, ok := strings.CutPrefix(kw, "AUTH="); ok {
			if _, have := c.ext["AUTH"]; !have {
				c.ext["AUTH"] = strings.TrimSpace(p + " " + params)
			}
			continue
		}
		c.ext[kw] = params
	}
	c.rr.enhanced = c.clHas("ENHANCEDSTATUSCODES")
}

func (c *Client) clHas(kw string) bool {
	_, ok := c.ext[kw]
	return ok
}

// Greeting returns the text of the server's 220 greeting.
func (c *Client) Greeting() string { return c.greeting }

// Extensions returns the extensions the server advertised in its last EHLO
// reply: upper-case keyword → parameters (e.g. "SIZE" → "10240000"). It is
// empty after a HELO fallback. The map is a copy.
func (c *Client) Extensions() map[string]string {
	m := make(map[string]string, len(c.ext))
	for k, v := range c.ext {
		m[k] = v
	}
	return m
}

// HasExtension reports whether the server advertised the extension
// (case-insensitive keyword, e.g. "PIPELINING").
func (c *Client) HasExtension(name string) bool {
	return c.clHas(strings.ToUpper(name))
}

// Extension returns the parameters of an advertised extension.
func (c *Client) Extension(name string) (params string, ok bool) {
	params, ok = c.ext[strings.ToUpper(name)]
	return params, ok
}

// MaxSize returns the SIZE limit the server advertised (RFC 1870 §4), or 0
// when it advertised none or no limit.
func (c *Client) MaxSize() int64 {
	p, ok := c.ext["SIZE"]
	if !ok {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// AuthMechanisms returns the SASL mechanisms of the server's AUTH extension
// (RFC 4954 §3), upper-case, or nil when AUTH was not advertised.
func (c *Client) AuthMechanisms() []string {
	p, ok := c.ext["AUTH"]
	if !ok {
		return nil
	}
	return strings.Fields(strings.ToUpper(p))
}

// IsTLS reports whether the connection is encrypted (DialTLS or StartTLS).
func (c *Client) IsTLS() bool { return c.isTLS }

// TLSConnectionState returns the TLS state, and false on a cleartext
// connection.
func (c *Client) TLSConnectionState() (tls.ConnectionState, bool) {
	if tc, ok := c.conn.(*tls.Conn); ok {
		return tc.ConnectionState(), true
	}
	return tls.ConnectionState{}, false
}

// Err returns the error that made the connection unusable, or nil.
func (c *Client) Err() error { return c.broken }

// StartTLS upgrades the connection with STARTTLS (RFC 3207) and sends EHLO
// again, as the server forgets everything learnt before (§4.2). A nil
// config means opts.TLSConfig, with ServerName defaulted to the dialled
// host. Whether to call StartTLS is the caller's policy: check
// HasExtension("STARTTLS") first; without it StartTLS returns an error
// wrapping ErrNotAdvertised and sends nothing.
func (c *Client) StartTLS(config *tls.Config) error {
	if c.broken != nil {
		return c.broken
	}
	if c.isTLS {
		return errors.New("smtp: StartTLS: connection already uses TLS")
	}
	if !c.clHas("STARTTLS") {
		return fmt.Errorf("%w: STARTTLS", ErrNotAdvertised)
	}
	if config == nil {
		config = c.opts.TLSConfig
	}
	config = clTLSConfig(config, c.serverName)
	if err := c.clCmd(c.opts.CommandTimeout, 220, "STARTTLS"); err != nil {
		return err
	}
	// Anything after the 220 was sent before the handshake and cannot be
	// trusted (response injection, the client side of CVE-2011-0411).
	if c.br.Buffered() > 0 {
		return c.clFail(fmt.Errorf("%w: data after the STARTTLS reply", ErrMalformedReply))
	}
	tconn := tls.Client(c.conn, config)
	c.clSetDeadline(c.opts.CommandTimeout)
	if err := tconn.Handshake(); err != nil {
		return c.clFail(fmt.Errorf("smtp: TLS handshake: %w", err))
	}
	c.mu.Lock() // the context watcher may touch c.conn concurrently
	c.conn = tconn
	c.mu.Unlock()
	c.br.Reset(tconn)
	c.bw.Reset(tconn)
	c.isTLS = true
	c.inTx, c.rcpts = false, c.rcpts[:0]
	c.rr.enhanced = false
	return c.clHello()
}

// Noop sends NOOP (RFC 5321 §4.1.1.9), e.g. to keep a cached connection
// alive or check that it still works.
func (c *Client) Noop() error {
	return c.clCmd(c.opts.CommandTimeout, 250, "NOOP")
}

// Reset sends RSET (RFC 5321 §4.1.1.5), aborting the current transaction.
// The connection can then carry the next message.
func (c *Client) Reset() error {
	err := c.clCmd(c.opts.CommandTimeout, 250, "RSET")
	if err == nil {
		c.inTx, c.rcpts = false, c.rcpts[:0]
	}
	return err
}

// Verify sends VRFY (RFC 5321 §4.1.1.6). A nil error means the server
// confirmed the address (250 or 251); many servers answer 252 ("cannot
// verify, will attempt delivery"), returned as an *Error with Code 252.
func (c *Client) Verify(addr string) error {
	if err := clValidAddr(addr); err != nil {
		return err
	}
	err := c.clCmd(c.opts.CommandTimeout, 250, "VRFY ", addr)
	if err != nil && c.rr.code == 251 && c.broken == nil {
		return nil
	}
	return err
}

// Quit sends QUIT (RFC 5321 §4.1.1.10), waits for the 221 reply and closes
// the connection.
func (c *Client) Quit() error {
	err := c.clCmd(c.opts.CommandTimeout, 221, "QUIT")
	if cerr := c.conn.Close(); err == nil && cerr != nil && !errors.Is(cerr, net.ErrClosed) {
		err = cerr
	}
	if c.broken == nil {
		c.broken = net.ErrClosed
	}
	return err
}

// Close closes the connection without QUIT.
func (c *Client) Close() error {
	if c.broken == nil {
		c.broken = net.ErrClosed
	}
	return c.conn.Close()
}

// clCmd writes one command (the concatenation of parts) and reads its
// reply, which must have code want; any other reply is returned as *Error.
func (c *Client) clCmd(timeout time.Duration, want int, parts ...string) error {
	if err := c.clWriteCmd(parts...); err != nil {
		return err
	}
	if err := c.clFlush(); err != nil {
		return err
	}
	return c.clExpect(timeout, want)
}

// clWriteCmd buffers one command line.
func (c *Client) clWriteCmd(parts ...string) error {
	if c.broken != nil {
		return c.broken
	}
	for _, p := range parts {
		c.bw.WriteString(p)
	}
	c.bw.WriteString("\r\n")
	return nil
}

// clFlush sends the buffered commands.
func (c *Client) clFlush() error {
	if c.broken != nil {
		return c.broken
	}
	c.clSetWriteDeadline(c.opts.CommandTimeout)
	if err := c.bw.Flush(); err != nil {
		return c.clFail(err)
	}
	return nil
}

// clExpect reads a reply and checks its code.
func (c *Client) clExpect(timeout time.Duration, want int) error {
	if err := c.clRead(timeout); err != nil {
		return err
	}
	if c.rr.code != want {
		return c.rr.err()
	}
	return nil
}

// clRead reads one reply within timeout. A 421 reply means the server is
// closing the connection (RFC 5321 §3.8): it is returned and makes the
// Client unusable.
func (c *Client) clRead(timeout time.Duration) error {
	if c.broken != nil {
		return c.broken
	}
	c.clSetReadDeadline(timeout)
	if err := c.rr.read(); err != nil {
		return c.clFail(err)
	}
	if c.rr.code == 421 {
		e := c.rr.err()
		c.broken = e
		c.conn.Close()
		return e
	}
	return nil
}

// clFail records a connection-level error; later calls return it. A
// cancelled context is reported as the context's error.
func (c *Client) clFail(err error) error {
	if c.broken != nil {
		return c.broken
	}
	c.mu.Lock()
	ctx, dl := c.ctx, c.ctxDL
	c.mu.Unlock()
	if ctx != nil {
		cerr := ctx.Err()
		if cerr == nil && !dl.IsZero() && !time.Now().Before(dl) {
			cerr = context.DeadlineExceeded // the conn deadline fired first
		}
		if cerr != nil {
			err = fmt.Errorf("smtp: %w: %w", cerr, err)
		}
	}
	c.broken = err
	c.conn.Close()
	return err
}

// clWatch makes ctx's deadline and cancellation apply to the connection
// until the returned stop function is called.
func (c *Client) clWatch(ctx context.Context) (stop func()) {
	if ctx == nil || ctx.Done() == nil {
		return func() {}
	}
	dl, _ := ctx.Deadline()
	c.mu.Lock()
	c.ctx, c.ctxDL, c.cancelled = ctx, dl, false
	c.mu.Unlock()
	stopAfter := context.AfterFunc(ctx, func() {
		c.mu.Lock()
		c.cancelled = true
		c.conn.SetDeadline(aLongTimeAgo)
		c.mu.Unlock()
	})
	return func() {
		stopAfter()
		c.mu.Lock()
		c.ctx, c.ctxDL, c.cancelled = nil, time.Time{}, false
		c.mu.Unlock()
	}
}

// clDeadline returns now+d, or the context's deadline if that is earlier.
func (c *Client) clDeadline(d time.Duration) time.Time {
	t := time.Now().Add(d)
	if !c.ctxDL.IsZero() && c.ctxDL.Before(t) {
		t = c.ctxDL
	}
	if c.cancelled {
		t = aLongTimeAgo
	}
	return t
}

func (c *Client) clSetReadDeadline(d time.Duration) {
	c.mu.Lock()
	c.conn.SetReadDeadline(c.clDeadline(d))
	c.mu.Unlock()
}

func (c *Client) clSetWriteDeadline(d time.Duration) {
	c.mu.Lock()
	c.conn.SetWriteDeadline(c.clDeadline(d))
	c.mu.Unlock()
}

func (c *Client) clSetDeadline(d time.Duration) {
	c.mu.Lock()
	c.conn.SetDeadline(c.clDeadline(d))
	c.mu.Unlock()
}

// clValidName checks an EHLO name: one non-empty token of printable ASCII
// (it goes on the command line as is).
func clValidName(name string) error {
	if name == "" {
		return errors.New("smtp: empty LocalName")
	}
	for i := 0; i < len(name); i++ {
		if b := name[i]; b <= ' ' || b >= 0x7f {
			return fmt.Errorf("smtp: invalid LocalName %q", name)
		}
	}
	return nil
}
