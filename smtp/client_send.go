package smtp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/mailwire/mailwire/internal/textwire"
)

// SendOptions are the envelope parameters of Client.Send. A nil
// *SendOptions sends plain MAIL FROM and RCPT TO commands.
type SendOptions struct {
	// Mail holds the MAIL FROM parameters (see Client.Mail). When Size is
	// zero and the body has a Len() int method (bytes.Reader, strings.Reader,
	// bytes.Buffer), its length is declared as SIZE.
	Mail *MailOptions
	// Rcpt holds the RCPT TO parameters used for every recipient, unless
	// PerRcpt has a non-nil entry at the recipient's index.
	Rcpt    *RcptOptions
	PerRcpt []*RcptOptions
}

// RcptResult is the outcome for one recipient of Send.
type RcptResult struct {
	Rcpt string
	// Err is nil when the server took responsibility for delivering to the
	// recipient (SMTP: RCPT accepted and the data accepted; LMTP: the
	// per-recipient reply after the data was 2yz). Otherwise it is usually
	// an *Error; check Temporary/Permanent to retry or bounce.
	Err error
}

// SendResult reports a Send, one RcptResult per recipient in order.
type SendResult struct {
	Rcpts []RcptResult
	// Reply is the text of the server's last reply to the message data,
	// which often names the queue id ("2.0.0 Ok: queued as 4F1A2").
	Reply string
}

// Accepted returns the number of recipients whose Err is nil.
func (r *SendResult) Accepted() int {
	n := 0
	for _, rr := range r.Rcpts {
		if rr.Err == nil {
			n++
		}
	}
	return n
}

// Err returns nil when every recipient succeeded, else an error joining a
// *RcptError for each failed recipient.
func (r *SendResult) Err() error {
	var errs []error
	for _, rr := range r.Rcpts {
		if rr.Err != nil {
			errs = append(errs, &RcptError{Rcpt: rr.Rcpt, Err: rr.Err})
		}
	}
	return errors.Join(errs...)
}

// clientLen is implemented by bodies whose size is known up front.
type clientLen interface{ Len() int }

// Send sends one message from from to rcpts and streams body (RFC 5322
// text, CRLF or LF line endings) as its content. It is the high-level
// transaction: client-side checks (SIZE, SMTPUTF8, 8BITMIME, REQUIRETLS;
// see Mail), then
//
//   - with PIPELINING (RFC 2920), MAIL, every RCPT and DATA go out in one
//     write and their replies are read after it: one round trip (more than
//     ClientOptions.PipelineWindow commands are sent in windows);
//   - without it, one command at a time, stopping early when MAIL fails
//     or no recipient is accepted;
//   - with CHUNKING, BDAT (RFC 3030) instead of DATA when the body is
//     BINARYMIME or at least ClientOptions.ChunkingThreshold octets, and,
//     with PIPELINING too, when its size is known and at most ChunkSize:
//     the whole message then goes as one "BDAT n LAST" in the same write
//     as the envelope, one round trip in all (§4.2). Text sent with BDAT
//     gets the same repair as with DATA (bare CR and LF become CRLF, a
//     final CRLF is added); BINARYMIME goes unchanged.
//
// The returned SendResult always has one entry per recipient. The error is
// non-nil when the message was delivered to no recipient: MAIL refused (its
// *Error), every recipient refused (the joined *RcptErrors), the data
// refused, a client-side check failed, or a connection failure (then
// c.Err() is set and the connection is closed; otherwise it is ready for
// the next Send, an open transaction having been reset with RSET).
// Connection failures are not *Error values; RFC 5321 §6.1 says to treat
// them like a 451 reply (retry later). If the connection fails after the
// message data went out but before the server's verdict, the message may
// or may not have been accepted.
//
// ctx bounds the whole transaction on top of the per-phase timeouts. If
// reading body fails, the connection is closed rather than ending the
// data, so the server never delivers a truncated message.
func (c *Client) Send(ctx context.Context, from string, rcpts []string, body io.Reader, opts *SendOptions) (*SendResult, error) {
	res := &SendResult{Rcpts: make([]RcptResult, len(rcpts))}
	for i, r := range rcpts {
		res.Rcpts[i].Rcpt = r
	}
	err := c.clSend(ctx, from, rcpts, body, opts, res)
	if err != nil {
		for i := range res.Rcpts {
			if res.Rcpts[i].Err == nil {
				res.Rcpts[i].Err = err
			}
		}
	}
	return res, err
}

