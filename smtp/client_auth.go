package smtp

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
)

// Auth authenticates with the SASL mechanism a (RFC 4954). The initial
// response, if the mechanism has one, is sent on the AUTH line (§4; an
// empty one as "="); each 334 challenge is base64-decoded and given to
// a.Next, whose answer is sent base64-encoded. If the mechanism fails on a
// challenge, the exchange is cancelled with "*" (§4) and its error
// returned. The server's failure reply (e.g. 535 5.7.8) is an *Error.
//
// The mechanism must be one of AuthMechanisms(); otherwise Auth returns an
// error wrapping ErrNotAdvertised and sends nothing. Most servers offer
// AUTH only after StartTLS.
func (c *Client) Auth(a SASLClient) error {
	if c.broken != nil {
		return c.broken
	}
	mech, ir, err := a.Start()
	if err != nil {
		return fmt.Errorf("smtp: AUTH: %w", err)
	}
	mech = strings.ToUpper(mech)
	if !slices.Contains(c.AuthMechanisms(), mech) {
		return fmt.Errorf("%w: AUTH %s", ErrNotAdvertised, mech)
	}
	if err := clValidName(mech); err != nil {
		return err
	}
	// §4: an initial response that would make the line longer than 512
	// octets (RFC 5321 §4.5.3.1.4) is sent after an empty 334 instead.
	var deferred []byte
	if ir != nil && len("AUTH ")+len(mech)+1+base64.StdEncoding.EncodedLen(len(ir))+2 > 512 {
		deferred, ir = ir, nil
	}
	c.bw.WriteString("AUTH ")
	c.bw.WriteString(mech)
	if ir != nil {
		c.bw.WriteByte(' ')
		if len(ir) == 0 {
			c.bw.WriteByte('=') // §4: a zero-length initial response
		} else {
			c.clWriteBase64(ir)
		}
	}
	c.bw.WriteString("\r\n")
	for {
		if err := c.clFlush(); err != nil {
			return err
		}
		if err := c.clRead(c.opts.CommandTimeout); err != nil {
			return err
		}
		switch c.rr.code {
		case 235:
			return nil
		case 334:
		default:
			return c.rr.err()
		}
		if deferred != nil {
			c.clWriteBase64(deferred)
			c.bw.WriteString("\r\n")
			deferred = nil
			continue
		}
		chal, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(c.rr.text)))
		var resp []byte
		if err == nil {
			resp, err = a.Next(chal)
		} else {
			err = fmt.Errorf("%w: bad base64 in AUTH challenge", ErrMalformedReply)
		}
		if err != nil {
			// Cancel the exchange (RFC 4954 §4); the server answers 501.
			c.bw.WriteString("*\r\n")
			if ferr := c.clFlush(); ferr != nil {
				return ferr
			}
			if rerr := c.clRead(c.opts.CommandTimeout); rerr != nil {
				return rerr
			}
			return fmt.Errorf("smtp: AUTH %s: %w", mech, err)
		}
		c.clWriteBase64(resp)
		c.bw.WriteString("\r\n")
	}
}

// clWriteBase64 writes b base64-encoded (nothing when b is empty: an empty
// response to a challenge is an empty line).
func (c *Client) clWriteBase64(b []byte) {
	n := base64.StdEncoding.EncodedLen(len(b))
	buf := c.bw.AvailableBuffer()
	if cap(buf) >= n {
		buf = buf[:n]
		base64.StdEncoding.Encode(buf, b)
		c.bw.Write(buf)
		return
	}
	c.bw.WriteString(base64.StdEncoding.EncodeToString(b))
}
