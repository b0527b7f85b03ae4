package imap

import "strings"

// MissingDomain is the host reported for an address without a domain, so
// that it is not mistaken for a group marker (Dovecot uses the same value).
const MissingDomain = "MISSING_DOMAIN"

// ParseAddressList parses an RFC 5322 address-list leniently into
// envelope addresses (RFC 9051 §7.5.2): display names are unquoted but
// encoded words stay raw; a comment stands in for a missing display name;
// groups become start/end markers; source routes are dropped. Garbage
// yields whatever addresses can be recognised, never an error.
func ParseAddressList(s string) []Address {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	p := addrParser{s: s}
	var out []Address
	inGroup := false
	for p.i < len(p.s) && len(out) < 10000 {
		p.skipWS()
		if p.i >= len(p.s) {
			break
		}
		switch p.s[p.i] {
		case ',':
			p.i++
			continue
		case ';':
			p.i++
			if inGroup {
				out = append(out, Address{})
				inGroup = false
			}
			continue
		}
		phrase, raw := p.phrase()
		if p.i >= len(p.s) {
			if raw != "" {
				out = append(out, p.bare(raw))
			}
			break
		}
		switch p.s[p.i] {
		case ':':
			p.i++
			if inGroup { // nested groups are not allowed; close the open one
				out = append(out, Address{})
			}
			out = append(out, Address{Mailbox: phrase})
			inGroup = true
		case '<':
			p.i++
			local, domain := p.angle()
			name := phrase
			if name == "" {
				name = p.comment
			}
			if local != "" || domain != "" {
				out = append(out, mkAddress(name, local, domain))
			}
		case '@':
			p.i++
			domain := p.domain()
			out = append(out, mkAddress(p.comment, raw, domain))
		default: // ',' or ';' or stray character
			if raw != "" {
				out = append(out, p.bare(raw))
			}
			if c := p.s[p.i]; c != ',' && c != ';' {
				p.i++
			}
		}
	}
	if inGroup {
		out = append(out, Address{})
	}
	return out
}

func mkAddress(name, local, domain string) Address {
	if domain == "" {
		domain = MissingDomain
	}
	return Address{Name: name, Mailbox: local, Host: domain}
}

type addrParser struct {
	s       string
	i       int
	comment string // text of the last comment seen, for a missing name
}

func (p *addrParser) bare(raw string) Address {
	return Address{Name: p.comment, Mailbox: raw, Host: MissingDomain}
}

// skipWS skips white space and comments, remembering the last comment.
func (p *addrParser) skipWS() {
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			p.i++
		case c == '(':
			// A comment, possibly nested, with quoted-pairs; an unclosed
			// one runs to the end of the value.
			start := p.i + 1
			depth, j, closed := 0, p.i, false
			for j < len(p.s) {
				ch := p.s[j]
				j++
				if ch == '\\' {
					j++
					continue
				}
				if ch == '(' {
					depth++
				} else if ch == ')' {
					if depth--; depth == 0 {
						closed = true
						break
					}
				}
			}
			j = min(j, len(p.s))
			end := j
			if closed {
				end = j - 1
			}
			end = max(end, start)
			p.i = j
			if c := strings.TrimSpace(p.s[start:end]); c != "" {
				p.comment = unquoteComment(c)
			}
		default:
			return
		}
	}
}

func unquoteComment(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// phrase reads words up to one of < @ : , ; and returns them both as a
// display name (unquoted, words joined by one space) and as raw text (for a
// local part, without white space between tokens).
func (p *addrParser) phrase() (name, raw string) {
	var nb, rb strings.Builder
	p.comment = ""
	for {
		p.skipWS()
		if p.i >= len(p.s) {
			break
		}
		c := p.s[p.i]
		if c == '<' || c == '@' || c == ':' || c == ',' || c == ';' {
			break
		}
		if c == '"' {
			start := p.i
			p.i++
			var w strings.Builder
			for p.i < len(p.s) && p.s[p.i] != '"' {
				if p.s[p.i] == '\\' && p.i+1 < len(p.s) {
					p.i++
				}
				w.WriteByte(p.s[p.i])
				p.i++
			}
			if p.i < len(p.s) {
				p.i++
			}
			appendWord(&nb, w.String())
			rb.WriteString(p.s[start:p.i])
			continue
		}
		if c == '>' || c == ')' || c == '[' || c == ']' {
			p.i++
			continue
		}
		start := p.i
		for p.i < len(p.s) && !strings.ContainsRune(" \t\r\n\"(<>@:,;[]", rune(p.s[p.i])) {
			p.i++
		}
		word := p.s[start:p.i]
		if word == "." || strings.HasPrefix(word, ".") && nb.Len() > 0 {
			// obs-phrase dots join the previous word
			nb.WriteString(word)
		} else {
			appendWord(&nb, word)
		}
		rb.WriteString(word)
	}
	return nb.String(), rb.String()
}

func appendWord(b *strings.Builder, w string) {
	if b.Len() > 0 {
		b.WriteByte(' ')
	}
	b.WriteString(w)
}

// angle reads [route ":"] local "@" domain ">" after "<".
func (p *addrParser) angle() (local, domain string) {
	end := strings.IndexByte(p.s[p.i:], '>')
	var inner string
	if end < 0 {
		inner = p.s[p.i:]
		p.i = len(p.s)
	} else {
		inner = p.s[p.i : p.i+end]
		p.i += end + 1
	}
	inner = strings.TrimSpace(stripComments(inner))
	if strings.HasPrefix(inner, "@") { // obs-route: @a,@b:user@host
		if c := strings.IndexByte(inner, ':'); c >= 0 {
			inner = inner[c+1:]
		}
	}
	at := strings.LastIndexByte(inner, '@')
	if at < 0 {
		return strings.TrimSpace(inner), ""
	}
	return strings.TrimSpace(inner[:at]), strings.TrimSpace(inner[at+1:])
}

// domain reads a domain after "@" up to "," ";" or the end.
func (p *addrParser) domain() string {
	p.skipWS()
	start := p.i
	if p.i < len(p.s) && p.s[p.i] == '[' {
		if e := strings.IndexByte(p.s[p.i:], ']'); e >= 0 {
			p.i += e + 1
			d := p.s[start:p.i]
			p.skipWS()
			return d
		}
	}
	for p.i < len(p.s) && !strings.ContainsRune(" \t\r\n(,;<>", rune(p.s[p.i])) {
		p.i++
	}
	d := p.s[start:p.i]
	p.skipWS()
	return d
}
