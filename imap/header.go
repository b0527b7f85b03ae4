package imap

import (
	"bytes"
	"strings"
)

// header holds the fields of one header block that structure parsing
// needs, as raw (unfolded, trimmed) strings.
type header struct {
	date, subject, messageID, inReplyTo  string
	from, sender, replyTo, to, cc, bcc   string
	hasFrom, hasSender, hasReplyTo       bool
	present                              uint32 // bit per field id
	contentType, encoding, id, desc, md5 string
	disposition, language, location      string
	hasContentType                       bool
}

// parseHeader splits a header block into fields (RFC 5322 §2.2): a field
// is name ":" value, continued on lines that start with SP or HT. Lines
// without a colon are ignored. The first occurrence of a field wins.
func parseHeader(hdr []byte) *header {
	h := new(header)
	seen := uint32(0)
	forEachField(hdr, func(name, value []byte) {
		id, dst := h.slot(name)
		if dst == nil || seen&(1<<id) != 0 {
			return
		}
		seen |= 1 << id
		*dst = unfold(value)
		h.present |= 1 << id
		switch id {
		case fFrom:
			h.hasFrom = true
		case fSender:
			h.hasSender = true
		case fReplyTo:
			h.hasReplyTo = true
		case fContentType:
			h.hasContentType = true
		}
	})
	return h
}

const (
	fDate = iota
	fSubject
	fMessageID
	fInReplyTo
	fFrom
	fSender
	fReplyTo
	fTo
	fCc
	fBcc
	fContentType
	fEncoding
	fID
	fDesc
	fMD5
	fDisposition
	fLanguage
	fLocation
)

func (h *header) slot(name []byte) (int, *string) {
	switch len(name) {
	case 2:
		if eqFold(name, "To") {
			return fTo, &h.to
		}
		if eqFold(name, "Cc") {
			return fCc, &h.cc
		}
	case 3:
		if eqFold(name, "Bcc") {
			return fBcc, &h.bcc
		}
	case 4:
		if eqFold(name, "Date") {
			return fDate, &h.date
		}
		if eqFold(name, "From") {
			return fFrom, &h.from
		}
	case 6:
		if eqFold(name, "Sender") {
			return fSender, &h.sender
		}
	case 7:
		if eqFold(name, "Subject") {
			return fSubject, &h.subject
		}
	case 8:
		if eqFold(name, "Reply-To") {
			return fReplyTo, &h.replyTo
		}
	case 10:
		if eqFold(name, "Message-ID") {
			return fMessageID, &h.messageID
		}
		if eqFold(name, "Content-ID") {
			return fID, &h.id
		}
	case 11:
		if eqFold(name, "In-Reply-To") {
			return fInReplyTo, &h.inReplyTo
		}
		if eqFold(name, "Content-MD5") {
			return fMD5, &h.md5
		}
	case 12:
		if eqFold(name, "Content-Type") {
			return fContentType, &h.contentType
		}
	case 16:
		if eqFold(name, "Content-Language") {
			return fLanguage, &h.language
		}
		if eqFold(name, "Content-Location") {
			return fLocation, &h.location
		}
	case 19:
		if eqFold(name, "Content-Description") {
			return fDesc, &h.desc
		}
		if eqFold(name, "Content-Disposition") {
			return fDisposition, &h.disposition
		}
	case 25:
		if eqFold(name, "Content-Transfer-Encoding") {
			return fEncoding, &h.encoding
		}
	}
	return 0, nil
}

func eqFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if lower(b[i]) != lower(s[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// forEachField calls fn with the name and raw value (folding included) of
// each header field.
func forEachField(hdr []byte, fn func(name, value []byte)) {
	for len(hdr) > 0 {
		// A field runs to the first line break not followed by SP or HT.
		end := 0
		for {
			i := bytes.IndexByte(hdr[end:], '\n')
			if i < 0 {
				end = len(hdr)
				break
			}
			end += i + 1
			if end >= len(hdr) || (hdr[end] != ' ' && hdr[end] != '\t') {
				break
			}
		}
		field := hdr[:end]
		hdr = hdr[end:]
		colon := bytes.IndexByte(field, ':')
		if colon <= 0 {
			continue
		}
		name := bytes.TrimRight(field[:colon], " \t")
		if len(name) == 0 || bytes.ContainsAny(name, " \t\r\n") {
			continue
		}
		fn(name, field[colon+1:])
	}
}

// unfold removes the line breaks of folding (RFC 5322 §2.2.3), keeping the
// whitespace that follows them, and trims the value. Bare CRs are dropped.
func unfold(v []byte) string {
	if bytes.IndexByte(v, '\n') < 0 && bytes.IndexByte(v, '\r') < 0 {
		return string(bytes.TrimSpace(v))
	}
	var b strings.Builder
	b.Grow(len(v))
	for _, c := range v {
		if c != '\r' && c != '\n' {
			b.WriteByte(c)
		}
	}
	return strings.TrimSpace(b.String())
}

// envelope builds the ENVELOPE (RFC 9051 §7.5.2): raw strings; Sender and
// Reply-To default to From when absent or empty.
func (h *header) envelope() *Envelope {
	env := &Envelope{
		Date:      h.date,
		Subject:   h.subject,
		From:      ParseAddressList(h.from),
		Sender:    ParseAddressList(h.sender),
		ReplyTo:   ParseAddressList(h.replyTo),
		To:        ParseAddressList(h.to),
		Cc:        ParseAddressList(h.cc),
		Bcc:       ParseAddressList(h.bcc),
		InReplyTo: h.inReplyTo,
		MessageID: h.messageID,
	}
	for _, f := range [...]struct {
		id   int
		v    string
		flag EnvelopeFields
	}{{fDate, h.date, EnvelopeDate}, {fSubject, h.subject, EnvelopeSubject},
		{fInReplyTo, h.inReplyTo, EnvelopeInReplyTo}, {fMessageID, h.messageID, EnvelopeMessageID}} {
		if f.v == "" && h.present&(1<<f.id) != 0 {
			env.Empty |= f.flag
		}
	}
	if len(env.Sender) == 0 {
		env.Sender = env.From
	}
	if len(env.ReplyTo) == 0 {
		env.ReplyTo = env.From
	}
	return env
}

// applyContent fills the MIME fields of b from the header.
func (h *header) applyContent(b *BodyStructure, defType, defSub string) {
	typ, sub, params, ok := parseContentType(h.contentType)
	switch {
	case !h.hasContentType || !ok:
		// RFC 2045 §5.2: missing or syntactically invalid → default.
		b.Type, b.Subtype = defType, defSub
		if defType == "text" {
			b.Params = defaultParams()
		}
	case typ == "multipart" && paramValue(params, "boundary") == "":
		// RFC 2046 §5.1.1: boundary is required; without it the body
		// cannot be split, so it is shown as plain text.
		b.Type, b.Subtype, b.Params = "text", "plain", defaultParams()
	default:
		b.Type, b.Subtype, b.Params = typ, sub, params
	}
	b.Encoding = strings.ToUpper(firstToken(h.encoding))
	if b.Encoding == "" {
		b.Encoding = "7BIT"
	}
	b.ID = h.id
	b.Description = h.desc
	b.MD5 = h.md5
	b.Location = h.location
	if h.disposition != "" {
		if d, params, ok := parseDisposition(h.disposition); ok {
			b.Disposition, b.DispositionParams = d, params
		}
	}
	if h.language != "" {
		for _, l := range strings.Split(h.language, ",") {
			if l = strings.TrimSpace(stripComments(l)); l != "" {
				b.Language = append(b.Language, l)
			}
		}
	}
}

func paramValue(params []Param, name string) string {
	for _, p := range params {
		if strings.EqualFold(p.Name, name) {
			return p.Value
		}
	}
	return ""
}

// firstToken returns the first token of a structured value, comments removed.
func firstToken(s string) string {
	s = strings.TrimSpace(stripComments(s))
	if i := strings.IndexAny(s, " \t;"); i >= 0 {
		s = s[:i]
	}
	return s
}

// stripComments removes RFC 5322 comments (nested parentheses) outside
// quoted strings.
func stripComments(s string) string {
	if strings.IndexByte(s, '(') < 0 {
		return s
	}
	var b strings.Builder
	depth, quoted := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quoted:
			if c == '\\' && i+1 < len(s) {
				b.WriteByte(c)
				i++
				c = s[i]
			} else if c == '"' {
				quoted = false
			}
		case depth > 0:
			if c == '\\' {
				i++
			} else if c == '(' {
				depth++
			} else if c == ')' {
				depth--
			}
			continue
		case c == '(':
			depth++
			continue
		case c == '"':
			quoted = true
		}
		b.WriteByte(c)
	}
	return b.String()
}
