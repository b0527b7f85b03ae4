package smtp

import (
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/mailwire/mailwire/internal/textwire"
)

// Mail sends MAIL FROM (RFC 5321 §4.1.1.2) and starts a transaction. from
// is the reverse-path without angle brackets ("" for the null path of a
// bounce). opts may be nil. Parameters go on the wire only when the server
// advertised their extension:
//
//   - Size: SIZE= (RFC 1870); a Size over the server's limit is refused
//     here with ErrSizeExceedsLimit, nothing sent.
//   - Body: BODY= (RFC 6152, RFC 3030); 8BITMIME and BINARYMIME must be
//     advertised (BINARYMIME also needs CHUNKING), else ErrNotAdvertised.
//   - SMTPUTF8 (RFC 6531): set automatically when from is not ASCII;
//     refused with ErrNotAdvertised when the server lacks it.
//   - RequireTLS (RFC 8689): needs TLS and REQUIRETLS, else ErrNotAdvertised.
//   - Return, EnvelopeID: RET=, ENVID= (RFC 3461), sent only when DSN is
//     advertised and silently dropped otherwise (§5.2 lets a relay forward
//     without them).
//   - Auth: AUTH= (RFC 4954 §5), sent only when AUTH is advertised.
func (c *Client) Mail(from string, opts *MailOptions) error {
	utf8, err := c.clCheckMail(from, opts, nil)
	if err != nil {
		return err
	}
	if err := c.clWriteMail(from, opts, utf8); err != nil {
		return err
	}
	if err := c.clFlush(); err != nil {
		return err
	}
	return c.clMailReply(utf8, opts)
}

// clMailReply reads the reply to MAIL and opens the transaction.
func (c *Client) clMailReply(utf8 bool, opts *MailOptions) error {
	if err := c.clExpect(c.opts.MailTimeout, 250); err != nil {
		return err
	}
	c.inTx, c.rcpts = true, c.rcpts[:0]
	c.txUTF8 = utf8
	c.txBinary = opts != nil && opts.Body == BodyBinaryMIME
	return nil
}

// clCheckMail does the client-side checks of MAIL; rcpts (from Send) are
// checked for SMTPUTF8 as well. It reports whether SMTPUTF8 must be sent.
func (c *Client) clCheckMail(from string, opts *MailOptions, rcpts []string) (utf8 bool, err error) {
	if c.broken != nil {
		return false, c.broken
	}
	if err := clValidAddr(from); err != nil {
		return false, err
	}
	if opts == nil {
		opts = &MailOptions{}
	}
	utf8 = opts.SMTPUTF8 || !clIsASCII(from)
	for _, r := range rcpts {
		if !clIsASCII(r) {
			utf8 = true
		}
	}
	if utf8 && !c.clHas("SMTPUTF8") {
		// RFC 6531 §3.4: without SMTPUTF8 the message cannot be sent.
		return false, clRefuse(ErrNotAdvertised, 553, [3]int{5, 6, 7}, "non-ASCII address needs SMTPUTF8, which the server does not offer")
	}
	if max := c.MaxSize(); opts.Size > 0 && max > 0 && opts.Size > max {
		// RFC 1870 §6.1: the server would refuse with 552 anyway.
		return false, clRefuse(ErrSizeExceedsLimit, 552, [3]int{5, 3, 4}, "message size %d exceeds the server's limit of %d", opts.Size, max)
	}
	switch opts.Body {
	case "", Body7Bit:
	case Body8BitMIME:
		if !c.clHas("8BITMIME") {
			return false, clRefuse(ErrNotAdvertised, 554, [3]int{5, 6, 3}, "8-bit body needs 8BITMIME, which the server does not offer")
		}
	case BodyBinaryMIME:
		if !c.clHas("BINARYMIME") || !c.clHas("CHUNKING") {
			return false, clRefuse(ErrNotAdvertised, 554, [3]int{5, 6, 3}, "binary body needs BINARYMIME and CHUNKING, which the server does not offer")
		}
	default:
		return false, fmt.Errorf("%w: BODY=%q", ErrInvalidArgument, opts.Body)
	}
	if opts.RequireTLS && (!c.isTLS || !c.clHas("REQUIRETLS")) {
		// RFC 8689 §4.2.1: a REQUIRETLS message must not be relayed without it.
		return false, clRefuse(ErrNotAdvertised, 550, [3]int{5, 7, 30}, "REQUIRETLS needs TLS and a server that offers REQUIRETLS")
	}
	switch opts.Return {
	case "", DSNReturnFull, DSNReturnHeaders:
	default:
		return false, fmt.Errorf("%w: RET=%q", ErrInvalidArgument, opts.Return)
	}
	// RFC 3461 §4.4: ENVID is at most 100 characters of printable ASCII.
	if len(opts.EnvelopeID) > 100 || !clPrintable(opts.EnvelopeID) {
		return false, fmt.Errorf("%w: ENVID %q", ErrInvalidArgument, opts.EnvelopeID)
	}
	if opts.Auth != nil {
		if err := clValidAddr(*opts.Auth); err != nil {
			return false, err
		}
	}
	return utf8, nil
}

