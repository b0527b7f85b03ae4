package imapserver

import (
	"bytes"
	"encoding/base64"
	"io"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/transform"

	"github.com/mailwire/mailwire/imap"
)

// SEARCH BODY, TEXT and the header keys match what a person reads
// (RFC 9051 §6.4.4: "the server [...] SHOULD decode [...] content transfer
// encoding and charset"): base64 and quoted-printable bodies are decoded,
// charsets converted to UTF-8, RFC 2047 encoded words in header fields
// decoded, and the match ignores case (ASCII folding for ASCII search
// strings, Unicode lower-casing otherwise). Plain 7bit/8bit UTF-8 or ASCII
// bodies, most mail, are searched in place as before: only encoded parts
// are decoded, into scratch buffers the SEARCH reuses for every message.

// textMatcher finds one search string in text, ignoring case.
type textMatcher struct {
	needle string // ASCII: as given; otherwise lower-cased
	ascii  bool
	low    []byte // scratch: lower-cased haystack (non-ASCII needles)
}

func (m *textMatcher) set(s string) {
	if isASCII(s) {
		m.needle, m.ascii = s, true
		return
	}
	m.needle, m.ascii = strings.ToLower(s), false
}

// in reports whether the needle occurs in b.
func (m *textMatcher) in(b []byte) bool {
	if m.ascii {
		return indexFold(b, m.needle)
	}
	if !hasNonASCII(b) {
		return false // a non-ASCII needle needs non-ASCII text
	}
	m.low = appendLower(m.low[:0], b)
	return bytes.Contains(m.low, []byte(m.needle))
}

// inString is in for a string (decoded header values).
func (m *textMatcher) inString(s string) bool {
	if m.ascii {
		return indexFold([]byte(s), m.needle)
	}
	return strings.Contains(strings.ToLower(s), m.needle)
}

// keep is how many bytes a streamed search carries over between chunks
// (lower-casing may change a rune's length: twice the needle is ample).
func (m *textMatcher) keep() int {
	if m.ascii {
		return len(m.needle) - 1
	}
	return 2 * len(m.needle)
}

func hasNonASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// appendLower appends b lower-cased rune by rune (invalid UTF-8 is copied).
func appendLower(dst, b []byte) []byte {
	for len(b) > 0 {
		c := b[0]
		if c < utf8.RuneSelf {
			dst = append(dst, lowerByte(c))
			b = b[1:]
			continue
		}
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 {
			dst = append(dst, c)
			b = b[1:]
			continue
		}
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
		b = b[n:]
	}
	return dst
}

// matcher returns the evaluator's matcher for text, reusing the last one.
func (e *searchEval) matcher(text string) *textMatcher {
	if e.tm == nil || e.tmText != text {
		if e.tm == nil {
			e.tm = new(textMatcher)
		}
		e.tm.set(text)
		e.tmText = text
	}
	return e.tm
}

// contains reports whether the message's text (fromBody: its body only)
// contains text, decoded as described above.
func (e *searchEval) contains(text string, fromBody bool) bool {
	if !e.load() {
		return false
	}
	m := e.matcher(text)
	if !fromBody && e.headerContains(m, e.buf[:e.hdrEnd]) {
		return true
	}
	info := scanMIMEHeader(e.buf[:e.hdrEnd])
	if info.composite {
		return e.structuredContains(m)
	}
	return e.leafContains(m, int64(e.hdrEnd), e.m.Size()-int64(e.hdrEnd), info)
}

// headerContains matches a header block: the raw bytes first, then the
// decoded values of fields with RFC 2047 encoded words.
func (e *searchEval) headerContains(m *textMatcher, hdr []byte) bool {
	if m.in(hdr) {
		return true
	}
	if !bytes.Contains(hdr, []byte("=?")) {
		return false
	}
	// Decode only the fields that hold encoded words.
	for len(hdr) > 0 {
		var field []byte
		field, hdr = nextField(hdr)
		if field == nil {
			break
		}
		if !bytes.Contains(field, []byte("=?")) {
			continue
		}
		if _, value, ok := bytes.Cut(field, []byte(":")); ok {
			if m.inString(imap.DecodeHeader(unfold(value))) {
				return true
			}
		}
	}
	return false
}

