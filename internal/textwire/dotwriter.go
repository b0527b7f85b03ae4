package textwire

import (
	"bytes"
	"errors"
	"io"
)

var crlf = []byte("\r\n")

// ErrWriterClosed is returned by a DotWriter's Write after Close.
var ErrWriterClosed = errors.New("textwire: write after close")

// DotWriter dot-stuffs data for transmission (RFC 5321 §4.5.2, RFC 1939
// §3): a line starting with "." gets another ".", bare CR and bare LF
// become CRLF (RFC 5321 §2.3.8), and Close writes the terminating ".\r\n".
// Runs of ordinary lines go to the underlying writer in one Write, so give
// it a *bufio.Writer.
type DotWriter struct {
	w         io.Writer
	bol       bool // at the beginning of a line
	pendingCR bool // last octet written was a CR not yet known to be followed by LF
	closed    bool
}

// NewDotWriter returns a DotWriter writing to w.
func NewDotWriter(w io.Writer) *DotWriter {
	return &DotWriter{w: w, bol: true}
}

// Reset makes d write a new message to w.
func (d *DotWriter) Reset(w io.Writer) {
	*d = DotWriter{w: w, bol: true}
}

// Write implements io.Writer.
func (d *DotWriter) Write(p []byte) (int, error) {
	if d.closed {
		return 0, ErrWriterClosed
	}
	total := len(p)
	if d.pendingCR && len(p) > 0 {
		d.pendingCR = false
		if p[0] == '\n' {
			p = p[1:]
		}
		if err := d.put(crlf); err != nil {
			return 0, err
		}
		d.bol = true
	}
	start, pos := 0, 0 // p[start:pos] is verbatim output not yet written
	for pos < len(p) {
		if d.bol {
			d.bol = false
			if p[pos] == '.' {
				if err := d.flush(p[start:pos], "."); err != nil {
					return 0, err
				}
				start = pos
			}
		}
		rest := p[pos:]
		lf := bytes.IndexByte(rest, '\n')
		seg := rest
		if lf >= 0 {
			seg = rest[:lf]
		}
		cr := bytes.IndexByte(seg, '\r')
		switch {
		case lf >= 0 && cr >= 0 && cr == lf-1: // CRLF: keep verbatim
			pos += lf + 1
			d.bol = true
		case cr >= 0 && cr == len(rest)-1: // CR at the end: wait for the next Write
			if err := d.flush(p[start:pos+cr], ""); err != nil {
				return 0, err
			}
			d.pendingCR = true
			return total, nil
		case cr >= 0: // bare CR
			if err := d.flush(p[start:pos+cr], "\r\n"); err != nil {
				return 0, err
			}
			pos += cr + 1
			start = pos
			d.bol = true
		case lf >= 0: // bare LF
			if err := d.flush(p[start:pos+lf], "\r\n"); err != nil {
				return 0, err
			}
			pos += lf + 1
			start = pos
			d.bol = true
		default:
			pos = len(p)
		}
	}
	if err := d.flush(p[start:pos], ""); err != nil {
		return 0, err
	}
	return total, nil
}

func (d *DotWriter) flush(b []byte, extra string) error {
	if len(b) > 0 {
		if err := d.put(b); err != nil {
			return err
		}
	}
	if extra != "" {
		if sw, ok := d.w.(io.StringWriter); ok {
			_, err := sw.WriteString(extra)
			return err
		}
		return d.put([]byte(extra))
	}
	return nil
}

func (d *DotWriter) put(b []byte) error {
	_, err := d.w.Write(b)
	return err
}

// Close ends the data: it completes the last line with CRLF if needed and
// writes ".\r\n". It does not close the underlying writer.
func (d *DotWriter) Close() error {
	if d.closed {
		return nil
	}
	d.closed = true
	end := ".\r\n"
	if d.pendingCR || !d.bol {
		end = "\r\n.\r\n"
	}
	return d.flush(nil, end)
}
