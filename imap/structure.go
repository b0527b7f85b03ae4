package imap

import (
	"bufio"
	"bytes"
	"io"
	"sync"
)

// Structure is the analysed shape of one message: what FETCH ENVELOPE,
// BODY, BODYSTRUCTURE, RFC822.SIZE and BODY[section] need, computed in one
// pass over the message. Body.HeaderOffset is 0 and Body.HeaderSize +
// Body.Size == Size.
type Structure struct {
	Size     int64 // octets of the whole message
	Envelope *Envelope
	Body     *BodyStructure
}

// ParseOptions bound the message-structure parser. Zero fields mean the
// defaults.
type ParseOptions struct {
	// MaxHeaderSize bounds the header bytes kept per entity for parsing
	// (default 256 KiB); bytes beyond it are counted but ignored.
	MaxHeaderSize int
	// MaxDepth bounds nesting of multiparts and message/rfc822 (default
	// 64); deeper entities are reported as opaque leaves.
	MaxDepth int
	// MaxParts bounds the number of entities (default 10000); the rest of
	// the message is treated as the epilogue or body of the last one.
	MaxParts int
}

// Defaults for ParseOptions.
const (
	DefaultMaxHeaderSize = 256 << 10
	DefaultMaxMIMEDepth  = 64
	DefaultMaxParts      = 10000
)

// ParseStructure reads a message once and returns its structure. Memory is
// bounded by ParseOptions (header bytes per entity, depth, parts), never by
// the message size. Any byte sequence is a message: malformed MIME produces
// a best-effort structure, not an error; only read errors are returned.
//
// The parser follows RFC 2045, RFC 2046 and RFC 5322: lines end in CRLF or a
// bare LF; a missing or unparseable Content-Type is text/plain;
// charset=us-ascii (RFC 2045 §5.2), message/rfc822 inside multipart/digest
// (RFC 2046 §5.1.5); a multipart without boundary is text/plain; a part's
// body ends before the line break that precedes the next boundary line
// (RFC 2046 §5.1.1). Lines of a text or message body count its text lines,
// a final line without line break included.
func ParseStructure(r io.Reader, opts *ParseOptions) (*Structure, error) {
	p := parserPool.Get().(*parser)
	defer p.release()
	if opts != nil {
		p.opts = *opts
	}
	if p.opts.MaxHeaderSize <= 0 {
		p.opts.MaxHeaderSize = DefaultMaxHeaderSize
	}
	if p.opts.MaxDepth <= 0 {
		p.opts.MaxDepth = DefaultMaxMIMEDepth
	}
	if p.opts.MaxParts <= 0 {
		p.opts.MaxParts = DefaultMaxParts
	}
	if br, ok := r.(*bufio.Reader); ok && br.Size() >= 4096 {
		p.r = br
	} else {
		br := readerPool.Get().(*bufio.Reader)
		br.Reset(r)
		defer func() { br.Reset(nil); readerPool.Put(br) }()
		p.r = br
	}
	root, env, _ := p.entity(0, "text", "plain", true)
	if p.err != nil {
		return nil, p.err
	}
	return &Structure{Size: p.off, Envelope: env, Body: root}, nil
}

var parserPool = sync.Pool{New: func() any { return &parser{hdr: make([]byte, 0, 4096)} }}

// release returns the parser to the pool, keeping its buffers.
func (p *parser) release() {
	hdr, bounds := p.hdr[:0], p.bounds[:0]
	if cap(hdr) > 64<<10 {
		hdr = nil // do not pin a huge header buffer
	}
	*p = parser{hdr: hdr, bounds: bounds}
	parserPool.Put(p)
}

var readerPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 16<<10) }}

// Analyze parses a message and returns the binary form of its Structure,
// for a store hook such as mailbox Options.Analyze.
func Analyze(r io.Reader) ([]byte, error) {
	s, err := ParseStructure(r, nil)
	if err != nil {
		return nil, err
	}
	return s.MarshalBinary()
}

// term says what ended an entity: a boundary line or the end of input.
type term struct {
	idx   int   // index in parser.bounds, -1 at EOF
	close bool  // "--boundary--"
	start int64 // offset of the boundary line
	eol   int   // length of the line break before it (0, 1 or 2)
}

func (t term) end(from int64) int64 { return max(from, t.start-int64(t.eol)) }

