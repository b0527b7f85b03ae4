package imapserver

import (
	"strconv"
	"strings"
)

// fetchPlan is a parsed FETCH item list (RFC 9051 §6.4.5).
type fetchPlan struct {
	uid, flags, internalDate, size, envelope, body, bodyStructure, modseq bool
	sections                                                              []*sectionItem
	changedSince                                                          uint64
	vanished                                                              bool
	setSeen                                                               bool
	ext                                                                   fetchExt // fetch_ext.go
	// seenNow holds the UIDs this FETCH set \Seen on: their FETCH
	// response includes FLAGS (RFC 9051 §6.4.5).
	seenNow map[uint32]bool
}

type sectionKind uint8

const (
	sectBody sectionKind = iota
	sectBinary
	sectBinarySize
)

// sectionItem is BODY[...], BINARY[...], BINARY.SIZE[...] or an RFC822
// item, with its response name pre-formatted.
type sectionItem struct {
	kind     sectionKind
	part     []int
	spec     string // "", HEADER, HEADER.FIELDS, HEADER.FIELDS.NOT, TEXT, MIME
	fields   []string
	partial  bool
	off, n   int64
	peek     bool
	respName []byte // e.g. "BODY[1.HEADER]<0>" or "RFC822.TEXT"
}

// needsMessage reports whether the plan needs more than the view.
func (p *fetchPlan) needsMessage() bool {
	return p.internalDate || p.size || p.envelope || p.body || p.bodyStructure || len(p.sections) > 0 || p.ext.any()
}

func (p *fetchPlan) needsStructure() bool {
	if p.envelope || p.body || p.bodyStructure {
		return true
	}
	for _, s := range p.sections {
		if len(s.part) > 0 || s.kind != sectBody || s.spec != "" {
			return true
		}
	}
	return false
}

func (c *conn) parseFetchItems() *fetchPlan {
	p := &fetchPlan{}
	if c.peek() == '(' {
		c.openParen()
		for {
			c.parseFetchItem(p)
			if !c.sp() {
				break
			}
		}
		c.closeParen()
	} else {
		c.parseFetchItem(p)
	}
	return p
}

func (c *conn) parseFetchItem(p *fetchPlan) {
	start := c.pos
	for c.pos < len(c.line) && isAtomChar(c.line[c.pos]) && c.line[c.pos] != '[' {
		c.pos++
	}
	name := upperASCII(c.line[start:c.pos])
	switch name {
	case "ALL":
		p.flags, p.internalDate, p.size, p.envelope = true, true, true, true
	case "FAST":
		p.flags, p.internalDate, p.size = true, true, true
	case "FULL":
		p.flags, p.internalDate, p.size, p.envelope, p.body = true, true, true, true, true
	case "UID":
		p.uid = true
	case "FLAGS":
		p.flags = true
	case "INTERNALDATE":
		p.internalDate = true
	case "RFC822.SIZE":
		p.size = true
	case "ENVELOPE":
		p.envelope = true
	case "BODYSTRUCTURE":
		p.bodyStructure = true
	case "MODSEQ":
		p.modseq = true
		c.enabled.condstore = true
	case "RFC822":
		p.sections = append(p.sections, &sectionItem{respName: []byte("RFC822")})
		p.setSeen = true
	case "RFC822.HEADER":
		p.sections = append(p.sections, &sectionItem{spec: "HEADER", peek: true, respName: []byte("RFC822.HEADER")})
	case "RFC822.TEXT":
		p.sections = append(p.sections, &sectionItem{spec: "TEXT", respName: []byte("RFC822.TEXT")})
		p.setSeen = true
	case "BODY", "BODY.PEEK", "BINARY", "BINARY.PEEK", "BINARY.SIZE":
		if c.peek() != '[' {
			if name != "BODY" {
				c.fail("Expected section")
			}
			p.body = true
			return
		}
		s := &sectionItem{peek: strings.HasSuffix(name, ".PEEK")}
		switch {
		case strings.HasPrefix(name, "BINARY.SIZE"):
			s.kind = sectBinarySize
		case strings.HasPrefix(name, "BINARY"):
			s.kind = sectBinary
		}
		c.parseSection(s)
		if !s.peek && s.kind != sectBinarySize {
			p.setSeen = true
		}
		p.sections = append(p.sections, s)
	default:
		if p.parseFetchExt(name) || c.parseFetchPreview(p, name) {
			return
		}
		c.fail("Unknown FETCH item")
	}
}

