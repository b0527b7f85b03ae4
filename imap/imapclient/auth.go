package imapclient

import (
	"crypto/tls"
	"encoding/base64"
	"errors"
	"time"

	"github.com/mailwire/mailwire/internal/sasl"
)

// SASLClient is one client-side SASL exchange (RFC 4422), re-exported from
// the module's internal/sasl so that callers can name it.
type SASLClient = sasl.Client

// SASL mechanisms for Authenticate.
func SASLPlain(authzid, username, password string) SASLClient {
	return sasl.NewPlainClient(authzid, username, password)
}

// SASLLogin returns the LOGIN mechanism.
func SASLLogin(username, password string) SASLClient { return sasl.NewLoginClient(username, password) }

// SASLCramMD5 returns the CRAM-MD5 mechanism (RFC 2195).
func SASLCramMD5(username, secret string) SASLClient { return sasl.NewCramMD5Client(username, secret) }

// SASLScramSHA256 returns SCRAM-SHA-256 (RFC 7677), which verifies the server too.
func SASLScramSHA256(authzid, username, password string) SASLClient {
	return sasl.NewScramSHA256Client(authzid, username, password)
}

// SASLOAuthBearer returns OAUTHBEARER (RFC 7628).
func SASLOAuthBearer(username, token string) SASLClient {
	return sasl.NewOAuthBearerClient(username, token)
}

// SASLXOAuth2 returns Google's XOAUTH2.
func SASLXOAuth2(username, token string) SASLClient { return sasl.NewXOAuth2Client(username, token) }

// Authenticate runs AUTHENTICATE (RFC 9051 §6.2.2) with the mechanism,
// sending the initial response with the command when the server announced
// SASL-IR (RFC 4959). A mechanism failure cancels the exchange with "*".
func (c *Client) Authenticate(mech SASLClient) error {
	name, ir, err := mech.Start()
	if err != nil {
		return err
	}
	sasIR := c.HasCap("SASL-IR")
	c.wmu.Lock()
	c.mu.Lock()
	if c.closed {
		err := c.closeErr
		c.mu.Unlock()
		c.wmu.Unlock()
		return err
	}
	c.tagSeq++
	cmd := &command{c: c, name: "AUTHENTICATE", done: make(chan struct{}), onDone: c.onAuthDone}
	cmd.tag = "A" + itoa64(c.tagSeq)
	c.pending = append(c.pending, cmd)
	c.mu.Unlock()
	c.drainCont()

	line := cmd.tag + " AUTHENTICATE " + name
	pendingIR := false
	if ir != nil {
		if sasIR {
			line += " " + encodeResponse(ir)
		} else {
			pendingIR = true // answered to the first, empty challenge
		}
	}
	werr := c.writeLine(line)
	t := time.NewTimer(c.opts.CommandTimeout)
	defer t.Stop()
	for werr == nil {
		select {
		case <-cmd.done:
			c.wmu.Unlock()
			return cmd.err
		case <-t.C:
			c.wmu.Unlock()
			c.closeWith(ErrTimeout)
			return ErrTimeout
		case text := <-c.contCh:
			var resp []byte
			if pendingIR {
				resp, pendingIR = ir, false
			} else {
				challenge, err := base64.StdEncoding.DecodeString(text)
				if err != nil {
					werr = c.writeLine("*")
					continue
				}
				resp, err = mech.Next(challenge)
				if err != nil {
					werr = c.writeLine("*") // RFC 9051 §6.2.2: cancel
					continue
				}
			}
			// A response line is plain base64: an empty response is an
			// empty line; "=" is only for the initial response (RFC 4959).
			werr = c.writeLine(base64.StdEncoding.EncodeToString(resp))
		}
	}
	c.wmu.Unlock()
	c.closeWith(werr)
	return werr
}

func encodeResponse(b []byte) string {
	if len(b) == 0 {
		return "="
	}
	return base64.StdEncoding.EncodeToString(b)
}

func (c *Client) writeLine(s string) error {
	c.conn.SetWriteDeadline(time.Now().Add(c.opts.CommandTimeout))
	defer c.conn.SetWriteDeadline(time.Time{})
	c.bw.WriteString(s)
	c.bw.WriteString("\r\n")
	return c.bw.Flush()
}

// StartTLS sends STARTTLS (RFC 9051 §6.2.1) and upgrades the connection;
// capabilities are forgotten (ask again with Capability). Data the server
// sends in the clear after its OK is treated as an attack.
func (c *Client) StartTLS(config *tls.Config) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.mu.Lock()
	if c.closed {
		err := c.closeErr
		c.mu.Unlock()
		return err
	}
	up, err := c.sendUpgrade("STARTTLS", "STARTTLS")
	if err != nil {
		return err
	}
	host := c.addr
	if host == "" && c.conn.RemoteAddr() != nil {
		host = c.conn.RemoteAddr().String()
	}
	cfg := config
	if cfg == nil {
		cfg = c.opts.TLSConfig
	}
	tc := tls.Client(c.conn, tlsConfigFor(cfg, host))
	tc.SetDeadline(time.Now().Add(c.opts.CommandTimeout))
	err = tc.Handshake()
	tc.SetDeadline(time.Time{})
	if err != nil {
		close(up.resume)
		c.closeWith(err)
		return err
	}
	c.setConn(tc)
	c.mu.Lock()
	c.caps = nil
	c.mu.Unlock()
	close(up.resume)
	return nil
}

// sendUpgrade sends a command after which the connection changes layer
// (STARTTLS, COMPRESS) and waits for its tagged OK; the reader then pauses
// so that no byte after the OK is read through the old layer. The caller
// holds c.wmu and c.mu (released here), and must close up.resume once the
// new layer is in place.
func (c *Client) sendUpgrade(name, line string) (*upgradeReq, error) {
	c.tagSeq++
	cmd := &command{c: c, name: name, done: make(chan struct{})}
	cmd.tag = "A" + itoa64(c.tagSeq)
	c.pending = append(c.pending, cmd)
	c.mu.Unlock()
	if err := c.writeLine(cmd.tag + " " + line); err != nil {
		c.closeWith(err)
		return nil, err
	}
	if err := cmd.wait(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	up := c.upgrade
	c.upgrade = nil
	c.mu.Unlock()
	if up == nil {
		return nil, errors.New("imapclient: " + name + " state lost")
	}
	<-up.paused // the reader stopped right after the OK
	return up, nil
}
