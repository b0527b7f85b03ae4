package smtp

import (
	"bufio"
	"bytes"
	"io"
)

// clientCRLFReader turns bare CR and bare LF into CRLF (RFC 5321 §2.3.8)
// for text sent with BDAT, which, unlike DATA, has no dot-stuffing writer
// to do it, and ends non-empty text with CRLF, as DATA does. Lines already
// ending in CRLF pass without copying.
type clientCRLFReader struct {
	br      *bufio.Reader
	out     []byte // normalised octets not yet returned (may alias br's buffer)
	scratch []byte // owned buffer for segments that needed changes
	cr      bool   // the previous segment ended in a CR held back
	open    bool   // octets were returned after the last line ending
	err     error
}

func (x *clientCRLFReader) reset(br *bufio.Reader) {
	x.br, x.out, x.cr, x.open, x.err = br, nil, false, false, nil
}

func (x *clientCRLFReader) Read(p []byte) (int, error) {
	for len(x.out) == 0 {
		if x.err != nil {
			return 0, x.err
		}
		x.fill()
	}
	n := copy(p, x.out)
	x.out = x.out[n:]
	return n, nil
}

func (x *clientCRLFReader) fill() {
	seg, err := x.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		err = nil
	}
	x.err = err
	// Fast path: one proper CRLF line (ReadSlice reports no error then).
	if !x.cr && len(seg) >= 2 && seg[len(seg)-1] == '\n' && bytes.IndexByte(seg, '\r') == len(seg)-2 {
		x.out, x.open = seg, false
		return
	}
	out := x.scratch[:0]
	if x.cr {
		x.cr = false
		out = append(out, '\r', '\n')
		if len(seg) > 0 && seg[0] == '\n' {
			seg = seg[1:]
		}
	}
	for len(seg) > 0 {
		i := bytes.IndexByte(seg, '\r')
		if i < 0 {
			if seg[len(seg)-1] == '\n' { // a bare LF ends the segment
				out = append(out, seg[:len(seg)-1]...)
				out = append(out, '\r', '\n')
			} else {
				out = append(out, seg...)
			}
			break
		}
		out = append(out, seg[:i]...)
		seg = seg[i+1:]
		if len(seg) == 0 { // a CR ends the segment: its LF may follow
			x.cr = true
			break
		}
		out = append(out, '\r', '\n')
		if seg[0] == '\n' {
			seg = seg[1:]
		}
	}
	if x.cr && x.err != nil {
		x.cr = false
		out = append(out, '\r', '\n')
	}
	if len(out) > 0 {
		x.open = out[len(out)-1] != '\n'
	}
	if x.err != nil && x.open {
		out = append(out, '\r', '\n')
		x.open = false
	}
	x.scratch, x.out = out, out
}

var _ io.Reader = (*clientCRLFReader)(nil)
