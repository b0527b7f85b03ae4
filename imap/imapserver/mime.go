package imapserver

import (
	"bufio"
	"bytes"
	"io"
	"mime"
	"sort"
	"strings"

	"github.com/mailwire/mailwire/imap"
)

// A streaming MIME parser that computes ENVELOPE and BODYSTRUCTURE with
// exact byte offsets (RFC 2045, RFC 2046, RFC 5322) in one pass over the
// message, holding at most one header block in memory.

const (
	maxHeaderBlock = 256 << 10 // bytes of one header block kept for parsing
	maxMIMEDepth   = 64
	maxMIMEParts   = 10000
)

type mimeParser struct {
	r     *bufio.Reader
	off   int64  // offset of the start of line
	line  []byte // current line including its terminator; nil at EOF
	bnds  []string
	parts int
	long  []byte
	extra int64 // bytes of the current line beyond p.line (very long lines)

	prevTerm  int64 // line terminator length of the previous line
	lineNo    int64 // lines consumed so far
	prevBlank bool  // the previous line was empty
}

// parseStructure parses a whole message.
func parseStructure(r io.Reader) (*imap.BodyStructure, *imap.Envelope, error) {
	p := &mimeParser{r: bufio.NewReaderSize(r, 32<<10)}
	if err := p.next(); err != nil {
		return nil, nil, err
	}
	bs, env, err := p.entity(0, "text", "plain", 0, true)
	return bs, env, err
}

// next advances to the next line.
func (p *mimeParser) next() error {
	if p.line != nil {
		p.off += int64(len(p.line)) + p.extra
		p.prevTerm = lineTermLen(p.line)
		p.prevBlank = int64(len(p.line)) == p.prevTerm
		p.lineNo++
	}
	p.extra = 0
	line, err := p.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		p.long = append(p.long[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = p.r.ReadSlice('\n')
			// Only the start of very long lines matters (boundaries
			// are short); keep a bounded prefix, count all bytes.
			if len(p.long) < 4096 {
				p.long = append(p.long, line...)
			} else {
				p.extra += int64(len(line))
			}
		}
		line = p.long
	}
	if err != nil && err != io.EOF {
		return err
	}
	if len(line) == 0 {
		p.line = nil
		return nil
	}
	p.line = line
	return nil
}

// atBoundary reports whether the current line is a boundary of an
// enclosing multipart (depth index) and whether it is the closing one.
func (p *mimeParser) atBoundary() (idx int, closing bool) {
	l := p.line
	if len(l) < 3 || l[0] != '-' || l[1] != '-' {
		return -1, false
	}
	l = bytes.TrimRight(l[2:], " \t\r\n")
	for i := len(p.bnds) - 1; i >= 0; i-- {
		b := p.bnds[i]
		if !bytes.HasPrefix(l, []byte(b)) {
			continue
		}
		rest := l[len(b):]
		if len(rest) == 0 {
			return i, false
		}
		if string(rest) == "--" {
			return i, true
		}
	}
	return -1, false
}

func lineTermLen(l []byte) int64 {
	n := len(l)
	if n >= 2 && l[n-2] == '\r' && l[n-1] == '\n' {
		return 2
	}
	if n >= 1 && l[n-1] == '\n' {
		return 1
	}
	return 0
}