// clPrintable reports whether s is printable ASCII.
func clPrintable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// clWriteMail buffers a MAIL FROM command; clCheckMail must have passed.
func (c *Client) clWriteMail(from string, opts *MailOptions, utf8 bool) error {
	if c.broken != nil {
		return c.broken
	}
	w := c.bw
	w.WriteString("MAIL FROM:<")
	w.WriteString(from)
	w.WriteByte('>')
	if opts != nil {
		if opts.Size > 0 && c.clHas("SIZE") {
			w.WriteString(" SIZE=")
			w.Write(strconv.AppendInt(c.scratch[:0], opts.Size, 10))
		}
		if opts.Body != "" && (opts.Body != Body7Bit || c.clHas("8BITMIME")) {
			w.WriteString(" BODY=")
			w.WriteString(string(opts.Body))
		}
		if opts.RequireTLS {
			w.WriteString(" REQUIRETLS")
		}
		if c.clHas("DSN") {
			if opts.Return != "" {
				w.WriteString(" RET=")
				w.WriteString(string(opts.Return))
			}
			if opts.EnvelopeID != "" {
				w.WriteString(" ENVID=")
				w.WriteString(clXtext(opts.EnvelopeID))
			}
		}
		if opts.Auth != nil && c.clHas("AUTH") {
			w.WriteString(" AUTH=")
			if *opts.Auth == "" || *opts.Auth == "<>" {
				w.WriteString("<>")
			} else {
				w.WriteString(clXtext(*opts.Auth))
			}
		}
	}
	if utf8 {
		w.WriteString(" SMTPUTF8")
	}
	w.WriteString("\r\n")
	return nil
}

// Rcpt sends RCPT TO (RFC 5321 §4.1.1.3) for one recipient. A 250 or 251
// reply is success; anything else is returned as *Error and the
// transaction stays open for further recipients. opts may be nil; its DSN
// parameters (RFC 3461 NOTIFY, ORCPT) are sent only when the server
// advertised DSN.
func (c *Client) Rcpt(to string, opts *RcptOptions) error {
	if err := c.clCheckRcpt(to, opts); err != nil {
		return err
	}
	if err := c.clWriteRcpt(to, opts); err != nil {
		return err
	}
	if err := c.clFlush(); err != nil {
		return err
	}
	return c.clRcptReply(to)
}

// clRcptReply reads the reply to one RCPT.
func (c *Client) clRcptReply(to string) error {
	if err := c.clRead(c.opts.RcptTimeout); err != nil {
		return err
	}
	if c.rr.code != 250 && c.rr.code != 251 { // 251: will forward (§3.4)
		return c.rr.err()
	}
	c.rcpts = append(c.rcpts, to)
	return nil
}

func (c *Client) clCheckRcpt(to string, opts *RcptOptions) error {
	if c.broken != nil {
		return c.broken
	}
	if err := clValidAddr(to); err != nil {
		return err
	}
	if !clIsASCII(to) && !c.txUTF8 {
		if !c.clHas("SMTPUTF8") {
			return clRefuse(ErrNotAdvertised, 553, [3]int{5, 6, 7}, "non-ASCII address needs SMTPUTF8, which the server does not offer")
		}
		return fmt.Errorf("%w: non-ASCII recipient needs MailOptions.SMTPUTF8", ErrInvalidArgument)
	}
	if opts == nil {
		return nil
	}
	for _, n := range opts.Notify {
		switch n {
		case DSNNotifySuccess, DSNNotifyFailure, DSNNotifyDelayed:
		case DSNNotifyNever:
			// RFC 3461 §4.1: NEVER must appear alone.
			if len(opts.Notify) != 1 {
				return fmt.Errorf("%w: NOTIFY=NEVER combined with other values", ErrInvalidArgument)
			}
		default:
			return fmt.Errorf("%w: NOTIFY=%q", ErrInvalidArgument, n)
		}
	}
	if !clPrintable(opts.OriginalRecipientType) || (opts.OriginalRecipient != "" && clValidAddr(opts.OriginalRecipient) != nil) {
		return fmt.Errorf("%w: ORCPT", ErrInvalidArgument)
	}
	return nil
}