type parser struct {
	r    *bufio.Reader
	opts ParseOptions
	err  error

	off int64 // offset of the next unread byte

	// the chunk most recently read
	chunk     []byte
	lineStart int64 // offset where the chunk's line starts
	atStart   bool  // chunk begins a line
	complete  bool  // chunk ends with LF

	midLine  bool  // the previous chunk did not end the line
	lastEOL  int   // length of the line break of the last complete line
	lf       int64 // LFs read so far
	curLast  byte  // last byte read
	prevLast byte  // last byte before the most recent line break

	// State as of the start of the current line, so that a body ended by
	// the boundary line just read can be measured.
	lfAtLine   int64 // lf before the current line
	lastAtLine byte  // prevLast before the current line
	eolAtLine  int   // lastEOL before the current line

	bounds []string
	parts  int
	hdr    []byte
}

// next reads the next chunk (a line or part of a long line); false at EOF.
func (p *parser) next() bool {
	if p.err != nil {
		return false
	}
	chunk, err := p.r.ReadSlice('\n')
	if err != nil && err != bufio.ErrBufferFull {
		if err != io.EOF {
			p.err = err
			return false
		}
		if len(chunk) == 0 {
			return false
		}
	}
	p.chunk = chunk
	p.atStart = !p.midLine
	if p.atStart {
		p.lineStart = p.off
		p.lfAtLine, p.lastAtLine, p.eolAtLine = p.lf, p.prevLast, p.lastEOL
	}
	p.off += int64(len(chunk))
	p.complete = len(chunk) > 0 && chunk[len(chunk)-1] == '\n'
	p.midLine = !p.complete
	if p.complete {
		eol := 1
		if len(chunk) >= 2 && chunk[len(chunk)-2] == '\r' {
			eol = 2
		}
		if len(chunk) > eol {
			p.prevLast = chunk[len(chunk)-eol-1]
		} else {
			p.prevLast = p.curLast
		}
		p.lastEOL = eol
		p.lf++
	}
	p.curLast = chunk[len(chunk)-1]
	return true
}

// boundary reports which active boundary the current chunk is, if any
// (RFC 2046 §5.1.1: "--" boundary ["--"] *LWSP CRLF). Innermost first.
func (p *parser) boundary() (idx int, close bool) {
	if !p.atStart || len(p.bounds) == 0 {
		return -1, false
	}
	line := p.chunk
	if len(line) < 3 || line[0] != '-' || line[1] != '-' {
		return -1, false
	}
	line = bytes.TrimRight(line[2:], " \t\r\n")
	for i := len(p.bounds) - 1; i >= 0; i-- {
		b := p.bounds[i]
		if len(line) < len(b) || string(line[:len(b)]) != b {
			continue
		}
		rest := line[len(b):]
		if len(rest) == 0 {
			return i, false
		}
		if len(rest) == 2 && rest[0] == '-' && rest[1] == '-' {
			return i, true
		}
	}
	return -1, false
}

func (p *parser) termHere(idx int, close bool) term {
	eol := 0
	if p.lineStart > 0 {
		eol = p.eolAtLine
	}
	return term{idx: idx, close: close, start: p.lineStart, eol: eol}
}

// skipToBoundary reads until a boundary line or EOF.
func (p *parser) skipToBoundary() term {
	for p.next() {
		if i, c := p.boundary(); i >= 0 {
			return p.termHere(i, c)
		}
	}
	return term{idx: -1}
}

