package imap

import "strings"

// BodyStructure describes one MIME entity of a message, as BODY and
// BODYSTRUCTURE report it (RFC 9051 §7.5.2, RFC 3501 §7.4.2).
//
// A multipart entity has Type "multipart" and Children; a message/rfc822
// (or message/global) entity has Envelope and Message; any other entity is a
// leaf. Type and Subtype are lower case as stored; servers traditionally
// write them in upper case.
type BodyStructure struct {
	Type    string  // "text", "multipart", "message", ...
	Subtype string  // "plain", "mixed", "rfc822", ...
	Params  []Param // Content-Type parameters, in order, RFC 2231 decoded

	// Leaf fields (single-part bodies).
	ID          string // Content-ID, raw
	Description string // Content-Description, raw
	Encoding    string // Content-Transfer-Encoding, upper case; "7BIT" default
	Size        int64  // body size in octets, in its transfer encoding
	Lines       int64  // text/* and message/rfc822: lines of the body

	// message/rfc822 and message/global: the encapsulated message.
	Envelope *Envelope
	Message  *BodyStructure

	// multipart: the parts, in order.
	Children []*BodyStructure

	// Extension data (BODYSTRUCTURE only).
	MD5               string  // Content-MD5 (leaf only)
	Disposition       string  // "inline", "attachment", ... ; empty = NIL
	DispositionParams []Param // Content-Disposition parameters
	Language          []string
	Location          string

	// Position of the entity in the message, for serving BODY[section]
	// byte-exact. HeaderOffset is where the entity's MIME header starts
	// (for the top level, 0), BodyOffset = HeaderOffset + HeaderSize is where
	// its body starts, and Size is the body length. For the top-level
	// message HeaderSize covers the whole RFC 5322 header including the
	// blank line.
	HeaderOffset int64
	HeaderSize   int64
}

// Param is a MIME parameter attribute=value.
type Param struct {
	Name, Value string
}

// IsMultipart reports whether b is a multipart entity.
func (b *BodyStructure) IsMultipart() bool { return strings.EqualFold(b.Type, "multipart") }

// IsMessage reports whether b encapsulates a message (message/rfc822 or
// message/global, RFC 9051 §6.4.5, RFC 6532 §3.7).
func (b *BodyStructure) IsMessage() bool {
	return strings.EqualFold(b.Type, "message") &&
		(strings.EqualFold(b.Subtype, "rfc822") || strings.EqualFold(b.Subtype, "global"))
}

// IsText reports whether b is a text/* leaf.
func (b *BodyStructure) IsText() bool { return strings.EqualFold(b.Type, "text") }

// BodyOffset returns the offset of the entity's body in the message.
func (b *BodyStructure) BodyOffset() int64 { return b.HeaderOffset + b.HeaderSize }

// Param returns the value of the named parameter (case-insensitive).
func (b *BodyStructure) Param(name string) string {
	for _, p := range b.Params {
		if strings.EqualFold(p.Name, name) {
			return p.Value
		}
	}
	return ""
}

// Filename returns the file name from the Content-Disposition filename
// parameter or the Content-Type name parameter, RFC 2231/2047 decoded where
// the parser could decode it.
func (b *BodyStructure) Filename() string {
	for _, p := range b.DispositionParams {
		if strings.EqualFold(p.Name, "filename") {
			return DecodeHeader(p.Value)
		}
	}
	return DecodeHeader(b.Param("name"))
}

// Part returns the entity at the given section part path, following IMAP
// numbering (RFC 9051 §6.4.5); b is the top-level entity of a message and
// path [] is b itself. Within a message, a multipart body's parts are
// numbered from 1 and a non-multipart body is part 1. A path continues
// into a part only if it is a multipart or an encapsulated message
// (message/rfc822 or message/global), whose body's parts are then numbered
// the same way. It returns nil if there is no such part.
func (b *BodyStructure) Part(path []int) *BodyStructure {
	cur := b
	for i, n := range path {
		if n < 1 {
			return nil
		}
		if i > 0 {
			// Step into the previous part: a multipart selects among its
			// children; a message among its own body's parts.
			switch {
			case cur.IsMultipart():
			case cur.IsMessage() && cur.Message != nil:
				cur = cur.Message
			default:
				return nil
			}
		}
		if cur.IsMultipart() {
			if n > len(cur.Children) {
				return nil
			}
			cur = cur.Children[n-1]
		} else if n != 1 {
			return nil
		}
	}
	return cur
}

// Walk calls fn for b and every nested entity, depth first, with the
// entity's part path. Returning false from fn skips the entity's children.
func (b *BodyStructure) Walk(fn func(path []int, part *BodyStructure) bool) {
	b.walk(nil, fn)
}

func (b *BodyStructure) walk(path []int, fn func([]int, *BodyStructure) bool) {
	if !fn(path, b) {
		return
	}
	children := b.Children
	if b.IsMessage() && b.Message != nil {
		if b.Message.IsMultipart() {
			children = b.Message.Children
		} else {
			children = []*BodyStructure{b.Message}
		}
	}
	for i, c := range children {
		p := append(path[:len(path):len(path)], i+1)
		c.walk(p, fn)
	}
}
