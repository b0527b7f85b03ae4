package imap

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime/quotedprintable"
	"strings"
)

// Errors of section lookup.
var (
	// ErrNoSuchSection: the section names a part that does not exist, or
	// HEADER/TEXT of a part that is not an encapsulated message. Servers
	// commonly answer with an empty string (or NIL) for such a section.
	ErrNoSuchSection = errors.New("imap: no such section")
	// ErrUnknownCTE: BINARY of a part whose Content-Transfer-Encoding the
	// server cannot decode; answer NO [UNKNOWN-CTE] (RFC 3516 §4.3).
	ErrUnknownCTE = errors.New("imap: unknown content-transfer-encoding")
)

// MaxHeaderFieldsRead bounds the header bytes read to answer
// HEADER.FIELDS(.NOT); fields beyond it are not returned.
const MaxHeaderFieldsRead = 4 << 20

// SectionRange returns the byte range in the message of
// BODY[part.spec] before any partial (RFC 9051 §6.4.5). For HEADER.FIELDS
// and HEADER.FIELDS.NOT it is the header to filter.
func (s *Structure) SectionRange(part []int, spec PartSpecifier) (off, size int64, err error) {
	root := s.Body
	if len(part) == 0 {
		switch spec {
		case PartSpecifierNone:
			return 0, s.Size, nil
		case PartSpecifierHeader, PartSpecifierHeaderFields, PartSpecifierHeaderFieldsNot:
			return root.HeaderOffset, root.HeaderSize, nil
		case PartSpecifierText:
			return root.BodyOffset(), root.Size, nil
		}
		return 0, 0, ErrNoSuchSection
	}
	p := root.Part(part)
	if p == nil {
		return 0, 0, ErrNoSuchSection
	}
	switch spec {
	case PartSpecifierNone:
		return p.BodyOffset(), p.Size, nil
	case PartSpecifierMIME:
		return p.HeaderOffset, p.HeaderSize, nil
	}
	// HEADER, HEADER.FIELDS(.NOT) and TEXT need an encapsulated message.
	if !p.IsMessage() || p.Message == nil {
		return 0, 0, ErrNoSuchSection
	}
	m := p.Message
	if spec == PartSpecifierText {
		return m.BodyOffset(), m.Size, nil
	}
	return m.HeaderOffset, m.HeaderSize, nil
}

// Section returns the content of BODY[section]<partial> read from the
// message in r, and its length. The data streams from r, except
// HEADER.FIELDS(.NOT) which is assembled in memory (bounded by
// MaxHeaderFieldsRead). A partial that starts beyond the end gives an
// empty result (RFC 9051 §6.4.5).
func (s *Structure) Section(r io.ReaderAt, item *FetchItemBodySection) (io.Reader, int64, error) {
	off, size, err := s.SectionRange(item.Part, item.Specifier)
	if err != nil {
		return nil, 0, err
	}
	if item.Specifier == PartSpecifierHeaderFields || item.Specifier == PartSpecifierHeaderFieldsNot {
		hdr := make([]byte, min(size, MaxHeaderFieldsRead))
		n, err := r.ReadAt(hdr, off)
		if err != nil && !(err == io.EOF && n == len(hdr)) {
			return nil, 0, err
		}
		out := FilterHeaderFields(hdr, item.HeaderFields, item.Specifier == PartSpecifierHeaderFieldsNot)
		out = applyPartialBytes(out, item.Partial)
		return bytes.NewReader(out), int64(len(out)), nil
	}
	off, size = applyPartial(off, size, item.Partial)
	return io.NewSectionReader(r, off, size), size, nil
}

func applyPartial(off, size int64, p *SectionPartial) (int64, int64) {
	if p == nil {
		return off, size
	}
	if p.Offset >= size {
		return off + size, 0
	}
	return off + p.Offset, min(size-p.Offset, p.Size)
}

func applyPartialBytes(b []byte, p *SectionPartial) []byte {
	off, n := applyPartial(0, int64(len(b)), p)
	return b[off : off+n]
}

// FilterHeaderFields returns the fields of a header block whose names are
// (HEADER.FIELDS) or are not (HEADER.FIELDS.NOT, not true) in names,
// case-insensitively, in their original order and form, followed by the
// blank line (RFC 9051 §6.4.5).
func FilterHeaderFields(hdr []byte, names []string, not bool) []byte {
	var out []byte
	// Strip the blank line that ends the header block, if present.
	for len(hdr) > 0 {
		field, rest := nextField(hdr)
		hdr = rest
		if isBlankLine(field) {
			break
		}
		name := field
		if i := bytes.IndexByte(field, ':'); i >= 0 {
			name = bytes.TrimRight(field[:i], " \t")
		} else {
			continue
		}
		match := false
		for _, n := range names {
			if eqFold(name, n) {
				match = true
				break
			}
		}
		if match != not {
			out = append(out, field...)
			if field[len(field)-1] != '\n' {
				out = append(out, '\r', '\n')
			}
		}
	}
	return append(out, '\r', '\n')
}