// nextField splits the first field (with its continuation lines) off a
// header block; field is nil at the blank line that ends the header.
func nextField(hdr []byte) (field, rest []byte) {
	end := len(hdr)
	if i := bytes.IndexByte(hdr, '\n'); i >= 0 {
		end = i + 1
	}
	if end <= 2 && (hdr[0] == '\n' || hdr[0] == '\r') {
		return nil, nil
	}
	for end < len(hdr) && (hdr[end] == ' ' || hdr[end] == '\t') {
		j := bytes.IndexByte(hdr[end:], '\n')
		if j < 0 {
			end = len(hdr)
			break
		}
		end += j + 1
	}
	return hdr[:end], hdr[end:]
}

// headerValueContains matches one header field value (HEADER, SUBJECT,
// FROM... keys), decoding encoded words when the raw value does not match.
func headerValueContains(m *textMatcher, value string) bool {
	if m.inString(value) {
		return true
	}
	return strings.Contains(value, "=?") && m.inString(imap.DecodeHeader(value))
}

// leafContains searches one non-composite body of size octets at off.
func (e *searchEval) leafContains(m *textMatcher, off, size int64, info mimeInfo) bool {
	if size <= 0 || info.cte != cteIdentity && !info.text {
		return false // encoded images and the like hold no text to match
	}
	if e.complete && off+size <= int64(len(e.buf)) {
		body := e.buf[off : off+size]
		switch info.cte {
		case cteBase64:
			e.dec = decodeBase64Lenient(e.dec[:0], &e.tmp, body)
			body = e.dec
		case cteQP:
			e.dec = decodeQP(e.dec[:0], body)
			body = e.dec
		}
		if info.charset != "" && hasNonASCII(body) {
			body = e.toUTF8(body, info.charset)
		}
		return m.in(body)
	}
	// A large message: stream the part through its decoders.
	var r io.Reader = io.NewSectionReader(e.r, off, size)
	switch info.cte {
	case cteBase64:
		r, _ = imap.DecodeTransfer(r, "base64")
	case cteQP:
		r = &qpReader{r: r, in: make([]byte, 0, 32<<10)}
	}
	if info.charset != "" {
		if enc := charsetEncoding(info.charset); enc != nil {
			r = enc.NewDecoder().Reader(r)
		}
	}
	return readerContainsFold(r, m)
}

// toUTF8 converts body from charset into a scratch buffer, with a decoder
// kept for the next message in the same charset; on failure body is
// returned as it is.
func (e *searchEval) toUTF8(body []byte, charset string) []byte {
	if e.csDec == nil || e.csName != charset {
		enc := charsetEncoding(charset)
		if enc == nil {
			return body
		}
		e.csDec, e.csName = enc.NewDecoder(), charset
	}
	e.csDec.Reset()
	out := e.conv[:0]
	for {
		out = out[:cap(out)]
		n, _, err := e.csDec.Transform(out, body, true)
		if err == transform.ErrShortDst {
			out = make([]byte, 0, 2*cap(out)+2*len(body))
			e.csDec.Reset()
			continue
		}
		e.conv = out[:0]
		if err != nil {
			return body
		}
		return out[:n]
	}
}

// structuredContains walks a multipart or message/rfc822 message through
// its part tree (cached by the store when it has one).
func (e *searchEval) structuredContains(m *textMatcher) bool {
	ms, err := e.c.structureOf(e.m, func() (MessageReader, error) { return e.r, nil })
	if err != nil {
		return false
	}
	return e.partContains(m, ms.tree(), 0)
}

// maxSearchDepth bounds the part tree a SEARCH walks (the parser bounds it
// too; this keeps the recursion small whatever the cache holds).
const maxSearchDepth = 32

func (e *searchEval) partContains(m *textMatcher, n *partNode, depth int) bool {
	if n == nil || depth > maxSearchDepth {
		return false
	}
	var hdr []byte
	if n.hdrSize > 0 {
		hdr = e.partHeader(n)
		// A part's MIME header (file names, descriptions) is text of the
		// body too.
		if depth > 0 && e.headerContains(m, hdr) {
			return true
		}
	}
	switch {
	case n.multipart:
		for _, ch := range n.children {
			if e.partContains(m, ch, depth+1) {
				return true
			}
		}
		return false
	case n.message && n.msg != nil:
		// The encapsulated message's header is text of the body.
		if mh := e.partHeader(n.msg); mh != nil && e.headerContains(m, mh) {
			return true
		}
		return e.partContains(m, n.msg, depth+1)
	}
	info := scanMIMEHeader(hdr)
	info.composite = false
	return e.leafContains(m, n.bodyOff(), n.size, info)
}

