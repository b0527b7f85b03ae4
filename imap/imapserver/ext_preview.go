package imapserver

import (
	"bytes"
	"encoding/base64"
	"html"
	"io"
	"mime"
	"mime/quotedprintable"
	"strings"
	"unicode"

	"github.com/mailwire/mailwire/imap"
)

// This file implements FETCH PREVIEW and PREVIEW (LAZY) (RFC 8970).
//
// The preview is computed at FETCH time from the message (§3.2 lets a
// server do so; LAZY only permits NIL, it does not require it, so LAZY gets
// the same answer): the first text/plain leaf of the message's main body
// (message/rfc822 parts and attachments are not main body), else the first
// text/html leaf with its tags, comments, scripts and styles removed and
// its character references decoded; transfer-decoded (base64,
// quoted-printable), converted from its charset to UTF-8, whitespace
// collapsed to single spaces and cut to at most 256 characters (§3.1). A
// message without such a part has the empty preview "" (§3.1: no text).
//
// Bounded work: the server reads the message structure (the backend's
// cached one if it has it), at most previewHeaderLimit octets of each
// candidate part's MIME header and at most previewBodyLimit octets of the
// chosen part's body, whatever the message size.

const (
	previewMaxChars    = 256 // RFC 8970 §3.1
	previewHeaderLimit = 16 << 10
	previewBodyLimit   = 64 << 10
	previewMaxParts    = 64 // leaves whose headers are inspected
)

// parseFetchPreview parses PREVIEW [SP "(" "LAZY" ")"] (RFC 8970 §5); it
// reports false for other names.
func (c *conn) parseFetchPreview(p *fetchPlan, name string) bool {
	if name != "PREVIEW" {
		return false
	}
	p.ext.preview = true
	if c.pos+1 < len(c.line) && c.line[c.pos] == ' ' && c.line[c.pos+1] == '(' {
		c.pos++
		c.openParen()
		for {
			if c.atomUpper() != "LAZY" {
				c.fail("Unknown PREVIEW modifier")
			}
			if !c.sp() {
				break
			}
		}
		c.closeParen()
	}
	return true
}

// appendPreview appends "PREVIEW " + the preview + " ". A message the
// server cannot read gets NIL (§3.2: no preview available).
func (c *conn) appendPreview(b []byte, m Message) []byte {
	b = append(b, "PREVIEW "...)
	text, ok := c.preview(m)
	if !ok {
		return append(b, "NIL "...)
	}
	if isASCII(text) {
		b = appendString(b, text)
	} else {
		// 8-bit text: a literal is valid in IMAP4rev1 and IMAP4rev2.
		b = append(b, '{')
		b = appendUint(b, uint64(len(text)))
		b = append(b, "}\r\n"...)
		b = append(b, text...)
	}
	return append(b, ' ')
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func (c *conn) preview(m Message) (string, bool) {
	var r MessageReader
	open := func() (MessageReader, error) {
		if r == nil {
			var err error
			if r, err = m.Open(); err != nil {
				return nil, err
			}
		}
		return r, nil
	}
	defer func() {
		if r != nil {
			r.Close()
		}
	}()
	ms, err := c.structureOf(m, open)
	if err != nil {
		return "", false
	}
	if _, err := open(); err != nil {
		return "", false
	}
	f := previewFinder{r: r}
	f.walk(ms.tree(), 0)
	if f.plain != nil {
		return f.text(f.plain), true
	}
	if f.html != nil {
		return f.text(f.html), true
	}
	return "", true
}

// previewCandidate is a text leaf and its Content-Type parameters.
type previewCandidate struct {
	n        *partNode
	charset  string
	encoding string
	html     bool
}

type previewFinder struct {
	r           io.ReaderAt
	plain, html *previewCandidate
	seen        int
}

// walk looks for the first text/plain and text/html leaves, in order,
// without entering message/rfc822 parts or attachments.
func (f *previewFinder) walk(n *partNode, depth int) {
	if f.plain != nil || f.seen >= previewMaxParts || depth > 16 {
		return
	}
	if n.multipart {
		for _, ch := range n.children {
			f.walk(ch, depth+1)
		}
		return
	}
	if n.message {
		return
	}
	f.seen++
	hdr := make([]byte, min(n.hdrSize, previewHeaderLimit))
	k, _ := f.r.ReadAt(hdr, n.hdrOff)
	ct, cd := mimeFields(hdr[:k])
	if d, _, err := mime.ParseMediaType(cd); err == nil && d == "attachment" {
		return
	}
	mt, params, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil && mt == "" {
		mt, params = "text/plain", nil // RFC 2045 §5.2 default
	}
	cand := &previewCandidate{n: n, charset: params["charset"], encoding: n.encoding}
	switch mt {
	case "text/plain":
		f.plain = cand
	case "text/html":
		cand.html = true
		if f.html == nil {
			f.html = cand
		}
	}
}

// mimeFields returns the unfolded Content-Type and Content-Disposition of
// a header block.
func mimeFields(hdr []byte) (ct, cd string) {
	var cur *string
	for line := range bytes.Lines(hdr) {
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			if cur != nil {
				*cur += " " + string(bytes.TrimSpace(line))
			}
			continue
		}
		cur = nil
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		switch {
		case bytes.EqualFold(bytes.TrimSpace(name), []byte("content-type")):
			ct = string(bytes.TrimSpace(value))
			cur = &ct
		case bytes.EqualFold(bytes.TrimSpace(name), []byte("content-disposition")):
			cd = string(bytes.TrimSpace(value))
			cur = &cd
		}
	}
	return ct, cd
}