func (c *Client) clSend(ctx context.Context, from string, rcpts []string, body io.Reader, opts *SendOptions, res *SendResult) error {
	if c.broken != nil {
		return c.broken
	}
	if len(rcpts) == 0 {
		return fmt.Errorf("%w: no recipients", ErrInvalidArgument)
	}
	if opts == nil {
		opts = &SendOptions{}
	}
	var mo MailOptions
	if opts.Mail != nil {
		mo = *opts.Mail
	}
	knownSize := int64(-1)
	if l, ok := body.(clientLen); ok {
		knownSize = int64(l.Len())
	}
	if mo.Size == 0 && knownSize >= 0 {
		mo.Size = knownSize
	}
	utf8, err := c.clCheckMail(from, &mo, rcpts)
	if err != nil {
		return err
	}
	rcptOpts := func(i int) *RcptOptions {
		if i < len(opts.PerRcpt) && opts.PerRcpt[i] != nil {
			return opts.PerRcpt[i]
		}
		return opts.Rcpt
	}
	saved := c.txUTF8
	c.txUTF8 = utf8
	for i, r := range rcpts {
		if err := c.clCheckRcpt(r, rcptOpts(i)); err != nil {
			c.txUTF8 = saved
			return err
		}
	}
	c.txUTF8 = saved

	stop := c.clWatch(ctx)
	defer stop()
	if c.inTx {
		if err := c.Reset(); err != nil {
			return err
		}
	}

	pipelining, chunking := c.clHas("PIPELINING"), c.clHas("CHUNKING")
	binary := mo.Body == BodyBinaryMIME
	// A small body of known size goes in one BDAT LAST pipelined with the
	// envelope (RFC 3030 §4.2): the whole message in one round trip
	// instead of two with DATA, which must wait for 354.
	small := knownSize >= 0 && knownSize <= int64(c.opts.ChunkSize)
	useBDAT := chunking && (binary || mo.Size >= c.opts.ChunkingThreshold || (pipelining && small))
	src := body
	if useBDAT && !binary {
		src = c.clNormalizer(body)
	}
	var first []byte // body read ahead for a pipelined BDAT
	oneShot := false
	if useBDAT && pipelining && small {
		// Room for the CRLF repair of a few bare line endings and one more
		// octet, so that a full buffer means there is more; if the
		// repaired text does not fit, it goes in chunks after the envelope.
		buf := c.clChunkBuf(knownSize + knownSize/16 + 3)
		n, rerr := io.ReadFull(src, buf)
		switch rerr {
		case io.EOF, io.ErrUnexpectedEOF:
			oneShot = true
		case nil: // longer after CRLF repair: sent in chunks after the envelope
		default:
			return fmt.Errorf("smtp: reading message body: %w", rerr) // nothing sent yet
		}
		first = buf[:n]
	}

	window := 1
	if pipelining {
		window = c.opts.PipelineWindow
	}

	// Envelope: command k = 0 is MAIL, 1..n are the RCPTs, n+1 is DATA or
	// the one-shot BDAT LAST.
	n := len(rcpts)
	last := n
	if !useBDAT || oneShot {
		last = n + 1
	}
	var mailErr, dataErr, derr error
	var perRcpt []error
	dataOK, dataDone := false, false
	accepted := 0 // recipients accepted, known once their replies are read
	sent, read := 0, 0
	readOne := func() error {
		k := read
		read++
		switch {
		case k == 0:
			if err := c.clMailReply(utf8, &mo); err != nil {
				if c.broken != nil {
					return err
				}
				mailErr = err
			}
		case k <= n:
			if err := c.clRcptReply(rcpts[k-1]); err != nil {
				if c.broken != nil {
					return err
				}
				if mailErr == nil { // else the 503 is only a consequence
					res.Rcpts[k-1].Err = err
				}
			}
		case oneShot:
			dataDone = true
			accepted = len(c.rcpts)
			if mailErr != nil || accepted == 0 {
				// The server consumed the chunk and refused it once.
				return c.clRead(c.opts.DataTermTimeout)
			}
			derr = c.clDataReplies(&res.Reply, &perRcpt)
			if c.broken != nil {
				return derr
			}
		default:
			if err := c.clRead(c.opts.DataInitTimeout); err != nil {
				return err
			}
			if c.rr.code == 354 {
				dataOK = true
			} else {
				dataErr = c.rr.err()
			}
		}
		return nil
	}
	for sent <= last {
		// Without pipelining, stop as soon as the outcome is known.
		if mailErr != nil || (sent == n+1 && read == sent && len(c.rcpts) == 0) {
			break
		}
		switch {
		case sent == 0:
			err = c.clWriteMail(from, &mo, utf8)
		case sent <= n:
			err = c.clWriteRcpt(rcpts[sent-1], rcptOpts(sent-1))
		case oneShot:
			c.clWriteBDATHeader(len(first), true)
			c.bw.Write(first)
		default:
			// RFC 2920 §3.1: DATA is the last command of a group.
			err = c.clWriteCmd("DATA")
		}
		if err != nil {
			return err
		}
		sent++
		if sent-read == window || sent > last {
			if err := c.clFlush(); err != nil {
				return err
			}
			for read < sent {
				if err := readOne(); err != nil {
					return err
				}
			}
		}
	}

	if mailErr != nil {
		if dataOK {
			// RFC 2920 §3.1: after a pipelined DATA got 354 anyway, send
			// an empty message; the server has no transaction to deliver.
			c.clAbortData()
		}
		return mailErr
	}
	if !dataDone {
		accepted = len(c.rcpts)
	}
	if accepted == 0 {
		if dataOK {
			c.clAbortData()
		}
		errs := make([]error, 0, n)
		for i := range res.Rcpts {
			errs = append(errs, &RcptError{Rcpt: rcpts[i], Err: res.Rcpts[i].Err})
		}
		if c.broken == nil {
			c.Reset()
		}
		return errors.Join(errs...)
	}
	if dataErr != nil {
		c.Reset()
		return dataErr
	}

	if !dataDone {
		if useBDAT {
			derr = c.clSendBDAT(src, first, &res.Reply, &perRcpt)
		} else {
			derr = c.clSendData(body, &res.Reply, &perRcpt)
		}
	}
	// RFC 3030 §2: after a refused BDAT the client should reset.
	if derr != nil && c.broken == nil && (useBDAT || c.inTx) {
		c.Reset()
	}
	// Map the data verdict onto the accepted recipients.
	ok := 0
	j := 0
	for i := range res.Rcpts {
		if res.Rcpts[i].Err != nil {
			continue
		}
		switch {
		case c.lmtp && j < len(perRcpt) && j < accepted:
			res.Rcpts[i].Err = perRcpt[j]
		case derr != nil:
			res.Rcpts[i].Err = derr
		}
		j++
		if res.Rcpts[i].Err == nil {
			ok++
		}
	}
	if ok == 0 {
		if derr != nil && !c.lmtp {
			return derr
		}
		return res.Err()
	}
	return nil
}