func isBlankLine(b []byte) bool {
	return len(b) == 1 && b[0] == '\n' || len(b) == 2 && b[0] == '\r' && b[1] == '\n'
}

// nextField splits off the first field (with its continuation lines).
func nextField(hdr []byte) (field, rest []byte) {
	end := 0
	for {
		i := bytes.IndexByte(hdr[end:], '\n')
		if i < 0 {
			return hdr, nil
		}
		end += i + 1
		if end == len(hdr) || (hdr[end] != ' ' && hdr[end] != '\t') || isBlankLine(hdr[:end]) {
			return hdr[:end], hdr[end:]
		}
	}
}

// BinaryReader returns the content of BINARY[part] decoded from its
// Content-Transfer-Encoding (RFC 3516, RFC 9051 §6.4.5), without partial.
// An empty part is the whole message; multiparts and messages are
// returned as they are (their encoding is an identity one).
func (s *Structure) BinaryReader(r io.ReaderAt, part []int) (io.Reader, error) {
	if len(part) == 0 {
		return io.NewSectionReader(r, 0, s.Size), nil
	}
	p := s.Body.Part(part)
	if p == nil {
		return nil, ErrNoSuchSection
	}
	body := io.NewSectionReader(r, p.BodyOffset(), p.Size)
	if p.IsMultipart() || p.IsMessage() {
		return body, nil
	}
	return DecodeTransfer(body, p.Encoding)
}

// DecodeTransfer wraps r in a decoder for the Content-Transfer-Encoding
// enc (RFC 2045 §6): base64 (lenient about line breaks and garbage) and
// quoted-printable are decoded; 7bit, 8bit and binary pass through.
func DecodeTransfer(r io.Reader, enc string) (io.Reader, error) {
	switch strings.ToUpper(strings.TrimSpace(enc)) {
	case "", "7BIT", "8BIT", "BINARY":
		return r, nil
	case "BASE64":
		return base64.NewDecoder(base64.StdEncoding, &base64Filter{r: bufio.NewReader(r)}), nil
	case "QUOTED-PRINTABLE":
		return quotedprintable.NewReader(r), nil
	}
	return nil, ErrUnknownCTE
}

// base64Filter drops every byte outside the base64 alphabet and stops at
// the first pad run, so that broken line lengths or trailing junk still
// decode (RFC 2045 §6.8: ignore characters not in the alphabet).
type base64Filter struct {
	r    *bufio.Reader
	done bool
}

func (f *base64Filter) Read(p []byte) (int, error) {
	if f.done {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) {
		c, err := f.r.ReadByte()
		if err != nil {
			if n == 0 {
				return 0, err
			}
			return n, nil
		}
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
			p[n] = c
			n++
		case c == '=':
			p[n] = c
			n++
			// consume the rest of the padding, then stop
			for n < len(p) {
				c2, err := f.r.ReadByte()
				if err != nil || c2 != '=' {
					break
				}
				p[n] = c2
				n++
			}
			f.done = true
			return n, nil
		}
	}
	return n, nil
}

// BinarySize returns the decoded size of BINARY[part] (BINARY.SIZE) by
// decoding the part once.
func (s *Structure) BinarySize(r io.ReaderAt, part []int) (int64, error) {
	d, err := s.BinaryReader(r, part)
	if err != nil {
		return 0, err
	}
	return io.Copy(io.Discard, d)
}

// BinarySection returns BINARY[part]<partial> decoded, and its length.
// It decodes the part twice (once for the size the literal announces).
func (s *Structure) BinarySection(r io.ReaderAt, item *FetchItemBinarySection) (io.Reader, int64, error) {
	size, err := s.BinarySize(r, item.Part)
	if err != nil {
		return nil, 0, err
	}
	d, err := s.BinaryReader(r, item.Part)
	if err != nil {
		return nil, 0, err
	}
	off, n := applyPartial(0, size, item.Partial)
	if off > 0 {
		if _, err := io.CopyN(io.Discard, d, off); err != nil {
			return nil, 0, err
		}
	}
	return io.LimitReader(d, n), n, nil
}
