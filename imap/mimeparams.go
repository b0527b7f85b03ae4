package imap

import (
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxParams bounds the parameters kept per header field.
const maxParams = 64

// parseContentType parses type "/" subtype *(";" parameter) (RFC 2045
// §5.1). Type and subtype are lower-cased; ok is false when the value is
// not syntactically a media type.
func parseContentType(v string) (typ, sub string, params []Param, ok bool) {
	v = stripComments(v)
	s := strings.TrimSpace(v)
	i := strings.IndexByte(s, ';')
	mt := s
	rest := ""
	if i >= 0 {
		mt, rest = s[:i], s[i:]
	}
	slash := strings.IndexByte(mt, '/')
	if slash < 0 {
		return "", "", nil, false
	}
	typ = strings.ToLower(strings.TrimSpace(mt[:slash]))
	sub = strings.ToLower(strings.TrimSpace(mt[slash+1:]))
	if !isToken(typ) || !isToken(sub) {
		return "", "", nil, false
	}
	return typ, sub, parseParams(rest), true
}

// parseDisposition parses disposition-type *(";" parameter) (RFC 2183).
func parseDisposition(v string) (string, []Param, bool) {
	s := strings.TrimSpace(stripComments(v))
	i := strings.IndexByte(s, ';')
	d, rest := s, ""
	if i >= 0 {
		d, rest = s[:i], s[i:]
	}
	d = strings.TrimSpace(d)
	if !isToken(d) {
		return "", nil, false
	}
	return strings.ToLower(d), parseParams(rest), true
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?=`, c) >= 0 {
			return false
		}
	}
	return true
}

// rawParam is one attribute=value before RFC 2231 assembly.
type rawParam struct {
	name    string // lower case, without "*n" / "*"
	section int    // -1 for a plain parameter
	ext     bool   // value is extended (charset'lang'%xx)
	value   string
}

// parseParams parses *(";" attribute "=" value) leniently: values may be
// tokens or quoted strings, and an unquoted value may contain anything up
// to the next ";". RFC 2231 continuations and charsets are assembled.
func parseParams(s string) []Param {
	var raws []rawParam
	for len(s) > 0 && len(raws) < maxParams*4 {
		s = strings.TrimLeft(s, "; \t")
		if s == "" {
			break
		}
		eq := strings.IndexByte(s, '=')
		semi := strings.IndexByte(s, ';')
		if eq < 0 || (semi >= 0 && semi < eq) {
			// attribute without value: skip it
			if semi < 0 {
				break
			}
			s = s[semi:]
			continue
		}
		name := strings.ToLower(strings.TrimSpace(s[:eq]))
		s = strings.TrimLeft(s[eq+1:], " \t")
		var value string
		if strings.HasPrefix(s, `"`) {
			value, s = readQuoted(s)
		} else {
			end := strings.IndexByte(s, ';')
			if end < 0 {
				end = len(s)
			}
			value, s = strings.TrimSpace(s[:end]), s[end:]
		}
		if name == "" {
			continue
		}
		rp := rawParam{name: name, section: -1, value: value}
		if strings.HasSuffix(rp.name, "*") {
			rp.ext = true
			rp.name = rp.name[:len(rp.name)-1]
		}
		if i := strings.LastIndexByte(rp.name, '*'); i > 0 {
			if n, err := strconv.Atoi(rp.name[i+1:]); err == nil && n >= 0 && n < 1000 {
				rp.section = n
				rp.name = rp.name[:i]
			}
		}
		raws = append(raws, rp)
	}
	return assembleParams(raws)
}

func readQuoted(s string) (string, string) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '"':
			return b.String(), s[i+1:]
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), ""
}

// assembleParams joins RFC 2231 continuations (name*0, name*1*, ...) and
// decodes extended values (charset'language'%XX) to UTF-8 (RFC 2231 §3,
// §4). A plain parameter and an RFC 2231 one of the same name: the RFC 2231
// one wins, as it is the newer form. Order of first appearance is kept.
func assembleParams(raws []rawParam) []Param {
	simple := true
	for _, r := range raws {
		if r.section >= 0 || r.ext {
			simple = false
			break
		}
	}
	if simple { // no RFC 2231 parameters: the common case
		out := make([]Param, 0, len(raws))
		for _, r := range raws {
			dup := false
			for _, o := range out {
				if o.Name == r.name {
					dup = true
					break
				}
			}
			if !dup && len(out) < maxParams {
				out = append(out, Param{Name: r.name, Value: r.value})
			}
		}
		return out
	}
	var out []Param
	index := map[string]int{}
	type seg struct {
		n     int
		ext   bool
		value string
	}
	segs := map[string][]seg{}
	for _, r := range raws {
		i, seen := index[r.name]
		if !seen {
			if len(out) >= maxParams {
				continue
			}
			index[r.name] = len(out)
			out = append(out, Param{Name: r.name})
			i = len(out) - 1
		}
		if r.section < 0 && !r.ext {
			if _, has := segs[r.name]; !has && out[i].Value == "" {
				out[i].Value = r.value
			}
			continue
		}
		n := r.section
		if n < 0 {
			n = 0
		}
		segs[r.name] = append(segs[r.name], seg{n, r.ext, r.value})
	}
	for name, ss := range segs {
		sort.SliceStable(ss, func(a, b int) bool { return ss[a].n < ss[b].n })
		var b strings.Builder
		charset := ""
		for k, sg := range ss {
			v := sg.value
			if sg.ext {
				if k == 0 {
					// charset'language'value
					if p := strings.IndexByte(v, '\''); p >= 0 {
						if q := strings.IndexByte(v[p+1:], '\''); q >= 0 {
							charset = strings.ToLower(v[:p])
							v = v[p+1+q+1:]
						}
					}
				}
				v = percentDecode(v)
			}
			b.WriteString(v)
		}
		out[index[name]].Value = toUTF8(charset, b.String())
	}
	return out
}

func percentDecode(s string) string {
	if strings.IndexByte(s, '%') < 0 {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b = append(b, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		b = append(b, s[i])
	}
	return string(b)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// toUTF8 converts s from charset to UTF-8; unknown charsets and invalid
// input are returned unchanged.
func toUTF8(charset, s string) string {
	switch charset {
	case "", "utf-8", "utf8", "us-ascii", "ascii":
		return s
	}
	if isASCII(s) {
		return s
	}
	if d := charsetDecoder(charset); d != nil {
		if out, err := d(s); err == nil && utf8.ValidString(out) {
			return out
		}
	}
	return s
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
