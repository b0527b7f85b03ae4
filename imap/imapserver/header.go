package imapserver

import (
	"bytes"
	"strings"

	"github.com/mailwire/mailwire/imap"
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

// maxHeaderFields bounds the fields kept for one message's SEARCH.
const maxHeaderFields = 1000

// parseHeaderFields splits a header block with imap.ForEachHeaderField.
func parseHeaderFields(hdr []byte) headerFields {
	var out headerFields
	imap.ForEachHeaderField(hdr, func(name []byte, value string) {
		if len(out) <= maxHeaderFields {
			out = append(out, headerField{strings.ToLower(string(name)), value})
		}
	})
	return out
}

// unfold removes the CRLFs of folded lines and trims surrounding space
// (SORT's header reader in cmd_sort.go uses it).
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