// clWriteRcpt buffers a RCPT TO command; clCheckRcpt must have passed.
func (c *Client) clWriteRcpt(to string, opts *RcptOptions) error {
	if c.broken != nil {
		return c.broken
	}
	w := c.bw
	w.WriteString("RCPT TO:<")
	w.WriteString(to)
	w.WriteByte('>')
	if opts != nil && c.clHas("DSN") {
		if len(opts.Notify) > 0 {
			w.WriteString(" NOTIFY=")
			for i, n := range opts.Notify {
				if i > 0 {
					w.WriteByte(',')
				}
				w.WriteString(string(n))
			}
		}
		if opts.OriginalRecipient != "" {
			typ := opts.OriginalRecipientType
			if typ == "" {
				typ = "rfc822"
			}
			w.WriteString(" ORCPT=")
			w.WriteString(typ)
			w.WriteByte(';')
			w.WriteString(clXtext(opts.OriginalRecipient))
		}
	}
	w.WriteString("\r\n")
	return nil
}

// Data sends DATA (RFC 5321 §4.1.1.4) and returns a writer for the message:
// write the message (header and body, CRLF or LF line endings) and Close it.
// The writer dot-stuffs (§4.5.2), turns bare CR and LF into CRLF, and Close
// sends the final "." and waits for the server's verdict.
//
// For SMTP, Close returns nil when the server accepted the message. For
// LMTP (RFC 2033 §4.2) the server replies once per accepted recipient;
// Close returns nil when all succeeded, else an error joining one
// *RcptError per failed recipient.
//
// A BINARYMIME transaction cannot use DATA (RFC 3030 §3); use Send.
func (c *Client) Data() (io.WriteCloser, error) {
	if c.broken != nil {
		return nil, c.broken
	}
	if c.txBinary {
		return nil, fmt.Errorf("%w: BINARYMIME needs BDAT; use Send", ErrInvalidArgument)
	}
	if err := c.clCmd(c.opts.DataInitTimeout, 354, "DATA"); err != nil {
		return nil, err
	}
	return &clientDataWriter{c: c, dw: textwire.NewDotWriter(c.bw)}, nil
}

// clientDataWriter streams one message after a 354 reply.
type clientDataWriter struct {
	c      *Client
	dw     *textwire.DotWriter
	closed bool
	reply  string  // final reply text (SMTP: the 250; LMTP: the last one)
	errs   []error // LMTP: per accepted recipient, nil = delivered
}

func (d *clientDataWriter) Write(p []byte) (int, error) {
	if d.c.broken != nil {
		return 0, d.c.broken
	}
	if d.closed {
		return 0, textwire.ErrWriterClosed
	}
	// §4.5.3.2.5: each block must be accepted within the data-block timeout.
	d.c.clSetWriteDeadline(d.c.opts.DataBlockTimeout)
	n, err := d.dw.Write(p)
	if err != nil {
		return n, d.c.clFail(err)
	}
	return n, nil
}

func (d *clientDataWriter) Close() error {
	if d.closed {
		return textwire.ErrWriterClosed
	}
	d.closed = true
	c := d.c
	if c.broken != nil {
		return c.broken
	}
	c.clSetWriteDeadline(c.opts.DataBlockTimeout)
	if err := d.dw.Close(); err != nil {
		return c.clFail(err)
	}
	if err := c.bw.Flush(); err != nil {
		return c.clFail(err)
	}
	return d.c.clDataReplies(&d.reply, &d.errs)
}

// clDataReplies reads the verdict on the message data (one reply for SMTP,
// one per accepted recipient for LMTP) and ends the transaction.
func (c *Client) clDataReplies(reply *string, perRcpt *[]error) error {
	rcpts := c.rcpts
	c.inTx, c.rcpts = false, c.rcpts[:0]
	if !c.lmtp {
		// §4.5.3.2.6: the server may take long to accept responsibility.
		if err := c.clExpect(c.opts.DataTermTimeout, 250); err != nil {
			return err
		}
		*reply = string(c.rr.text)
		return nil
	}
	*perRcpt = (*perRcpt)[:0]
	var errs []error
	for _, r := range rcpts {
		if err := c.clRead(c.opts.DataTermTimeout); err != nil {
			return err
		}
		*reply = string(c.rr.text)
		var e error
		if c.rr.code != 250 {
			e = c.rr.err()
			errs = append(errs, &RcptError{Rcpt: r, Err: e})
		}
		*perRcpt = append(*perRcpt, e)
	}
	return errors.Join(errs...)
}
