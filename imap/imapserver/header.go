package imapserver

import (
	"bytes"
	"strings"
)

// Header parsing for SEARCH (HEADER, FROM, SUBJECT, SENTBEFORE ...).

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
