package imapserver

import (
	"strings"

	"github.com/mailwire/mailwire/imap"
)

// envelopeFromFields builds the ENVELOPE of a header (RFC 9051 §7.5.2):
// raw values, encoded words kept; Sender and Reply-To default to From.
func envelopeFromFields(h headerFields) *imap.Envelope {
	e := &imap.Envelope{
		Date:      h.get("date"),
		Subject:   h.get("subject"),
		From:      parseAddressList(h.get("from")),
		Sender:    parseAddressList(h.get("sender")),
		ReplyTo:   parseAddressList(h.get("reply-to")),
		To:        parseAddressList(h.get("to")),
		Cc:        parseAddressList(h.get("cc")),
		Bcc:       parseAddressList(h.get("bcc")),
		InReplyTo: h.get("in-reply-to"),
		MessageID: h.get("message-id"),
	}
	if len(e.Sender) == 0 {
		e.Sender = e.From
	}
	if len(e.ReplyTo) == 0 {
		e.ReplyTo = e.From
	}
	return e
}

// parseAddressList is a tolerant RFC 5322 §3.4 address-list parser: it
// accepts what real mail contains (missing brackets, stray commas, group
// syntax, comments) and never fails; unparsable pieces are skipped.
func parseAddressList(s string) []imap.Address {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var out []imap.Address
	items := splitTopLevel(s, ',')
	for _, it := range items {
		it = strings.TrimSpace(it)
		if it == "" {
			continue
		}
		// Group: "name: a, b;" spans several items; detect the colon
		// outside quotes and angle brackets.
		if i := indexTopLevel(it, ':'); i >= 0 && !strings.Contains(it[:i], "<") {
			name := strings.TrimSpace(it[:i])
			out = append(out, imap.Address{Mailbox: unquotePhrase(name)})
			rest := strings.TrimSpace(it[i+1:])
			closed := false
			if strings.HasSuffix(rest, ";") {
				rest = strings.TrimSuffix(rest, ";")
				closed = true
			}
			if a, ok := parseMailbox(rest); ok {
				out = append(out, a)
			}
			if closed {
				out = append(out, imap.Address{})
			}
			continue
		}
		closed := false
		if strings.HasSuffix(it, ";") {
			it = strings.TrimSuffix(it, ";")
			closed = true
		}
		if a, ok := parseMailbox(it); ok {
			out = append(out, a)
		}
		if closed {
			out = append(out, imap.Address{})
		}
		if len(out) > 1000 {
			break
		}
	}
	return out
}

// parseMailbox parses `Name <local@host>` or `local@host (comment)`.
func parseMailbox(s string) (imap.Address, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return imap.Address{}, false
	}
	var a imap.Address
	var spec string
	if lt := indexTopLevel(s, '<'); lt >= 0 {
		gt := strings.IndexByte(s[lt:], '>')
		if gt < 0 {
			spec = s[lt+1:]
		} else {
			spec = s[lt+1 : lt+gt]
		}
		a.Name = unquotePhrase(strings.TrimSpace(s[:lt]))
	} else {
		spec = stripComments(s)
		if c := strings.IndexByte(s, '('); c >= 0 && a.Name == "" {
			if e := strings.LastIndexByte(s, ')'); e > c {
				a.Name = strings.TrimSpace(s[c+1 : e])
			}
		}
	}
	spec = strings.TrimSpace(spec)
	if i := strings.IndexByte(spec, ':'); i >= 0 && strings.HasPrefix(spec, "@") {
		spec = spec[i+1:] // obsolete source route
	}
	at := strings.LastIndexByte(spec, '@')
	if at < 0 {
		a.Mailbox = unquoteLocal(spec)
		if a.Mailbox == "" {
			return a, false
		}
		// A mailbox without a domain: the host is not known. Use an
		// empty-but-not-NIL host would be invalid; servers send the
		// name with a NIL host only for groups, so mark it missing.
		a.Host = "MISSING_DOMAIN"
		return a, true
	}
	a.Mailbox = unquoteLocal(strings.TrimSpace(spec[:at]))
	a.Host = strings.TrimSpace(spec[at+1:])
	return a, true
}

func unquotePhrase(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			if s[i] == '\\' && i+1 < len(s) {
				i++
			}
			b.WriteByte(s[i])
		}
		return b.String()
	}
	return s
}

func unquoteLocal(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return unquotePhrase(s)
	}
	return s
}

func stripComments(s string) string {
	if !strings.Contains(s, "(") {
		return s
	}
	var b strings.Builder
	depth := 0
	inQuote := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case inQuote:
			if ch == '\\' && i+1 < len(s) {
				b.WriteByte(ch)
				i++
				ch = s[i]
			} else if ch == '"' {
				inQuote = false
			}
		case ch == '"' && depth == 0:
			inQuote = true
		case ch == '(':
			depth++
			continue
		case ch == ')' && depth > 0:
			depth--
			continue
		}
		if depth == 0 {
			b.WriteByte(ch)
		}
	}
	return b.String()
}

// splitTopLevel splits on sep outside quotes, comments and angle brackets.
func splitTopLevel(s string, sep byte) []string {
	var out []string
	start := 0
	depth, angle := 0, 0
	inQuote := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case inQuote:
			if ch == '\\' {
				i++
			} else if ch == '"' {
				inQuote = false
			}
		case ch == '"':
			inQuote = true
		case ch == '(':
			depth++
		case ch == ')' && depth > 0:
			depth--
		case ch == '<':
			angle++
		case ch == '>' && angle > 0:
			angle--
		case ch == sep && depth == 0 && angle == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func indexTopLevel(s string, target byte) int {
	depth := 0
	inQuote := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case inQuote:
			if ch == '\\' {
				i++
			} else if ch == '"' {
				inQuote = false
			}
		case ch == '"':
			inQuote = true
		case ch == '(':
			depth++
		case ch == ')' && depth > 0:
			depth--
		case ch == target && depth == 0:
			return i
		}
	}
	return -1
}
