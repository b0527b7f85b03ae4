package imap

import (
	"strconv"
	"strings"
)

// FetchOptions is the parsed list of FETCH data items (RFC 9051 §6.4.5).
// Macros are expanded: ALL = FLAGS INTERNALDATE RFC822.SIZE ENVELOPE,
// FAST = FLAGS INTERNALDATE RFC822.SIZE, FULL = ALL + BODY.
type FetchOptions struct {
	UID          bool
	Flags        bool
	InternalDate bool
	RFC822Size   bool
	Envelope     bool
	// BodyStructure is nil unless BODY or BODYSTRUCTURE was requested.
	BodyStructure *FetchItemBodyStructure

	BodySection       []*FetchItemBodySection   // BODY[...], BODY.PEEK[...], RFC822*
	BinarySection     []*FetchItemBinarySection // BINARY[...], BINARY.PEEK[...]
	BinarySectionSize []*FetchItemBinarySection // BINARY.SIZE[...]

	ModSeq       bool   // MODSEQ (RFC 7162)
	ChangedSince uint64 // (CHANGEDSINCE n) fetch modifier, 0 = absent
	Vanished     bool   // (VANISHED) modifier, UID FETCH only (RFC 7162 §3.2.6)

	Preview  bool // PREVIEW (RFC 8970)
	SaveDate bool // SAVEDATE (RFC 8514)
	EmailID  bool // EMAILID (RFC 8474)
	ThreadID bool // THREADID (RFC 8474)

	// PreviewLazy asks for PREVIEW (LAZY) (RFC 8970 §3.1): the server
	// may answer NIL instead of computing a preview it does not have
	// yet. It implies Preview.
	PreviewLazy bool
}

// FetchItemBodyStructure requests BODY (Extended false) or BODYSTRUCTURE
// (Extended true, with extension data).
type FetchItemBodyStructure struct {
	Extended bool
}

// PartSpecifier is the text part of a section (RFC 9051 §6.4.5).
type PartSpecifier string

// Section part specifiers.
const (
	PartSpecifierNone            PartSpecifier = ""
	PartSpecifierHeader          PartSpecifier = "HEADER"
	PartSpecifierHeaderFields    PartSpecifier = "HEADER.FIELDS"
	PartSpecifierHeaderFieldsNot PartSpecifier = "HEADER.FIELDS.NOT"
	PartSpecifierText            PartSpecifier = "TEXT"
	PartSpecifierMIME            PartSpecifier = "MIME"
)

// SectionPartial is the <offset.size> suffix of a section (RFC 9051 §6.4.5).
type SectionPartial struct {
	Offset int64
	Size   int64
}

// FetchItemBodySection is BODY[section]<partial> or BODY.PEEK[...].
//
// The RFC822 items of IMAP4rev1 are represented as sections with Legacy
// set: RFC822 = BODY[], RFC822.HEADER = BODY.PEEK[HEADER], RFC822.TEXT =
// BODY[TEXT]; the response then uses the legacy item name (RFC 3501 §6.4.5).
type FetchItemBodySection struct {
	Part         []int         // "1.2.3" → [1 2 3]; nil for the whole message
	Specifier    PartSpecifier // HEADER, TEXT, MIME, ...
	HeaderFields []string      // field names of HEADER.FIELDS(.NOT)
	Partial      *SectionPartial
	Peek         bool   // do not set \Seen
	Legacy       string // "RFC822", "RFC822.HEADER", "RFC822.TEXT" or ""
}

// FetchItemBinarySection is BINARY[part]<partial>, BINARY.PEEK[...] or
// BINARY.SIZE[part] (RFC 9051 §6.4.5, RFC 3516).
type FetchItemBinarySection struct {
	Part    []int
	Partial *SectionPartial
	Peek    bool
}

// SectionString returns the section text inside the brackets, e.g.
// "1.2.HEADER.FIELDS (From To)".
func (s *FetchItemBodySection) SectionString() string {
	return string(s.AppendSection(nil))
}

// AppendSection appends the section text inside the brackets to b.
func (s *FetchItemBodySection) AppendSection(b []byte) []byte {
	b = appendPart(b, s.Part)
	if s.Specifier != PartSpecifierNone {
		if len(s.Part) > 0 {
			b = append(b, '.')
		}
		b = append(b, s.Specifier...)
		if s.Specifier == PartSpecifierHeaderFields || s.Specifier == PartSpecifierHeaderFieldsNot {
			b = append(b, " ("...)
			for i, f := range s.HeaderFields {
				if i > 0 {
					b = append(b, ' ')
				}
				b = appendAStringSimple(b, f)
			}
			b = append(b, ')')
		}
	}
	return b
}

// ResponseName appends the item name the server uses in the FETCH
// response: "BODY[1.TEXT]<0>" (origin octet only, RFC 9051 §7.5.2) or the
// legacy RFC822 name.
func (s *FetchItemBodySection) ResponseName(b []byte) []byte {
	if s.Legacy != "" {
		return append(b, s.Legacy...)
	}
	b = append(b, "BODY["...)
	b = s.AppendSection(b)
	b = append(b, ']')
	if s.Partial != nil {
		b = append(b, '<')
		b = strconv.AppendInt(b, s.Partial.Offset, 10)
		b = append(b, '>')
	}
	return b
}

// ResponseName appends "BINARY[1.2]<0>" (or with name "BINARY.SIZE" if size).
func (s *FetchItemBinarySection) ResponseName(b []byte, size bool) []byte {
	if size {
		b = append(b, "BINARY.SIZE["...)
	} else {
		b = append(b, "BINARY["...)
	}
	b = appendPart(b, s.Part)
	b = append(b, ']')
	if s.Partial != nil && !size {
		b = append(b, '<')
		b = strconv.AppendInt(b, s.Partial.Offset, 10)
		b = append(b, '>')
	}
	return b
}

func appendPart(b []byte, part []int) []byte {
	for i, p := range part {
		if i > 0 {
			b = append(b, '.')
		}
		b = strconv.AppendInt(b, int64(p), 10)
	}
	return b
}

// appendAStringSimple writes s as an atom when possible, else quoted.
// Header field names are printable ASCII without ':' so quoting suffices.
func appendAStringSimple(b []byte, s string) []byte {
	atom := s != ""
	for i := 0; i < len(s) && atom; i++ {
		atom = IsAtomChar(s[i])
	}
	if atom {
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b = append(b, '\\')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

// ParsePart parses a section part "1.2.3" into numbers; every number must
// be a non-zero integer (RFC 9051 §9 section-part).
func ParsePart(s string) ([]int, bool) {
	if s == "" {
		return nil, false
	}
	parts := strings.Split(s, ".")
	out := make([]int, 0, len(parts))
	for _, p := range parts {
		n, err := strconv.ParseUint(p, 10, 31)
		if err != nil || n == 0 || p[0] == '0' {
			return nil, false
		}
		out = append(out, int(n))
	}
	return out, true
}
