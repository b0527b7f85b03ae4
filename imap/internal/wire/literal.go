package wire

import (
	"bufio"
	"io"
)

// Literal is the header of a literal: {size}, {size+} or ~{size} (RFC 9051
// §4.3, RFC 7888, RFC 3516 literal8).
type Literal struct {
	Size    int64
	NonSync bool // {n+}: LITERAL+/LITERAL-, no continuation request
	Binary  bool // ~{n}: literal8, may contain NUL
}

// IsLiteralNext reports whether a literal header follows.
func (d *Decoder) IsLiteralNext() bool {
	c, err := d.Peek()
	return err == nil && (c == '{' || c == '~')
}

// BeginLiteral reads a literal header up to and including its CRLF, but
// not the data. The caller then checks the size and either calls
// LiteralBody (which sends the continuation request for a synchronizing
// literal) or RefuseLiteral.
func (d *Decoder) BeginLiteral() (Literal, error) {
	var l Literal
	if d.Accept('~') {
		l.Binary = true
	}
	if err := d.Expect('{'); err != nil {
		return l, err
	}
	n, err := d.number(1<<63 - 1)
	if err != nil {
		return l, err
	}
	l.Size = int64(n)
	if d.Accept('+') {
		l.NonSync = true
	}
	if err := d.Expect('}'); err != nil {
		return l, err
	}
	// The CRLF after "}" is mandatory; CRLF also accepts a bare LF.
	if err := d.CRLF(); err != nil {
		return l, err
	}
	d.eol = false
	if l.NonSync && d.limits.MaxNonSyncLiteral > 0 && l.Size > d.limits.MaxNonSyncLiteral {
		d.RefuseLiteral(l)
		return l, &LiteralError{Size: l.Size, NonSync: true}
	}
	return l, nil
}

// RefuseLiteral records that the data of l will not be read as a value:
// a synchronizing literal ends the command (the peer waits for a
// continuation that is never sent); the octets of a non-synchronizing one
// are swallowed by the next read or by SkipLine.
//
// Without an OnSyncLiteral hook (a client reading responses) every literal
// is sent without waiting, so its octets are always swallowed.
func (d *Decoder) RefuseLiteral(l Literal) {
	if l.NonSync || d.OnSyncLiteral == nil {
		d.litLeft = l.Size
	} else {
		d.lineEnded = true
	}
}

// PendingLiteral returns the octets of a refused or partly read
// non-synchronizing literal still to be swallowed. A server may prefer to
// close the connection (BYE) over reading a huge amount (RFC 7888 §4).
func (d *Decoder) PendingLiteral() int64 { return d.litLeft }

// LiteralBody returns a reader of the literal's data, after sending the
// continuation request (OnSyncLiteral) for a synchronizing literal. The
// data does not count against MaxCommand. Whatever the caller leaves unread
// is discarded before the next token is decoded.
func (d *Decoder) LiteralBody(l Literal) (io.Reader, error) {
	if !l.NonSync && d.OnSyncLiteral != nil {
		if err := d.OnSyncLiteral(l.Size); err != nil {
			d.lineEnded = true
			return nil, err
		}
	}
	d.litLeft = l.Size
	return &literalReader{d: d}, nil
}

type literalReader struct{ d *Decoder }

func (r *literalReader) Read(p []byte) (int, error) {
	d := r.d
	if d.litLeft <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > d.litLeft {
		p = p[:d.litLeft]
	}
	n, err := d.r.Read(p)
	d.litLeft -= int64(n)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// WriteTo lets io.Copy move literal data without an extra buffer.
func (r *literalReader) WriteTo(w io.Writer) (int64, error) {
	d := r.d
	n, err := io.CopyN(w, d.r, d.litLeft)
	d.litLeft -= n
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// literalString reads a literal into a string, bounded by MaxLiteral and
// the command budget.
func (d *Decoder) literalString() (string, error) {
	l, err := d.BeginLiteral()
	if err != nil {
		return "", err
	}
	if l.Size > d.limits.MaxLiteral || l.Size > int64(d.limits.MaxCommand-d.used) {
		d.RefuseLiteral(l)
		return "", &LiteralError{Size: l.Size, NonSync: l.NonSync}
	}
	if !l.NonSync && d.OnSyncLiteral != nil {
		if err := d.OnSyncLiteral(l.Size); err != nil {
			d.lineEnded = true
			return "", err
		}
	}
	buf := make([]byte, l.Size)
	if _, err := io.ReadFull(d.r, buf); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return "", err
	}
	d.used += int(l.Size)
	return string(buf), nil
}

// SkipLine discards the rest of the current command so that the next
// command can be read: it reads to the end of the line and swallows every
// non-synchronizing literal announced at a line end (RFC 7888 §3); a
// synchronizing literal announced at the end ends the command, since the
// peer waits for a continuation. It does nothing if the command's final
// CRLF was already read. Memory use is bounded by the bufio.Reader.
func (d *Decoder) SkipLine() error {
	defer d.BeginCommand()
	if d.eol || d.lineEnded {
		d.litLeft = 0
		return nil
	}
	for {
		if err := d.drain(); err != nil {
			return err
		}
		var tail [32]byte
		nt := 0
		for {
			chunk, err := d.r.ReadSlice('\n')
			if len(chunk) >= len(tail) {
				nt = copy(tail[:], chunk[len(chunk)-len(tail):])
			} else {
				// shift old tail left and append chunk
				keep := min(nt, len(tail)-len(chunk))
				copy(tail[:], tail[nt-keep:nt])
				nt = keep + copy(tail[keep:], chunk)
			}
			if err == bufio.ErrBufferFull {
				continue
			}
			if err != nil {
				return err
			}
			break
		}
		l, ok := literalAtEnd(tail[:nt])
		if !ok || (!l.NonSync && d.OnSyncLiteral != nil) {
			return nil
		}
		d.litLeft = l.Size
	}
}

// literalAtEnd parses a "{n}", "{n+}" (or literal8) header that ends a line.
func literalAtEnd(line []byte) (Literal, bool) {
	var l Literal
	n := len(line)
	if n > 0 && line[n-1] == '\n' {
		n--
	}
	if n > 0 && line[n-1] == '\r' {
		n--
	}
	if n < 3 || line[n-1] != '}' {
		return l, false
	}
	n--
	if line[n-1] == '+' {
		l.NonSync = true
		n--
	}
	end := n
	for n > 0 && isDigit(line[n-1]) {
		n--
	}
	if n == end || n == 0 || line[n-1] != '{' || end-n > 18 {
		return l, false
	}
	for _, c := range line[n:end] {
		l.Size = l.Size*10 + int64(c-'0')
	}
	return l, true
}
