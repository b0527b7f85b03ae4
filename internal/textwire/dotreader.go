package textwire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// Errors returned by DotReader. After ErrBareLineEnding or ErrTooLarge
// the caller calls Drain to consume the rest of the data up to the real
// terminator, so the connection stays in step with the peer.
var (
	// ErrBareLineEnding reports a CR not followed by LF, or an LF not
	// preceded by CR, under the BareReject policy (RFC 5321 §2.3.8).
	ErrBareLineEnding = errors.New("textwire: bare CR or LF in data")
	// ErrTooLarge reports data larger than DotReaderOptions.MaxSize.
	ErrTooLarge = errors.New("textwire: data exceeds maximum size")
	// ErrDrainLimit is returned by Drain when more than DrainLimit octets
	// were discarded without reaching the terminator; the caller must
	// close the connection.
	ErrDrainLimit = errors.New("textwire: drain limit exceeded before end of data")
)

// BarePolicy says what a DotReader does with a bare CR or bare LF.
type BarePolicy int

const (
	// BareReject (the default, for servers) makes Read fail with
	// ErrBareLineEnding. Drain still finds the real terminator.
	BareReject BarePolicy = iota
	// BareRepair replaces a bare CR or bare LF by CRLF in the output,
	// for clients that read from lenient peers. It never changes where
	// the data ends: the terminator is still only <CRLF>.<CRLF>.
	BareRepair
)

// DefaultDrainLimit is the DrainLimit used when the option is zero.
const DefaultDrainLimit = 64 << 20

// DotReaderOptions configures a DotReader. The zero value is the strict
// server policy with no size limit.
type DotReaderOptions struct {
	// Bare is the policy for bare CR and bare LF.
	Bare BarePolicy
	// MaxSize is the largest number of octets Read returns (after
	// removing dot-stuffing); beyond it Read fails with ErrTooLarge.
	// Zero or negative means no limit.
	MaxSize int64
	// DrainLimit bounds the octets Drain discards looking for the
	// terminator. Zero means DefaultDrainLimit.
	DrainLimit int64
}

type dotState uint8

const (
	stData  dotState = iota // inside a line
	stBOL                   // at the beginning of a line
	stDot                   // read "." at the beginning of a line
	stDotCR                 // read ".\r" at the beginning of a line
	stCR                    // read "\r" inside a line
	stEOF                   // read the terminator
)

// DotReader reads dot-stuffed data (RFC 5321 §4.5.2, RFC 1939 §3) and
// returns it with the stuffing removed. It returns io.EOF only after
// <CRLF>.<CRLF>, where the CRLF before the dot is a real one (or the dot
// starts the data); the smuggling variants <LF>.<LF>, <CR>.<CR>,
// <LF>.<CR><LF> and <CR><LF>.<LF> never end the data. Input that ends
// before the terminator yields io.ErrUnexpectedEOF.
type DotReader struct {
	r    *bufio.Reader
	opts DotReaderOptions

	state dotState
	// soft is set when the current line began after a bare line ending:
	// a dot there is removed like stuffing but can never terminate.
	soft     bool
	draining bool
	err      error

	pend  [2]byte // output owed to the caller ("\r\n")
	npend int

	size int64 // octets returned
	wire int64 // octets consumed from r
}

// NewDotReader returns a DotReader that reads from r. The data is taken
// to start at the beginning of a line, right after the command that
// introduced it.
func NewDotReader(r *bufio.Reader, opts DotReaderOptions) *DotReader {
	d := new(DotReader)
	d.Reset(r, opts)
	return d
}

// Reset makes d read a new message from r, so a connection can reuse one
// DotReader for all its messages.
func (d *DotReader) Reset(r *bufio.Reader, opts DotReaderOptions) {
	if opts.DrainLimit <= 0 {
		opts.DrainLimit = DefaultDrainLimit
	}
	*d = DotReader{r: r, opts: opts, state: stBOL}
}

// Size returns the number of octets returned so far.
func (d *DotReader) Size() int64 { return d.size }