// parseSection parses "[section]<partial>" and builds the response name.
func (c *conn) parseSection(s *sectionItem) {
	c.expect('[')
	secStart := c.pos
	// part numbers
	for c.peek() >= '1' && c.peek() <= '9' {
		n := c.nzNumber()
		s.part = append(s.part, int(n))
		if len(s.part) > 64 {
			c.fail("Section too deep")
		}
		if c.peek() != '.' {
			break
		}
		c.pos++
		if b := c.peek(); b < '1' || b > '9' {
			if b == ']' || b == 0 {
				c.fail("Invalid section")
			}
			break
		}
	}
	if c.peek() != ']' {
		if s.kind != sectBody {
			c.fail("BINARY takes only part numbers")
		}
		spec := c.atomUpper()
		switch spec {
		case "HEADER", "TEXT":
		case "MIME":
			if len(s.part) == 0 {
				c.fail("MIME needs a part number")
			}
		case "HEADER.FIELDS", "HEADER.FIELDS.NOT":
			c.expectSP()
			c.openParen()
			for {
				s.fields = append(s.fields, c.astring())
				if len(s.fields) > 1000 {
					c.fail("Too many header fields")
				}
				if !c.sp() {
					break
				}
			}
			c.closeParen()
		default:
			c.fail("Unknown section specifier")
		}
		s.spec = spec
	}
	secText := c.line[secStart:c.pos]
	c.expect(']')
	switch s.kind {
	case sectBody:
		s.respName = append(s.respName, "BODY["...)
	case sectBinary:
		s.respName = append(s.respName, "BINARY["...)
	case sectBinarySize:
		s.respName = append(s.respName, "BINARY.SIZE["...)
	}
	if s.spec == "HEADER.FIELDS" || s.spec == "HEADER.FIELDS.NOT" {
		// Canonical form: upper-case specifier, field names as given.
		s.respName = appendPart(s.respName, s.part)
		if len(s.part) > 0 {
			s.respName = append(s.respName, '.')
		}
		s.respName = append(s.respName, s.spec...)
		s.respName = append(s.respName, " ("...)
		for i, f := range s.fields {
			if i > 0 {
				s.respName = append(s.respName, ' ')
			}
			s.respName = appendAString(s.respName, f)
		}
		s.respName = append(s.respName, ')')
	} else {
		s.respName = append(s.respName, strings.ToUpper(string(secText))...)
	}
	s.respName = append(s.respName, ']')
	if c.peek() == '<' {
		if s.kind == sectBinarySize {
			c.fail("BINARY.SIZE takes no partial")
		}
		c.pos++
		s.off = int64(c.number())
		c.expect('.')
		s.n = int64(c.nzNumber())
		c.expect('>')
		s.partial = true
		s.respName = append(s.respName, '<')
		s.respName = strconv.AppendInt(s.respName, s.off, 10)
		s.respName = append(s.respName, '>')
	}
}

func appendPart(b []byte, part []int) []byte {
	for i, n := range part {
		if i > 0 {
			b = append(b, '.')
		}
		b = strconv.AppendInt(b, int64(n), 10)
	}
	return b
}

// parseFetchModifiers parses (CHANGEDSINCE n [VANISHED]) (RFC 7162).
func (c *conn) parseFetchModifiers(p *fetchPlan, uid bool) {
	c.openParen()
	for {
		switch c.atomUpper() {
		case "CHANGEDSINCE":
			c.expectSP()
			p.changedSince = c.number64()
			p.modseq = true
			c.enabled.condstore = true
		case "VANISHED":
			if !uid || !c.enabled.qresync {
				c.fail("VANISHED needs UID FETCH and QRESYNC")
			}
			p.vanished = true
		default:
			c.fail("Unknown FETCH modifier")
		}
		if !c.sp() {
			break
		}
	}
	c.closeParen()
	if p.vanished && p.changedSince == 0 {
		c.fail("VANISHED needs CHANGEDSINCE")
	}
}