// entity parses one entity starting at the current line (its header).
func (p *mimeParser) entity(depth int, defType, defSub string, hdrOff int64, top bool) (*imap.BodyStructure, *imap.Envelope, error) {
	p.parts++
	bs := &imap.BodyStructure{HeaderOffset: p.off}
	hdrOff = p.off
	var hdr []byte
	// Header: up to the blank line, EOF or a boundary.
	for p.line != nil {
		if len(p.bnds) > 0 {
			if i, _ := p.atBoundary(); i >= 0 {
				break
			}
		}
		l := p.line
		if len(hdr) < maxHeaderBlock {
			hdr = append(hdr, l...)
		}
		if err := p.next(); err != nil {
			return nil, nil, err
		}
		if len(bytes.TrimRight(l, "\r\n")) == 0 {
			break
		}
	}
	bs.HeaderSize = p.off - hdrOff
	fields := parseHeaderFields(hdr)
	var env *imap.Envelope
	if top {
		env = envelopeFromFields(fields)
	}
	ct := fields.get("content-type")
	mt, params, err := mime.ParseMediaType(ct)
	if ct == "" || mt == "" || (err != nil && err != mime.ErrInvalidMediaParameter) || !strings.Contains(mt, "/") {
		mt = defType + "/" + defSub
		params = nil
		if defType == "text" {
			params = map[string]string{"charset": "us-ascii"}
		}
	}
	slash := strings.IndexByte(mt, '/')
	bs.Type, bs.Subtype = strings.ToLower(mt[:slash]), strings.ToLower(mt[slash+1:])
	names := make([]string, 0, len(params))
	for k := range params {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		bs.Params = append(bs.Params, imap.Param{Name: k, Value: params[k]})
	}
	if bs.Type == "text" && params["charset"] == "" && (ct == "" || mt == defType+"/"+defSub) {
		// RFC 2045 §5.2 default, made explicit like other servers.
		if len(bs.Params) == 0 {
			bs.Params = []imap.Param{{Name: "charset", Value: "us-ascii"}}
		}
	}
	bs.ID = fields.get("content-id")
	bs.Description = fields.get("content-description")
	bs.Encoding = strings.ToUpper(strings.TrimSpace(fields.get("content-transfer-encoding")))
	if bs.Encoding == "" {
		bs.Encoding = "7BIT"
	}
	bs.MD5 = fields.get("content-md5")
	if d := fields.get("content-disposition"); d != "" {
		dt, dp, err := mime.ParseMediaType(d)
		if dt != "" && (err == nil || err == mime.ErrInvalidMediaParameter) {
			bs.Disposition = dt
			dn := make([]string, 0, len(dp))
			for k := range dp {
				dn = append(dn, k)
			}
			sort.Strings(dn)
			for _, k := range dn {
				bs.DispositionParams = append(bs.DispositionParams, imap.Param{Name: k, Value: dp[k]})
			}
		}
	}
	if l := fields.get("content-language"); l != "" {
		for _, t := range strings.Split(l, ",") {
			if t = strings.TrimSpace(t); t != "" {
				bs.Language = append(bs.Language, t)
			}
		}
	}
	bs.Location = fields.get("content-location")

	bodyStart := hdrOff + bs.HeaderSize
	boundary := params["boundary"]
	switch {
	case bs.Type == "multipart" && boundary != "" && depth < maxMIMEDepth && p.parts < maxMIMEParts:
		childType, childSub := "text", "plain"
		if bs.Subtype == "digest" {
			childType, childSub = "message", "rfc822"
		}
		p.bnds = append(p.bnds, boundary)
		my := len(p.bnds) - 1
		// Preamble.
		for p.line != nil {
			if i, _ := p.atBoundary(); i >= 0 {
				break
			}
			if err := p.next(); err != nil {
				return nil, nil, err
			}
		}
		for p.line != nil {
			i, closing := p.atBoundary()
			if i != my {
				break // an outer boundary: this multipart ends here
			}
			if err := p.next(); err != nil {
				return nil, nil, err
			}
			if closing {
				// Epilogue up to an outer boundary or EOF.
				for p.line != nil {
					if j, _ := p.atBoundary(); j >= 0 && j < my {
						break
					}
					if err := p.next(); err != nil {
						return nil, nil, err
					}
				}
				break
			}
			child, _, err := p.entity(depth+1, childType, childSub, p.off, false)
			if err != nil {
				return nil, nil, err
			}
			bs.Children = append(bs.Children, child)
		}
		p.bnds = p.bnds[:my]
		bs.Size = p.bodyEnd(bodyStart) - bodyStart
		if len(bs.Children) == 0 {
			// A multipart without parts: describe it as one empty
			// text part so clients get a valid structure.
			bs.Children = []*imap.BodyStructure{{Type: "text", Subtype: "plain", Params: []imap.Param{{Name: "charset", Value: "us-ascii"}}, Encoding: "7BIT", HeaderOffset: bodyStart, HeaderSize: 0}}
		}
	case bs.IsMessage() && depth < maxMIMEDepth && p.parts < maxMIMEParts && bs.Encoding != "BASE64" && bs.Encoding != "QUOTED-PRINTABLE":
		start := p.off
		lines := p.countingLines()
		inner, innerEnv, err := p.entity(depth+1, "text", "plain", start, true)
		if err != nil {
			return nil, nil, err
		}
		bs.Message, bs.Envelope = inner, innerEnv
		bs.Size = p.bodyEnd(bodyStart) - bodyStart
		bs.Lines = lines()
		if inner.HeaderOffset+inner.HeaderSize+inner.Size > bodyStart+bs.Size {
			inner.Size = max(0, bodyStart+bs.Size-inner.HeaderOffset-inner.HeaderSize)
		}
	default:
		lines := p.countingLines()
		for p.line != nil {
			if len(p.bnds) > 0 {
				if i, _ := p.atBoundary(); i >= 0 {
					break
				}
			}
			if err := p.next(); err != nil {
				return nil, nil, err
			}
		}
		bs.Size = p.bodyEnd(bodyStart) - bodyStart
		bs.Lines = lines()
	}
	return bs, env, nil
}