// Read implements io.Reader.
func (d *DotReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && d.err == nil {
		if d.npend > 0 {
			c := copy(p[n:], d.pend[:d.npend])
			copy(d.pend[:], d.pend[c:d.npend])
			d.npend -= c
			n += c
			continue
		}
		if d.state == stEOF {
			d.err = io.EOF
			break
		}
		if d.r.Buffered() == 0 {
			if n > 0 {
				break // return what we have rather than block
			}
			if _, err := d.r.Peek(1); err != nil {
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				d.err = err
				break
			}
		}
		buf, _ := d.r.Peek(d.r.Buffered())
		if d.state == stData {
			if room := len(p) - n; len(buf) > room {
				buf = buf[:room]
			}
			out, used := d.scan(buf)
			n += copy(p[n:], buf[:out])
			d.consume(used)
			continue
		}
		d.step(buf[0])
	}
	if !d.draining {
		d.size += int64(n)
		if d.opts.MaxSize > 0 && d.size > d.opts.MaxSize && (d.err == nil || d.err == io.EOF) {
			d.err = ErrTooLarge
		}
	}
	if n > 0 && d.err == io.EOF {
		return n, nil
	}
	if n > 0 && d.err != nil && d.err != ErrTooLarge {
		// Hand over the good data first; the error comes next call.
		return n, nil
	}
	return n, d.err
}

// scan copies plain line data: it returns how many octets of buf are
// output verbatim and how many are consumed. It stops before anything
// that needs a state change (a dot at the start of a line, a bare line
// ending, a CR at the end of buf). The hot path: two bytes.IndexByte per
// line and no per-byte calls.
func (d *DotReader) scan(buf []byte) (out, used int) {
	pos := 0
	for pos < len(buf) {
		rest := buf[pos:]
		lf := bytes.IndexByte(rest, '\n')
		seg := rest
		if lf >= 0 {
			seg = rest[:lf]
		}
		cr := bytes.IndexByte(seg, '\r')
		switch {
		case lf >= 0 && cr == lf-1 && cr >= 0: // CRLF
			pos += lf + 1
			d.soft = false
			if pos == len(buf) {
				d.state = stBOL
				return pos, pos
			}
			if buf[pos] == '.' {
				d.state = stDot
				return pos, pos + 1
			}
		case cr >= 0 && cr == len(rest)-1: // CR at the end of buf
			d.state = stCR
			return pos + cr, pos + cr + 1
		case cr >= 0: // CR followed by something other than LF
			d.bare()
			return pos + cr, pos + cr + 1
		case lf >= 0: // LF without CR
			d.bare()
			return pos + lf, pos + lf + 1
		default:
			return len(buf), len(buf)
		}
	}
	return pos, pos
}

// step advances the state machine by one octet outside stData.
func (d *DotReader) step(c byte) {
	switch d.state {
	case stBOL:
		if c == '.' {
			d.consume(1)
			d.state = stDot
			return
		}
		d.state = stData
	case stDot:
		if c == '\r' {
			d.consume(1)
			d.state = stDotCR
			return
		}
		// A stuffed dot: drop it, the rest is line data.
		d.state = stData
	case stDotCR:
		if c == '\n' {
			d.consume(1)
			if !d.soft {
				d.state = stEOF // <CRLF>.<CRLF>
				return
			}
			// "." alone on a line after a bare ending: data, not the end.
			d.soft = false
			d.emitCRLF()
			d.state = stBOL
			return
		}
		// ".\r" then not LF: the dot is dropped, the CR is bare.
		d.bare()
	case stCR:
		if c == '\n' {
			d.consume(1)
			d.soft = false
			d.emitCRLF()
			d.state = stBOL
			return
		}
		d.bare() // the CR was consumed already
	}
}

// bare handles a bare CR or LF that has been (or is being) consumed: the
// next octet starts a "soft" line that can never end the data.
func (d *DotReader) bare() {
	d.state = stBOL
	d.soft = true
	if d.opts.Bare == BareRepair || d.draining {
		d.emitCRLF()
		return
	}
	d.err = ErrBareLineEnding
}

func (d *DotReader) emitCRLF() {
	if d.draining {
		return
	}
	d.pend[0], d.pend[1] = '\r', '\n'
	d.npend = 2
}

func (d *DotReader) consume(n int) {
	d.r.Discard(n)
	d.wire += int64(n)
}

// Drain discards the rest of the data through the terminator, so the
// caller can answer the command and go on reading commands. It is what a
// server calls after ErrBareLineEnding or ErrTooLarge (or when it rejects
// a message for another reason). It returns nil at the terminator,
// ErrDrainLimit if DrainLimit octets were discarded without finding it,
// or the read error (io.ErrUnexpectedEOF at end of input). After a non-nil
// result the connection is out of step and must be closed.
func (d *DotReader) Drain() error {
	if d.err == io.EOF || d.state == stEOF {
		return nil
	}
	if d.err != nil && d.err != ErrBareLineEnding && d.err != ErrTooLarge {
		return d.err
	}
	d.err = nil
	d.draining = true
	d.npend = 0
	start := d.wire
	var scratch [4096]byte
	for {
		_, err := d.Read(scratch[:])
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if d.wire-start > d.opts.DrainLimit {
			d.err = ErrDrainLimit
			return ErrDrainLimit
		}
	}
}
