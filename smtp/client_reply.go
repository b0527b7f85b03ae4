package smtp

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"

	"github.com/mailwire/mailwire/internal/textwire"
)

// ErrMalformedReply reports a reply that does not follow RFC 5321 §4.2
// (bad code, mixed codes in one multi-line reply, a line or a reply over the
// client's limits). The connection is unusable afterwards.
var ErrMalformedReply = errors.New("smtp: malformed reply")

// clientReplyReader reads one SMTP reply at a time from a bufio.Reader,
// reusing its buffers so that a reply costs no allocation.
type clientReplyReader struct {
	r        *bufio.Reader
	maxLine  int  // octets per line, CRLF excluded
	maxLines int  // lines per reply
	enhanced bool // parse RFC 2034 enhanced status codes

	// The last reply read.
	code  int
	enh   [3]int
	text  []byte // lines' text, codes stripped, joined by '\n'
	lines int
}

// read reads one complete reply (RFC 5321 §4.2.1: lines "xyz-text" followed
// by a last line "xyz text" or "xyz"; every line carries the same code).
func (rr *clientReplyReader) read() error {
	rr.code, rr.enh, rr.text, rr.lines = 0, [3]int{}, rr.text[:0], 0
	for {
		line, err := rr.readLine()
		if err != nil {
			return err
		}
		if rr.lines == rr.maxLines {
			return fmt.Errorf("%w: more than %d lines", ErrMalformedReply, rr.maxLines)
		}
		code, more, text, ok := clParseReplyLine(line)
		if !ok {
			return fmt.Errorf("%w: %q", ErrMalformedReply, clTruncate(line))
		}
		if rr.lines == 0 {
			rr.code = code
		} else if code != rr.code {
			return fmt.Errorf("%w: code %d inside a %d reply", ErrMalformedReply, code, rr.code)
		}
		if rr.enhanced {
			if enh, rest, ok := clParseEnhanced(code, text); ok {
				if rr.lines == 0 {
					rr.enh = enh
				}
				text = rest
			}
		}
		if rr.lines > 0 {
			rr.text = append(rr.text, '\n')
		}
		rr.text = append(rr.text, text...)
		rr.lines++
		if !more {
			return nil
		}
	}
}

// readLine returns the next line without its line ending (a bare LF is
// accepted: being lenient on replies costs nothing). The slice is valid until
// the next read.
func (rr *clientReplyReader) readLine() ([]byte, error) {
	line, err := textwire.ReadLine(rr.r, rr.maxLine)
	if err == textwire.ErrLineTooLong {
		return nil, fmt.Errorf("%w: line longer than %d octets", ErrMalformedReply, rr.maxLine)
	}
	return line, err
}

// clParseReplyLine splits "xyz-text", "xyz text" or "xyz". The first digit
// is 2–5 (RFC 5321 §4.2.1; 1yz is not used by SMTP), the others 0–9.
func clParseReplyLine(line []byte) (code int, more bool, text []byte, ok bool) {
	if len(line) < 3 || line[0] < '2' || line[0] > '5' ||
		line[1] < '0' || line[1] > '9' || line[2] < '0' || line[2] > '9' {
		return 0, false, nil, false
	}
	code = int(line[0]-'0')*100 + int(line[1]-'0')*10 + int(line[2]-'0')
	if len(line) == 3 {
		return code, false, nil, true
	}
	switch line[3] {
	case '-':
		more = true
	case ' ':
	default:
		return 0, false, nil, false
	}
	return code, more, line[4:], true
}

// clParseEnhanced strips a leading RFC 3463 status code "class.subject.detail"
// (class 2, 4 or 5, matching the reply code's first digit; subject and
// detail 1–3 digits) from a line's text.
func clParseEnhanced(code int, text []byte) (enh [3]int, rest []byte, ok bool) {
	i := 0
	for part := 0; part < 3; part++ {
		start := i
		n := 0
		for i < len(text) && text[i] >= '0' && text[i] <= '9' && i-start < 3 {
			n = n*10 + int(text[i]-'0')
			i++
		}
		digits := i - start
		if digits == 0 || (part == 0 && digits != 1) {
			return enh, text, false
		}
		enh[part] = n
		if part < 2 {
			if i >= len(text) || text[i] != '.' {
				return enh, text, false
			}
			i++
		}
	}
	if i < len(text) && text[i] != ' ' {
		return [3]int{}, text, false
	}
	if enh[0] != code/100 || (enh[0] != 2 && enh[0] != 4 && enh[0] != 5) {
		return [3]int{}, text, false
	}
	return enh, bytes.TrimLeft(text[i:], " "), true
}

// clTruncate shortens a line for an error message.
func clTruncate(b []byte) []byte {
	if len(b) > 64 {
		return b[:64]
	}
	return b
}

// err returns the last reply as an *Error.
func (rr *clientReplyReader) err() *Error {
	return &Error{Code: rr.code, EnhancedCode: rr.enh, Message: string(rr.text)}
}
