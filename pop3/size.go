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
	n := int64(len(p))
	crFromBefore := false // p[0] == '\n' completes a CR that ended the previous chunk
	if s.pendingCR {
		s.pendingCR = false
		if p[0] == '\n' {
			crFromBefore = true
		} else {
			n++ // that CR was bare: it becomes CRLF
		}
	}
	// Every LF not preceded by CR and every CR not followed by LF gains
	// one octet. Count CRs at SIMD speed; walk only the LFs.
	crs := bytes.Count(p, crOctet)
	pairs, bareLF := 0, 0
	for i := 0; ; {
		j := bytes.IndexByte(p[i:], '\n')
		if j < 0 {
			break
		}
		k := i + j
		switch {
		case k > 0 && p[k-1] == '\r':
			pairs++
		case k == 0 && crFromBefore:
		default:
			bareLF++
		}
		i = k + 1
	}
	bareCR := crs - pairs
	if p[len(p)-1] == '\r' {
		s.pendingCR = true // decided by the next chunk or Size
		bareCR--
	}
	s.n += n + int64(bareLF+bareCR)
	last := p[len(p)-1]
	s.bol = last == '\n' || last == '\r'
	return len(p), nil
}

var crOctet = []byte{'\r'}

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