// clNormalizer returns body wrapped to repair bare CR and LF, reusing the
// Client's buffers.
func (c *Client) clNormalizer(body io.Reader) io.Reader {
	if c.bodyBR == nil {
		c.bodyBR = bufio.NewReaderSize(body, 32<<10)
	} else {
		c.bodyBR.Reset(body)
	}
	c.crlf.reset(c.bodyBR)
	return &c.crlf
}

// clChunkBuf returns the Client's BDAT buffer with length min(n,
// ChunkSize), growing it only as far as needed: small messages keep a
// connection's memory small.
func (c *Client) clChunkBuf(n int64) []byte {
	size := c.opts.ChunkSize
	if n < int64(size) {
		size = int(n)
	}
	if cap(c.chunkBuf) < size {
		c.chunkBuf = make([]byte, size)
	}
	return c.chunkBuf[:size]
}

func (c *Client) clWriteBDATHeader(size int, last bool) {
	c.bw.WriteString("BDAT ")
	c.bw.Write(strconv.AppendInt(c.scratch[:0], int64(size), 10))
	if last {
		c.bw.WriteString(" LAST")
	}
	c.bw.WriteString("\r\n")
}

// clAbortData ends a DATA that should not have been accepted with an
// empty message and reads (and ignores) the verdict.
func (c *Client) clAbortData() {
	if c.clWriteCmd(".") == nil && c.clFlush() == nil {
		c.clRead(c.opts.DataTermTimeout)
	}
}

