package pop3

import (
	"bytes"
	"io"
)

// MessageSize returns the number of octets RETR sends for the message r
// holds, not counting dot-stuffing: bare CR and bare LF count as CRLF, and
// a final CRLF is added when the message does not end with a line end. A
// Backend whose stored messages are not CRLF-clean uses it to compute
// MessageInfo.Size (RFC 1939 §11: the size must be exact).
func MessageSize(r io.Reader) (int64, error) {
	var sc sizeCounter
	buf := chunkPool.Get().(*[]byte)
	defer chunkPool.Put(buf)
	for {
		n, err := r.Read(*buf)
		sc.Write((*buf)[:n])
		if err == io.EOF {
			return sc.Size(), nil
		}
		if err != nil {
			return 0, err
		}
	}
}

// sizeCounter is an io.Writer that counts CRLF-normalised octets.
type sizeCounter struct {
	n         int64
	pendingCR bool // the last octet was a CR
	bol       bool // the last octet ended a line
	any       bool
}

func (s *sizeCounter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	s.any = true
	s.n += int64(len(p))
	i := 0
	wasCR := s.pendingCR
	if s.pendingCR {
		s.pendingCR = false
		if p[0] != '\n' {
			s.n++ // the previous bare CR becomes CRLF
		}
	}
	for {
		j := bytes.IndexAny(p[i:], "\r\n")
		if j < 0 {
			break
		}
		k := i + j
		if p[k] == '\n' {
			if (k == 0 && !wasCR) || (k > 0 && p[k-1] != '\r') {
				s.n++ // bare LF
			}
		} else if k+1 == len(p) {
			s.pendingCR = true
		} else if p[k+1] != '\n' {
			s.n++ // bare CR
		}
		i = k + 1
	}
	last := p[len(p)-1]
	s.bol = last == '\n' || last == '\r'
	return len(p), nil
}

// Size returns the normalised size including the final CRLF if one is due.
func (s *sizeCounter) Size() int64 {
	n := s.n
	if s.pendingCR {
		n++ // final bare CR becomes CRLF
	}
	if s.any && !s.bol {
		n += 2
	}
	return n
}