// partHeader returns the header bytes of a part (at most searchInMemory).
func (e *searchEval) partHeader(n *partNode) []byte {
	size := min(n.hdrSize, searchInMemory)
	if e.complete && n.hdrOff+size <= int64(len(e.buf)) {
		return e.buf[n.hdrOff : n.hdrOff+size]
	}
	if int64(cap(e.hdrBuf)) < size {
		e.hdrBuf = make([]byte, size)
	}
	k, _ := e.r.ReadAt(e.hdrBuf[:size], n.hdrOff)
	return e.hdrBuf[:k]
}

// readerContainsFold streams r looking for the matcher's string. Each
// chunk is searched once, with enough of the previous one before it for a
// match across the boundary.
func readerContainsFold(r io.Reader, m *textMatcher) bool {
	buf := make([]byte, 0, 256<<10)
	keep := m.keep()
	from := 0
	for {
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if n > 0 && m.in(buf[max(0, from-keep):]) {
			return true
		}
		from = len(buf)
		if err != nil {
			return false
		}
		if len(buf) > keep && len(buf) > cap(buf)/2 {
			copy(buf, buf[len(buf)-keep:])
			buf = buf[:keep]
			from = keep
		}
	}
}

// Content-Transfer-Encodings that SEARCH decodes.
const (
	cteIdentity = iota
	cteBase64
	cteQP
)

// mimeInfo is what SEARCH needs of an entity's MIME header.
type mimeInfo struct {
	composite bool   // multipart/* or message/rfc822: walk the part tree
	text      bool   // text/* or no Content-Type (RFC 2045 §5.2)
	cte       int    // cteIdentity, cteBase64, cteQP
	charset   string // "" for us-ascii, utf-8 or none (no conversion)
}

// scanMIMEHeader reads Content-Type and Content-Transfer-Encoding from a
// header block without allocating for the common cases (RFC 2045 §5.2:
// no Content-Type means text/plain; charset=us-ascii).
func scanMIMEHeader(hdr []byte) mimeInfo {
	info := mimeInfo{text: true}
	for len(hdr) > 0 {
		var field []byte
		field, hdr = nextField(hdr)
		if field == nil {
			break
		}
		if len(field) < 8 || !equalFoldASCII(field[:8], "content-") {
			continue
		}
		name, value, ok := bytes.Cut(field, []byte(":"))
		if !ok {
			continue
		}
		name = bytes.TrimSpace(name[8:])
		switch {
		case len(name) == 4 && equalFoldASCII(name, "type"):
			mt, params, _ := bytes.Cut(value, []byte(";"))
			mt = bytes.TrimSpace(mt)
			if hasPrefixFold(mt, "multipart/") || hasPrefixFold(mt, "message/rfc822") || hasPrefixFold(mt, "message/global") {
				info.composite = true
			}
			info.text = len(mt) == 0 || hasPrefixFold(mt, "text/")
			info.charset = charsetParam(params)
		case len(name) == 17 && equalFoldASCII(name, "transfer-encoding"):
			v := bytes.TrimSpace(value)
			switch {
			case len(v) == 6 && equalFoldASCII(v, "base64"):
				info.cte = cteBase64
			case len(v) == 16 && equalFoldASCII(v, "quoted-printable"):
				info.cte = cteQP
			}
		}
	}
	return info
}

func hasPrefixFold(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && equalFoldASCII(b[:len(prefix)], prefix)
}

// charsetParam returns the charset parameter of Content-Type parameters,
// or "" when it names us-ascii or utf-8 (nothing to convert).
func charsetParam(params []byte) string {
	for len(params) > 0 {
		var p []byte
		p, params, _ = bytes.Cut(params, []byte(";"))
		name, value, ok := bytes.Cut(p, []byte("="))
		if !ok {
			continue
		}
		name = bytes.TrimSpace(name)
		if len(name) != 7 || !equalFoldASCII(name, "charset") {
			continue
		}
		value = bytes.Trim(bytes.TrimSpace(value), `"`)
		switch {
		case len(value) == 0,
			len(value) == 8 && equalFoldASCII(value, "us-ascii"),
			len(value) == 5 && equalFoldASCII(value, "utf-8"),
			len(value) == 4 && equalFoldASCII(value, "utf8"):
			return ""
		}
		return string(value)
	}
	return ""
}