// text decodes up to previewBodyLimit octets of the candidate's body.
func (f *previewFinder) text(p *previewCandidate) string {
	raw := make([]byte, min(p.n.size, previewBodyLimit))
	k, _ := f.r.ReadAt(raw, p.n.bodyOff())
	raw = raw[:k]
	var dec []byte
	switch strings.ToUpper(p.encoding) {
	case "BASE64":
		dec, _ = io.ReadAll(base64.NewDecoder(base64.StdEncoding, bytes.NewReader(cutBase64(raw))))
	case "QUOTED-PRINTABLE":
		dec, _ = io.ReadAll(quotedprintable.NewReader(bytes.NewReader(raw)))
	default:
		dec = raw
	}
	s := toUTF8(dec, p.charset)
	if p.html {
		s = stripHTML(s)
	}
	return collapsePreview(s)
}

// cutBase64 drops what follows the last complete 4-character group, so
// that a body cut at previewBodyLimit still decodes.
func cutBase64(b []byte) []byte {
	end, n := 0, 0
	for i, ch := range b {
		if ch == '\r' || ch == '\n' || ch == ' ' || ch == '\t' {
			continue
		}
		if n++; n%4 == 0 {
			end = i + 1
		}
	}
	return b[:end]
}

// toUTF8 converts s from charset (us-ascii when empty) to UTF-8; unknown
// charsets and invalid bytes become U+FFFD.
func toUTF8(b []byte, charset string) string {
	cs := strings.ToLower(strings.TrimSpace(charset))
	switch cs {
	case "", "us-ascii", "utf-8", "utf8":
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	d := imap.CharsetDecoder(cs)
	if d == nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	out, err := d.Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return strings.ToValidUTF8(string(out), "\uFFFD")
}

// stripHTML removes tags, comments and the contents of script, style and
// head elements, and decodes character references. Tags become spaces so
// that words of adjacent blocks do not run together.
func stripHTML(s string) string {
	var out strings.Builder
	for len(s) > 0 {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			out.WriteString(s)
			break
		}
		out.WriteString(s[:i])
		s = s[i:]
		if strings.HasPrefix(s, "<!--") {
			j := strings.Index(s, "-->")
			if j < 0 {
				break
			}
			s = s[j+3:]
			continue
		}
		j := strings.IndexByte(s, '>')
		if j < 0 {
			break
		}
		closing := j > 1 && s[1] == '/'
		tag := strings.ToLower(strings.TrimLeft(s[1:j], " "))
		s = s[j+1:]
		for _, skip := range []string{"script", "style", "head", "title"} {
			if !closing && strings.HasPrefix(tag, skip) && (len(tag) == len(skip) || !isLetter(tag[len(skip)])) && s != "" {
				if k := indexFoldString(s, "</"+skip); k >= 0 {
					s = s[k:]
				} else {
					s = ""
				}
				break
			}
		}
		out.WriteByte(' ')
	}
	return html.UnescapeString(out.String())
}

func isLetter(b byte) bool { return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' }

func indexFoldString(s, sub string) int {
	return strings.Index(strings.ToLower(s), sub)
}

// collapsePreview turns every run of white space (and control characters)
// into one space, trims, and cuts at previewMaxChars characters.
func collapsePreview(s string) string {
	var b strings.Builder
	n, space := 0, false
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			if n >= previewMaxChars-1 {
				break
			}
			b.WriteByte(' ')
			n++
			space = false
		}
		if n == previewMaxChars {
			break
		}
		b.WriteRune(r)
		n++
	}
	return b.String()
}