// entity parses one MIME entity (header and body) starting at p.off. If
// message is true its header is an RFC 5322 message header and an
// envelope is returned.
func (p *parser) entity(depth int, defType, defSub string, message bool) (*BodyStructure, *Envelope, term) {
	p.parts++
	b := &BodyStructure{HeaderOffset: p.off}
	hdr, t, ended := p.readHeader()
	h := parseHeader(hdr)
	var env *Envelope
	if message {
		env = h.envelope()
	}
	h.applyContent(b, defType, defSub)
	if ended {
		// A boundary or EOF inside the header: no body.
		end := p.off
		if t.idx >= 0 {
			end = t.end(b.HeaderOffset)
		}
		b.HeaderSize = end - b.HeaderOffset
		if b.IsMultipart() {
			b.Children = []*BodyStructure{emptyPart(end)}
		}
		if b.IsMessage() {
			b.Message = &BodyStructure{Type: "text", Subtype: "plain", Params: defaultParams(), Encoding: "7BIT", HeaderOffset: end}
			b.Envelope = &Envelope{}
		}
		return b, env, t
	}
	b.HeaderSize = p.off - b.HeaderOffset
	bodyStart := p.off
	lf0 := p.lf

	tooDeep := depth >= p.opts.MaxDepth || p.parts >= p.opts.MaxParts
	switch {
	case b.IsMultipart() && !tooDeep:
		t = p.multipart(b, depth)
	case b.IsMessage() && !tooDeep:
		inner, innerEnv, it := p.entity(depth+1, "text", "plain", true)
		b.Message, b.Envelope, t = inner, innerEnv, it
	default:
		if b.IsMultipart() || b.IsMessage() {
			b.Type, b.Subtype = "application", "octet-stream"
		}
		t = p.skipToBoundary()
	}

	end := p.off
	lf := p.lf - lf0
	last := p.curLast
	if t.idx >= 0 {
		// The boundary line was the last line read.
		end = t.end(bodyStart)
		lf = p.lfAtLine - lf0
		last = '\n'
		if end > bodyStart && t.eol > 0 {
			lf-- // the line break before the boundary belongs to it
			last = p.lastAtLine
		}
	}
	if n := len(b.Children); n > 0 {
		// An empty last part that starts right after its delimiter line
		// lies past the line break the parent gives up to the boundary.
		last := b.Children[n-1]
		end = max(end, last.BodyOffset()+last.Size)
	}
	if m := b.Message; m != nil {
		end = max(end, m.BodyOffset()+m.Size) // same for a header-only message
	}
	b.Size = end - bodyStart
	if b.IsText() || b.IsMessage() {
		b.Lines = countLines(b.Size, lf, last)
	}
	return b, env, t
}

func countLines(size, lf int64, last byte) int64 {
	if size == 0 {
		return 0
	}
	if lf < 0 {
		lf = 0
	}
	if last != '\n' {
		lf++
	}
	return lf
}

func emptyPart(off int64) *BodyStructure {
	return &BodyStructure{Type: "text", Subtype: "plain", Params: defaultParams(), Encoding: "7BIT", HeaderOffset: off}
}

func defaultParams() []Param { return []Param{{Name: "charset", Value: "us-ascii"}} }

// readHeader reads header lines up to and including the blank line. ended
// is true if a boundary line or EOF came first (t tells which).
func (p *parser) readHeader() (hdr []byte, t term, ended bool) {
	p.hdr = p.hdr[:0]
	for p.next() {
		if p.atStart {
			if i, c := p.boundary(); i >= 0 {
				return p.hdr, p.termHere(i, c), true
			}
			if p.complete && (len(p.chunk) == 1 || len(p.chunk) == 2 && p.chunk[0] == '\r') {
				return p.hdr, term{}, false
			}
		}
		if len(p.hdr)+len(p.chunk) <= p.opts.MaxHeaderSize {
			p.hdr = append(p.hdr, p.chunk...)
		}
	}
	return p.hdr, term{idx: -1}, true
}

// multipart parses the body of a multipart entity: preamble, parts,
// epilogue (RFC 2046 §5.1.1).
func (p *parser) multipart(b *BodyStructure, depth int) term {
	bodyStart := p.off
	p.bounds = append(p.bounds, b.Param("boundary"))
	my := len(p.bounds) - 1
	childType, childSub := "text", "plain"
	if b.Subtype == "digest" {
		childType, childSub = "message", "rfc822" // RFC 2046 §5.1.5
	}
	t := p.skipToBoundary() // preamble
	for t.idx == my {
		if t.close {
			p.bounds = p.bounds[:my]
			t = p.skipToBoundary() // epilogue
			break
		}
		if p.parts >= p.opts.MaxParts {
			t = p.skipToBoundary()
			continue
		}
		child, _, ct := p.entity(depth+1, childType, childSub, false)
		b.Children = append(b.Children, child)
		t = ct
	}
	if len(p.bounds) > my {
		p.bounds = p.bounds[:my]
	}
	if len(b.Children) == 0 {
		b.Children = []*BodyStructure{emptyPart(bodyStart)}
	}
	return t
}