// clSendData streams body after a 354 and reads the verdict.
func (c *Client) clSendData(body io.Reader, reply *string, perRcpt *[]error) error {
	dw := &clientDataWriter{c: c, dw: textwire.NewDotWriter(c.bw)}
	if c.copyBuf == nil {
		c.copyBuf = make([]byte, 32<<10)
	}
	if _, err := io.CopyBuffer(dw, body, c.copyBuf); err != nil {
		if c.broken != nil {
			return c.broken
		}
		// Never end the data after a body error: close instead, so the
		// server discards the partial message.
		return c.clFail(fmt.Errorf("smtp: reading message body: %w", err))
	}
	c.clSetWriteDeadline(c.opts.DataBlockTimeout)
	if err := dw.dw.Close(); err != nil {
		return c.clFail(err)
	}
	if err := c.bw.Flush(); err != nil {
		return c.clFail(err)
	}
	return c.clDataReplies(reply, perRcpt)
}

// clientBDATWindow is how many BDAT chunks may await their 250 at once
// when the server offers PIPELINING, so that a large message over a slow
// link is not limited to one chunk per round trip.
const clientBDATWindow = 4

// clSendBDAT sends body in BDAT chunks (RFC 3030 §2): "BDAT size" then
// exactly size octets, the last chunk marked LAST. first, when not nil, is
// a full chunk already read from body. With PIPELINING (and not LMTP),
// up to clientBDATWindow chunks are in flight; otherwise each chunk's 250
// is awaited before the next goes out. After a refused chunk no further
// chunk is sent (§2) and the refusal is returned.
func (c *Client) clSendBDAT(body io.Reader, first []byte, reply *string, perRcpt *[]error) error {
	buf := c.clChunkBuf(int64(c.opts.ChunkSize))
	window := 1
	if c.clHas("PIPELINING") && !c.lmtp {
		window = clientBDATWindow
	}
	outstanding := 0
	var chunkErr error
	readChunkReply := func() error {
		outstanding--
		if err := c.clRead(c.opts.DataBlockTimeout); err != nil {
			return err
		}
		if c.rr.code != 250 && chunkErr == nil {
			chunkErr = c.rr.err()
		}
		return nil
	}
	var n int
	var rerr error
	if first != nil {
		n = len(first)
	} else {
		n, rerr = io.ReadFull(body, buf)
	}
	for {
		last := rerr == io.EOF || rerr == io.ErrUnexpectedEOF
		if rerr != nil && !last {
			// Close rather than end the message: the server then drops
			// the partial message.
			return c.clFail(fmt.Errorf("smtp: reading message body: %w", rerr))
		}
		c.clWriteBDATHeader(n, last)
		c.clSetWriteDeadline(c.opts.DataBlockTimeout)
		if _, err := c.bw.Write(buf[:n]); err != nil {
			return c.clFail(err)
		}
		if err := c.bw.Flush(); err != nil {
			return c.clFail(err)
		}
		if last {
			for outstanding > 0 {
				if err := readChunkReply(); err != nil {
					return err
				}
			}
			if chunkErr != nil {
				c.clRead(c.opts.DataTermTimeout) // the LAST chunk's refusal
				return chunkErr
			}
			return c.clDataReplies(reply, perRcpt)
		}
		outstanding++
		// Wait when the window is full; take replies that already arrived.
		for outstanding >= window || (outstanding > 0 && c.br.Buffered() > 0) {
			if err := readChunkReply(); err != nil {
				return err
			}
		}
		if chunkErr != nil {
			for outstanding > 0 {
				if err := readChunkReply(); err != nil {
					return err
				}
			}
			return chunkErr
		}
		n, rerr = io.ReadFull(body, buf)
	}
}
