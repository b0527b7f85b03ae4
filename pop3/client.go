package pop3

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"time"

	"github.com/mailwire/mailwire/internal/textwire"
)

// DefaultClientTimeout bounds one command of a Client when neither the
// context nor DialOptions.Timeout says otherwise.
const DefaultClientTimeout = 2 * time.Minute

// maxResponseLine bounds a response line the client accepts (RFC 2449 §4
// gives 512 octets; a little more for lenient servers).
const maxResponseLine = 4096

// ErrProtocol is wrapped by the errors a Client returns when the server's
// response does not follow the protocol.
var ErrProtocol = errors.New("pop3: protocol violation")

// DialOptions configure a Client. The zero value works.
type DialOptions struct {
	// TLSConfig is used by DialTLS and StartTLS; nil means a default
	// config with ServerName taken from the address.
	TLSConfig *tls.Config
	// Timeout bounds every command (and the dial) when the context has no
	// earlier deadline; zero means DefaultClientTimeout.
	Timeout time.Duration
	// Dialer dials the TCP connection; nil means a zero net.Dialer.
	Dialer *net.Dialer
}

// Client is a POP3 client (RFC 1939 with CAPA, STLS, AUTH, PIPELINING). Its
// methods must not be called concurrently. A message body returned by Retr
// or Top must be read or closed before the next command (the next command
// drains it otherwise).
type Client struct {
	conn      net.Conn
	r         *bufio.Reader
	w         *bufio.Writer
	opts      DialOptions
	host      string
	isTLS     bool
	greeting  string
	timestamp string // APOP timestamp from the greeting
	caps      map[string][]string
	body      *bodyReader // open multi-line response, if any
	err       error       // sticky: the connection is unusable
}

// Dial connects to a POP3 server (plain TCP, usually port 110) and reads
// its greeting.
func Dial(ctx context.Context, addr string, opts *DialOptions) (*Client, error) {
	return dial(ctx, addr, opts, false)
}

// DialTLS connects with implicit TLS (RFC 8314, usually port 995).
func DialTLS(ctx context.Context, addr string, opts *DialOptions) (*Client, error) {
	return dial(ctx, addr, opts, true)
}

func dial(ctx context.Context, addr string, opts *DialOptions, useTLS bool) (*Client, error) {
	var o DialOptions
	if opts != nil {
		o = *opts
	}
	d := o.Dialer
	if d == nil {
		d = &net.Dialer{}
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout())
	defer cancel()
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	host, _, _ := net.SplitHostPort(addr)
	if useTLS {
		tc := tls.Client(conn, tlsConfig(o.TLSConfig, host))
		if err := tc.HandshakeContext(ctx); err != nil {
			conn.Close()
			return nil, err
		}
		conn = tc
	}
	c, err := newClient(ctx, conn, o, host)
	if err != nil {
		conn.Close()
		return nil, err
	}
	c.isTLS = useTLS
	return c, nil
}

// NewClient starts a client on an established connection (for example
// one from a custom dialer) and reads the greeting.
func NewClient(ctx context.Context, conn net.Conn, opts *DialOptions) (*Client, error) {
	var o DialOptions
	if opts != nil {
		o = *opts
	}
	host, _, _ := net.SplitHostPort(conn.RemoteAddr().String())
	c, err := newClient(ctx, conn, o, host)
	if err == nil {
		_, c.isTLS = conn.(*tls.Conn)
	}
	return c, err
}

func newClient(ctx context.Context, conn net.Conn, o DialOptions, host string) (*Client, error) {
	c := &Client{conn: conn, r: bufio.NewReaderSize(conn, 32<<10), w: bufio.NewWriterSize(conn, 4096), opts: o, host: host}
	done := c.deadline(ctx)
	defer done()
	text, err := c.readStatus()
	if err != nil {
		return nil, err
	}
	c.greeting = text
	// RFC 1939 §7: the APOP timestamp is the msg-id in the greeting.
	if i := strings.IndexByte(text, '<'); i >= 0 {
		if j := strings.IndexByte(text[i:], '>'); j > 0 && strings.IndexByte(text[i:i+j], '@') > 0 {
			c.timestamp = text[i : i+j+1]
		}
	}
	return c, nil
}

func (o DialOptions) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return DefaultClientTimeout
}

func tlsConfig(cfg *tls.Config, host string) *tls.Config {
	if cfg == nil {
		return &tls.Config{ServerName: host}
	}
	if cfg.ServerName == "" {
		cfg = cfg.Clone()
		cfg.ServerName = host
	}
	return cfg
}

// deadline arms the connection deadline for one command (the earlier of
// ctx's deadline and the Timeout) and makes ctx's cancellation interrupt
// I/O. Call the returned function when the command is done.
func (c *Client) deadline(ctx context.Context) func() {
	d := time.Now().Add(c.opts.timeout())
	if cd, ok := ctx.Deadline(); ok && cd.Before(d) {
		d = cd
	}
	c.conn.SetDeadline(d)
	if ctx.Done() == nil {
		return func() {}
	}
	stop := context.AfterFunc(ctx, func() { c.conn.SetDeadline(time.Unix(1, 0)) })
	return func() { stop() }
}

// Greeting returns the text of the server's greeting.
func (c *Client) Greeting() string { return c.greeting }

// TLS reports whether the connection is encrypted.
func (c *Client) TLS() bool { return c.isTLS }

// Close closes the connection without QUIT: the server deletes nothing
// (RFC 1939 §6).
func (c *Client) Close() error { return c.conn.Close() }

// fail makes the client unusable after an I/O or protocol error.
func (c *Client) fail(err error) error {
	if c.err == nil {
		c.err = err
	}
	return err
}

