package textwire

import (
	"bufio"
	"errors"
	"io"
)

// DefaultMaxLine is the line limit used by ReadLine when max <= 0. It is
// well above the 512-octet SMTP command line (RFC 5321 §4.5.3.1.4) and the
// 1000-octet text line (RFC 5321 §4.5.3.1.6), so protocols pass their own,
// smaller limit where the RFC gives one.
const DefaultMaxLine = 8192

// ErrLineTooLong is returned by ReadLine for a line longer than its limit.
// The reader has already discarded input through the next LF, so the
// caller can answer with an error reply (500, -ERR, BAD) and read the next
// command.
var ErrLineTooLong = errors.New("textwire: line too long")

// ReadLine reads one line and returns it without its line ending. A line
// ends at CRLF; a bare LF is accepted as well (ReadLineEnding reports it).
//
// The returned slice points into r's buffer when the line fits in it and is
// valid only until the next read from r. max is the longest line accepted,
// counted without the line ending; max <= 0 means DefaultMaxLine. A longer
// line yields ErrLineTooLong after the input through the next LF has been
// discarded (resynchronisation). At end of input ReadLine returns io.EOF if
// no byte was read and io.ErrUnexpectedEOF for an unterminated last line.
func ReadLine(r *bufio.Reader, max int) ([]byte, error) {
	line, _, err := ReadLineEnding(r, max)
	return line, err
}

// ReadLineEnding is ReadLine that also reports whether the line ended with
// a bare LF instead of CRLF, for protocols that must refuse bare line
// endings (RFC 5321 §2.3.8).
func ReadLineEnding(r *bufio.Reader, max int) (line []byte, bareLF bool, err error) {
	if max <= 0 {
		max = DefaultMaxLine
	}
	line, err = r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		// max+2 leaves room for the CRLF itself.
		line, err = readLongLine(r, line, max+2)
	}
	if err != nil {
		if err == io.EOF && len(line) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return nil, false, err
	}
	n := len(line) - 1 // drop LF
	if n > 0 && line[n-1] == '\r' {
		n--
	} else {
		bareLF = true
	}
	if n > max {
		return nil, bareLF, ErrLineTooLong
	}
	return line[:n], bareLF, nil
}

// readLongLine continues a line that did not fit in r's buffer. It copies
// while the line stays within limit and otherwise discards through the next
// LF and returns ErrLineTooLong.
func readLongLine(r *bufio.Reader, first []byte, limit int) ([]byte, error) {
	if len(first) >= limit {
		return nil, discardLine(r)
	}
	buf := append(make([]byte, 0, 2*len(first)), first...)
	for {
		frag, err := r.ReadSlice('\n')
		if len(buf)+len(frag) > limit {
			if err == nil {
				return nil, ErrLineTooLong
			}
			if err == bufio.ErrBufferFull {
				return nil, discardLine(r)
			}
			return nil, err
		}
		buf = append(buf, frag...)
		if err != bufio.ErrBufferFull {
			return buf, err
		}
	}
}

// discardLine drops input through the next LF. It uses only r's buffer, so
// memory stays bounded whatever the peer sends; the connection's read
// deadline bounds the time.
func discardLine(r *bufio.Reader) error {
	for {
		_, err := r.ReadSlice('\n')
		switch err {
		case nil:
			return ErrLineTooLong
		case bufio.ErrBufferFull:
			continue
		default:
			return err
		}
	}
}