// bodyEnd is where a body that ends at the current line (a boundary, or
// EOF) ends: the line break before a boundary belongs to the boundary
// (RFC 2046 §5.1.1).
func (p *mimeParser) bodyEnd(bodyStart int64) int64 {
	end := p.off
	if p.line != nil && p.prevTerm > 0 {
		end -= p.prevTerm
	}
	return max(end, bodyStart)
}

// countingLines starts counting body lines from the current line; the
// returned function reports the count so far (lines before a boundary).
func (p *mimeParser) countingLines() func() int64 {
	start := p.lineNo
	return func() int64 {
		n := p.lineNo - start
		if p.line != nil && n > 0 && p.prevBlank {
			// Before a boundary the last line break belongs to the
			// boundary: a blank last line is no line of the body.
			n--
		}
		return n
	}
}

// headerFields is a parsed header block: lower-case names, unfolded values.
type headerFields []headerField

type headerField struct{ name, value string }

func (h headerFields) get(name string) string {
	for _, f := range h {
		if f.name == name {
			return f.value
		}
	}
	return ""
}

func (h headerFields) has(name string) bool {
	for _, f := range h {
		if f.name == name {
			return true
		}
	}
	return false
}

func parseHeaderFields(hdr []byte) headerFields {
	var out headerFields
	for len(hdr) > 0 {
		// One field: a line and its continuation lines.
		end := 0
		for {
			nl := bytes.IndexByte(hdr[end:], '\n')
			if nl < 0 {
				end = len(hdr)
				break
			}
			end += nl + 1
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
		name := strings.ToLower(string(bytes.TrimRight(field[:colon], " \t")))
		val := unfold(field[colon+1:])
		out = append(out, headerField{name, val})
		if len(out) > 1000 {
			break
		}
	}
	return out
}

// unfold removes CRLFs of folded lines and trims surrounding space.
func unfold(v []byte) string {
	v = bytes.TrimSpace(v)
	if bytes.IndexByte(v, '\n') < 0 {
		return string(v)
	}
	var b strings.Builder
	for _, ch := range v {
		if ch == '\r' || ch == '\n' {
			continue
		}
		b.WriteByte(ch)
	}
	return b.String()
}