// prepare finishes a pending body and reports a sticky error.
func (c *Client) prepare() error {
	if c.err != nil {
		return c.err
	}
	if c.body != nil {
		if err := c.body.Close(); err != nil {
			return c.fail(err)
		}
	}
	return nil
}

// send writes one command line (without flushing when pipelining).
func (c *Client) send(cmd string, args ...string) {
	c.w.WriteString(cmd)
	for _, a := range args {
		c.w.WriteByte(' ')
		c.w.WriteString(a)
	}
	c.w.WriteString("\r\n")
}

func (c *Client) flush() error {
	if err := c.w.Flush(); err != nil {
		return c.fail(err)
	}
	return nil
}

// readStatus reads a status line: the text after +OK, or *Error for -ERR.
func (c *Client) readStatus() (string, error) {
	line, err := textwire.ReadLine(c.r, maxResponseLine)
	if err != nil {
		if err == textwire.ErrLineTooLong {
			err = errors.Join(ErrProtocol, err)
		}
		return "", c.fail(err)
	}
	ok, text, perr := parseStatusLine(line)
	if perr != nil {
		return "", c.fail(perr)
	}
	if !ok {
		return "", errorFromText(text)
	}
	return text, nil
}

func errorFromText(text string) error {
	code, msg := parseRespCode(text)
	return &Error{Code: code, Message: msg}
}

// parseStatusLine splits a response line into its status (+OK true,
// -ERR false) and text (RFC 1939 §3: the status indicator, then optionally
// a space and text). Status indicators are matched case-insensitively,
// as lenient clients do.
func parseStatusLine(line []byte) (ok bool, text string, err error) {
	switch {
	case hasPrefixFold(line, "+OK"):
		ok, line = true, line[3:]
	case hasPrefixFold(line, "-ERR"):
		line = line[4:]
	default:
		return false, "", errors.Join(ErrProtocol, errors.New("pop3: response is neither +OK nor -ERR: "+quoteShort(line)))
	}
	if len(line) > 0 {
		if line[0] != ' ' {
			return false, "", errors.Join(ErrProtocol, errors.New("pop3: malformed status line: "+quoteShort(line)))
		}
		line = line[1:]
	}
	return ok, string(line), nil
}

// parseRespCode splits "[CODE] text" (RFC 2449 §8) into code and text.
func parseRespCode(text string) (code, msg string) {
	if len(text) > 2 && text[0] == '[' {
		if i := strings.IndexByte(text, ']'); i > 1 {
			c := text[1:i]
			if !strings.ContainsAny(c, " [\r\n") {
				return c, strings.TrimPrefix(text[i+1:], " ")
			}
		}
	}
	return "", text
}

func hasPrefixFold(b []byte, p string) bool {
	return len(b) >= len(p) && strings.EqualFold(string(b[:len(p)]), p)
}

func quoteShort(b []byte) string {
	if len(b) > 64 {
		b = b[:64]
	}
	return strings.ToValidUTF8(string(b), "?")
}

// cmd sends one command and reads its status line.
func (c *Client) cmd(ctx context.Context, cmd string, args ...string) (string, error) {
	if err := c.prepare(); err != nil {
		return "", err
	}
	done := c.deadline(ctx)
	defer done()
	c.send(cmd, args...)
	if err := c.flush(); err != nil {
		return "", err
	}
	return c.readStatus()
}

// readLines reads the lines of a multi-line response up to the "." line,
// removing dot-stuffing (RFC 1939 §3), and calls fn for each.
func (c *Client) readLines(fn func(line string) error) error {
	var ferr error
	for {
		line, err := textwire.ReadLine(c.r, maxResponseLine)
		if err != nil {
			if err == textwire.ErrLineTooLong {
				err = errors.Join(ErrProtocol, err)
			}
			return c.fail(err)
		}
		if len(line) > 0 && line[0] == '.' {
			if len(line) == 1 {
				return ferr
			}
			line = line[1:]
		}
		if ferr == nil {
			ferr = fn(string(line))
		}
	}
}

// bodyReader is a multi-line response body being streamed to the caller.
type bodyReader struct {
	c    *Client
	dr   *textwire.DotReader
	done func()
	eof  bool
}

func (b *bodyReader) Read(p []byte) (int, error) {
	if b.eof {
		return 0, io.EOF
	}
	n, err := b.dr.Read(p)
	if err == io.EOF {
		b.finish()
	} else if err != nil {
		b.c.fail(err)
		b.finish()
	}
	return n, err
}

func (b *bodyReader) finish() {
	if !b.eof {
		b.eof = true
		b.done()
		if b.c.body == b {
			b.c.body = nil
		}
	}
}

// Close discards the rest of the body, keeping the connection in step.
func (b *bodyReader) Close() error {
	if b.eof {
		return nil
	}
	_, err := io.Copy(io.Discard, b)
	return err
}

// openBody returns the body of the multi-line response whose status line
// was just read. done ends the command's deadline.
func (c *Client) openBody(done func()) io.ReadCloser {
	b := &bodyReader{c: c, dr: newClientDotReader(c), done: done}
	c.body = b
	return b
}

func readLineBounded(c *Client) ([]byte, error) {
	line, err := textwire.ReadLine(c.r, maxResponseLine)
	if err == textwire.ErrLineTooLong {
		err = errors.Join(ErrProtocol, err)
	}
	return line, err
}

// newClientDotReader reads a multi-line body leniently: bare line ends
// from old servers become CRLF; only <CRLF>.<CRLF> ends it.
func newClientDotReader(c *Client) *textwire.DotReader {
	return textwire.NewDotReader(c.r, textwire.DotReaderOptions{Bare: textwire.BareRepair})
}