// charsets caches charset lookups by name (x/text's indexes are slower
// than a map hit, and a mailbox uses few charsets).
var charsets sync.Map // lower-case name → encoding.Encoding (nil: unknown)

func charsetEncoding(name string) encoding.Encoding {
	name = strings.ToLower(strings.TrimSpace(name))
	if v, ok := charsets.Load(name); ok {
		e, _ := v.(encoding.Encoding)
		return e
	}
	var e encoding.Encoding
	if x, err := ianaindex.MIME.Encoding(name); err == nil && x != nil {
		e = x
	} else if x, err := htmlindex.Get(name); err == nil && x != nil {
		e = x
	}
	charsets.Store(name, e)
	return e
}

// decodeBase64Lenient appends the base64 decoding of src to dst. Well
// formed bodies (line breaks are ignored by encoding/base64) decode in one
// call; otherwise characters outside the alphabet are skipped and decoding
// stops at padding (RFC 2045 §6.8), through the scratch buffer tmp.
func decodeBase64Lenient(dst []byte, tmp *[]byte, src []byte) []byte {
	n := base64.StdEncoding.DecodedLen(len(src))
	dst = slices.Grow(dst, n)
	if k, err := base64.StdEncoding.Decode(dst[len(dst):len(dst)+n], src); err == nil {
		return dst[:len(dst)+k]
	}
	t := (*tmp)[:0]
	for _, c := range src {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
			t = append(t, c)
		case c == '=':
			goto done
		}
	}
done:
	if len(t)%4 == 1 {
		t = t[:len(t)-1] // a lone sextet carries no whole octet
	}
	*tmp = t
	n = base64.RawStdEncoding.DecodedLen(len(t))
	dst = slices.Grow(dst, n)
	k, _ := base64.RawStdEncoding.Decode(dst[len(dst):len(dst)+n], t)
	return dst[:len(dst)+k]
}

// decodeQP appends the quoted-printable decoding of src to dst (RFC 2045
// §6.7), leniently: malformed escapes are kept as they are.
func decodeQP(dst, src []byte) []byte {
	for len(src) > 0 {
		i := bytes.IndexByte(src, '=')
		if i < 0 {
			return append(dst, src...)
		}
		dst = append(dst, src[:i]...)
		src = src[i:]
		if len(src) >= 3 && isHex(src[1]) && isHex(src[2]) {
			dst = append(dst, unhex(src[1])<<4|unhex(src[2]))
			src = src[3:]
			continue
		}
		// A soft line break: "=" and optional white space before the end
		// of the line.
		j := 1
		for j < len(src) && (src[j] == ' ' || src[j] == '\t') {
			j++
		}
		if j < len(src) && src[j] == '\r' {
			j++
		}
		switch {
		case j == len(src):
			src = nil
		case src[j] == '\n':
			src = src[j+1:]
		default:
			dst = append(dst, '=')
			src = src[1:]
		}
	}
	return dst
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'F' || c >= 'a' && c <= 'f'
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

// qpReader decodes quoted-printable as decodeQP does, chunk by chunk, so
// that lines of any length decode (mime/quotedprintable stops at lines
// longer than its buffer).
type qpReader struct {
	r        io.Reader
	in       []byte
	out, dec []byte
	err      error
}

func (q *qpReader) Read(p []byte) (int, error) {
	for len(q.out) == 0 {
		if q.err != nil {
			return 0, q.err
		}
		n, err := q.r.Read(q.in[len(q.in):cap(q.in)])
		q.in = q.in[:len(q.in)+n]
		q.err = err
		cut := len(q.in)
		if err == nil {
			// Hold back an escape or soft line break cut by the chunk.
			tail := max(0, len(q.in)-3)
			if i := bytes.LastIndexByte(q.in[tail:], '='); i >= 0 {
				cut = tail + i
			}
		}
		q.dec = decodeQP(q.dec[:0], q.in[:cut])
		q.out = q.dec
		q.in = q.in[:copy(q.in, q.in[cut:])]
	}
	n := copy(p, q.out)
	q.out = q.out[n:]
	return n, nil
}
