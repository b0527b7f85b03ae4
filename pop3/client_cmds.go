package pop3

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ListEntry is one line of a LIST or UIDL response.
type ListEntry struct {
	Number int    // message number in this session
	Size   int64  // LIST: size in octets
	UID    string // UIDL: unique id
}

// Capabilities sends CAPA (RFC 2449 §5) and returns the capabilities: tag
// (upper case) → arguments. The result is cached until StartTLS or a login.
func (c *Client) Capabilities(ctx context.Context) (map[string][]string, error) {
	if c.caps != nil {
		return c.caps, nil
	}
	if _, err := c.cmd(ctx, "CAPA"); err != nil {
		return nil, err
	}
	caps := map[string][]string{}
	err := c.readLines(func(line string) error {
		f := strings.Fields(line)
		if len(f) > 0 {
			caps[strings.ToUpper(f[0])] = f[1:]
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	c.caps = caps
	return caps, nil
}

// HasCapability reports whether the last CAPA listed tag (after calling
// Capabilities; false before).
func (c *Client) HasCapability(tag string) bool {
	_, ok := c.caps[strings.ToUpper(tag)]
	return ok
}

// StartTLS sends STLS and negotiates TLS (RFC 2595 §4). Capabilities are
// forgotten (the server may announce others under TLS).
func (c *Client) StartTLS(ctx context.Context, cfg *tls.Config) error {
	if c.isTLS {
		return errors.New("pop3: TLS already active")
	}
	if _, err := c.cmd(ctx, "STLS"); err != nil {
		return err
	}
	if c.r.Buffered() > 0 {
		// Anything after +OK and before the handshake was not protected.
		return c.fail(errors.Join(ErrProtocol, errors.New("pop3: server sent data after STLS response")))
	}
	if cfg == nil {
		cfg = c.opts.TLSConfig
	}
	tc := tls.Client(c.conn, tlsConfig(cfg, c.host))
	done := c.deadline(ctx)
	defer done()
	if err := tc.HandshakeContext(ctx); err != nil {
		return c.fail(err)
	}
	c.conn = tc
	c.r.Reset(tc)
	c.w.Reset(tc)
	c.isTLS = true
	c.caps = nil
	return nil
}

// Login authenticates with USER and PASS (RFC 1939 §7), pipelined when
// the server announced PIPELINING.
func (c *Client) Login(ctx context.Context, username, password string) error {
	if strings.ContainsAny(username+password, "\r\n") {
		return errors.New("pop3: CR or LF in credentials")
	}
	if c.HasCapability("PIPELINING") {
		if err := c.prepare(); err != nil {
			return err
		}
		done := c.deadline(ctx)
		defer done()
		c.send("USER", username)
		c.send("PASS", password)
		if err := c.flush(); err != nil {
			return err
		}
		_, uerr := c.readStatus()
		if c.err != nil {
			return c.err
		}
		_, perr := c.readStatus()
		if uerr != nil {
			return uerr
		}
		return c.loggedIn(perr)
	}
	if _, err := c.cmd(ctx, "USER", username); err != nil {
		return err
	}
	_, err := c.cmd(ctx, "PASS", password)
	return c.loggedIn(err)
}

func (c *Client) loggedIn(err error) error {
	if err == nil {
		c.caps = nil // RFC 2449 §5: capabilities may differ in TRANSACTION
	}
	return err
}

// APOP authenticates with the shared secret (RFC 1939 §7). The server must
// have sent a timestamp in its greeting.
func (c *Client) APOP(ctx context.Context, username, secret string) error {
	if c.timestamp == "" {
		return errors.New("pop3: server greeting has no APOP timestamp")
	}
	if strings.ContainsAny(username, "\r\n ") {
		return errors.New("pop3: invalid user name")
	}
	d := APOPDigest(c.timestamp, secret)
	_, err := c.cmd(ctx, "APOP", username, hex.EncodeToString(d[:]))
	return c.loggedIn(err)
}

// Auth authenticates with SASL (RFC 5034), sending the initial response
// with the command when it fits in the 255-octet command limit.
func (c *Client) Auth(ctx context.Context, sc SASLClient) error {
	mech, ir, err := sc.Start()
	if err != nil {
		return err
	}
	if err := c.prepare(); err != nil {
		return err
	}
	done := c.deadline(ctx)
	defer done()
	pendingIR := ir
	if ir != nil {
		enc := "="
		if len(ir) > 0 {
			enc = base64.StdEncoding.EncodeToString(ir)
		}
		if len("AUTH ")+len(mech)+1+len(enc)+2 <= 255 {
			c.send("AUTH", mech, enc)
			pendingIR = nil
		} else {
			c.send("AUTH", mech)
		}
	} else {
		c.send("AUTH", mech)
	}
	if err := c.flush(); err != nil {
		return err
	}
	for {
		line, err := textwireReadLine(c)
		if err != nil {
			return err
		}
		if len(line) >= 1 && line[0] == '+' && (len(line) == 1 || line[1] == ' ') {
			var chal []byte
			if len(line) > 2 {
				if chal, err = base64.StdEncoding.DecodeString(string(line[2:])); err != nil {
					c.send("*")
					c.flush()
					c.readStatus()
					return errors.Join(ErrProtocol, fmt.Errorf("pop3: bad base64 in challenge: %w", err))
				}
			}
			var resp []byte
			if pendingIR != nil {
				resp, pendingIR = pendingIR, nil
			} else if resp, err = sc.Next(chal); err != nil {
				c.send("*") // RFC 5034 §4: cancel
				c.flush()
				c.readStatus()
				return err
			}
			c.w.WriteString(base64.StdEncoding.EncodeToString(resp))
			c.w.WriteString("\r\n")
			if err := c.flush(); err != nil {
				return err
			}
			continue
		}
		ok, text, perr := parseStatusLine(line)
		if perr != nil {
			return c.fail(perr)
		}
		if !ok {
			return errorFromText(text)
		}
		return c.loggedIn(nil)
	}
}

func textwireReadLine(c *Client) ([]byte, error) {
	line, err := readLineBounded(c)
	if err != nil {
		return nil, c.fail(err)
	}
	return line, nil
}

// Stat returns the number of messages and their total size (RFC 1939 §5).
func (c *Client) Stat(ctx context.Context) (count int, size int64, err error) {
	text, err := c.cmd(ctx, "STAT")
	if err != nil {
		return 0, 0, err
	}
	f := strings.Fields(text)
	if len(f) < 2 {
		return 0, 0, c.fail(errors.Join(ErrProtocol, errors.New("pop3: malformed STAT response")))
	}
	n, err1 := strconv.Atoi(f[0])
	s, err2 := strconv.ParseInt(f[1], 10, 64)
	if err1 != nil || err2 != nil || n < 0 || s < 0 {
		return 0, 0, c.fail(errors.Join(ErrProtocol, errors.New("pop3: malformed STAT response")))
	}
	return n, s, nil
}

// List returns the scan listing of every message not marked deleted.
func (c *Client) List(ctx context.Context) ([]ListEntry, error) { return c.listing(ctx, "LIST", false) }

// UIDL returns the unique-id listing (RFC 1939 §7).
func (c *Client) UIDL(ctx context.Context) ([]ListEntry, error) { return c.listing(ctx, "UIDL", true) }

// ListOne returns the scan listing of message n.
func (c *Client) ListOne(ctx context.Context, n int) (ListEntry, error) {
	return c.listOne(ctx, "LIST", n, false)
}

// UIDLOne returns the unique id of message n.
func (c *Client) UIDLOne(ctx context.Context, n int) (ListEntry, error) {
	return c.listOne(ctx, "UIDL", n, true)
}

func (c *Client) listOne(ctx context.Context, cmd string, n int, uid bool) (ListEntry, error) {
	text, err := c.cmd(ctx, cmd, strconv.Itoa(n))
	if err != nil {
		return ListEntry{}, err
	}
	e, err := parseListEntry(text, uid)
	if err != nil {
		return e, c.fail(err)
	}
	return e, nil
}

func (c *Client) listing(ctx context.Context, cmd string, uid bool) ([]ListEntry, error) {
	if _, err := c.cmd(ctx, cmd); err != nil {
		return nil, err
	}
	done := c.deadline(ctx)
	defer done()
	var out []ListEntry
	err := c.readLines(func(line string) error {
		e, err := parseListEntry(line, uid)
		if err != nil {
			return err
		}
		out = append(out, e)
		return nil
	})
	return out, err
}

// parseListEntry parses "n size" or "n uid" (extra text is ignored, RFC
// 1939 §5 allows it in scan listings).
func parseListEntry(s string, uid bool) (ListEntry, error) {
	f := strings.Fields(s)
	bad := errors.Join(ErrProtocol, errors.New("pop3: malformed listing line"))
	if len(f) < 2 {
		return ListEntry{}, bad
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n < 1 {
		return ListEntry{}, bad
	}
	e := ListEntry{Number: n}
	if uid {
		e.UID = f[1]
	} else if e.Size, err = strconv.ParseInt(f[1], 10, 64); err != nil || e.Size < 0 {
		return ListEntry{}, bad
	}
	return e, nil
}

// Retr retrieves message n as a stream with the dot-stuffing removed
// (RFC 1939 §7). Read it to the end or Close it before the next command.
func (c *Client) Retr(ctx context.Context, n int) (io.ReadCloser, error) {
	return c.multi(ctx, "RETR", strconv.Itoa(n))
}

// Top retrieves the header of message n and its first lines body lines.
func (c *Client) Top(ctx context.Context, n, lines int) (io.ReadCloser, error) {
	return c.multi(ctx, "TOP", strconv.Itoa(n), strconv.Itoa(lines))
}

func (c *Client) multi(ctx context.Context, cmd string, args ...string) (io.ReadCloser, error) {
	if err := c.prepare(); err != nil {
		return nil, err
	}
	done := c.deadline(ctx)
	c.send(cmd, args...)
	if err := c.flush(); err != nil {
		done()
		return nil, err
	}
	if _, err := c.readStatus(); err != nil {
		done()
		return nil, err
	}
	return c.openBody(done), nil
}

// Dele marks message n deleted; the server removes it at Quit.
func (c *Client) Dele(ctx context.Context, n int) error {
	_, err := c.cmd(ctx, "DELE", strconv.Itoa(n))
	return err
}

// Rset unmarks all messages marked deleted.
func (c *Client) Rset(ctx context.Context) error {
	_, err := c.cmd(ctx, "RSET")
	return err
}

// Noop does nothing but keeps the session alive.
func (c *Client) Noop(ctx context.Context) error {
	_, err := c.cmd(ctx, "NOOP")
	return err
}

// Quit ends the session; in the TRANSACTION state the server then removes
// the messages marked deleted, and an error means some were not removed.
// The connection is closed in any case.
func (c *Client) Quit(ctx context.Context) error {
	defer c.conn.Close()
	_, err := c.cmd(ctx, "QUIT")
	return err
}
