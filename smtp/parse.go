package smtp

import (
	"bytes"
	"unicode/utf8"
)

// Parsing of command arguments: reverse-/forward-paths (RFC 5321 §4.1.2,
// with RFC 6531 UTF-8) and ESMTP parameters. The parsers work on the
// command line in place and allocate nothing.

// Path length limits of RFC 5321 §4.5.3.1.1–3.
const (
	maxLocalPart = 64
	maxDomain    = 255
	maxPath      = 256
)

// pathError says why a path was refused; the caller picks the reply.
type pathError uint8

const (
	pathOK       pathError = iota
	pathSyntax             // not a valid path
	pathNonASCII           // UTF-8 without SMTPUTF8 (RFC 6531 §3.4)
	pathTooLong            // RFC 5321 §4.5.3.1
)

// cutPrefixFold removes a case-insensitive ASCII prefix.
func cutPrefixFold(b []byte, prefix string) ([]byte, bool) {
	if len(b) < len(prefix) {
		return b, false
	}
	for i := 0; i < len(prefix); i++ {
		if lowerASCII(b[i]) != lowerASCII(prefix[i]) {
			return b, false
		}
	}
	return b[len(prefix):], true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	_, ok := cutPrefixFold(b, s)
	return ok
}

// splitPath takes "<...>" from the start of b and returns what is inside
// the brackets (source route included) and what follows the '>'. A '>'
// inside a quoted local part does not end the path.
func splitPath(b []byte) (inner, rest []byte, ok bool) {
	if len(b) == 0 || b[0] != '<' {
		return nil, nil, false
	}
	quoted := false
	for i := 1; i < len(b); i++ {
		switch c := b[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && c == '>':
			return b[1:i], b[i+1:], true
		}
	}
	return nil, nil, false
}

// parsePathArg parses "<path> params" (the text after "FROM:" or "TO:").
// It accepts a space before the '<' as many clients send it. It returns
// the mailbox without brackets and source route, and the parameter text.
func parsePathArg(b []byte, smtputf8, allowEmpty bool) (addr, params []byte, perr pathError) {
	for len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	inner, rest, ok := splitPath(b)
	if !ok {
		return nil, nil, pathSyntax
	}
	if len(rest) > 0 {
		if rest[0] != ' ' {
			return nil, nil, pathSyntax
		}
		rest = rest[1:]
	}
	if len(inner) > maxPath {
		return nil, nil, pathTooLong
	}
	if len(inner) == 0 {
		if !allowEmpty {
			return nil, nil, pathSyntax
		}
		return inner, rest, pathOK
	}
	// A-d-l ":" — a source route, which RFC 5321 §4.1.1.3 says to ignore.
	if inner[0] == '@' {
		i := bytes.IndexByte(inner, ':')
		if i < 0 || !validRoute(inner[:i]) {
			return nil, nil, pathSyntax
		}
		inner = inner[i+1:]
	}
	if perr := checkMailbox(inner, smtputf8, !allowEmpty); perr != pathOK {
		return nil, nil, perr
	}
	return inner, rest, pathOK
}

func validRoute(r []byte) bool {
	for len(r) > 0 {
		if r[0] != '@' {
			return false
		}
		r = r[1:]
		i := bytes.IndexByte(r, ',')
		d := r
		if i >= 0 {
			d = r[:i]
			r = r[i+1:]
		} else {
			r = nil
		}
		if !validDomain(d, true) {
			return false
		}
	}
	return true
}

// checkMailbox validates Local-part "@" (Domain / address-literal). For
// RCPT (postmaster true) the bare "Postmaster" of RFC 5321 §4.1.1.3 is
// accepted too.
func checkMailbox(m []byte, smtputf8, postmaster bool) pathError {
	if postmaster && equalFold(m, "postmaster") {
		return pathOK
	}
	hasNonASCII := false
	for _, c := range m {
		if c >= 0x80 {
			hasNonASCII = true
			break
		}
	}
	if hasNonASCII {
		if !utf8.Valid(m) {
			return pathSyntax
		}
		if !smtputf8 {
			return pathNonASCII
		}
	}
	at := bytes.LastIndexByte(m, '@')
	if at <= 0 || at == len(m)-1 {
		return pathSyntax
	}
	local, domain := m[:at], m[at+1:]
	if len(local) > maxLocalPart && !hasNonASCII || len(domain) > maxDomain {
		return pathTooLong
	}
	if !validLocalPart(local) {
		return pathSyntax
	}
	if domain[0] == '[' {
		if !validAddressLiteral(domain) {
			return pathSyntax
		}
		return pathOK
	}
	if !validDomain(domain, true) {
		return pathSyntax
	}
	return pathOK
}

// isAtext reports RFC 5322 atext; octets >= 0x80 are allowed here and
// checked for UTF-8 validity by the caller (RFC 6531 §3.3).
func isAtext(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c >= 0x80:
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '/', '=', '?', '^', '_', '`', '{', '|', '}', '~':
		return true
	}
	return false
}

func validLocalPart(l []byte) bool {
	if len(l) == 0 {
		return false
	}
	if l[0] == '"' {
		if len(l) < 2 || l[len(l)-1] != '"' {
			return false
		}
		q := l[1 : len(l)-1]
		for i := 0; i < len(q); i++ {
			c := q[i]
			switch {
			case c == '\\':
				i++
				if i >= len(q) || q[i] < 32 || q[i] > 126 {
					return false
				}
			case c == '"':
				return false
			case c < 32 || c == 127:
				return false
			}
		}
		return true
	}
	prevDot := true // no leading dot
	for _, c := range l {
		if c == '.' {
			if prevDot {
				return false
			}
			prevDot = true
			continue
		}
		if !isAtext(c) {
			return false
		}
		prevDot = false
	}
	return !prevDot // no trailing dot
}

// validDomain checks Domain = sub-domain *("." sub-domain) with
// sub-domain = Let-dig [Ldh-str]; UTF-8 labels (U-labels, RFC 6531 §3.3)
// are accepted as octets >= 0x80.
func validDomain(d []byte, allowUTF8 bool) bool {
	if len(d) == 0 || len(d) > maxDomain {
		return false
	}
	labelLen := 0
	prev := byte('.')
	for _, c := range d {
		switch {
		case c == '.':
			if prev == '.' || prev == '-' {
				return false
			}
			labelLen = 0
		case c == '-':
			if prev == '.' {
				return false
			}
			labelLen++
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			labelLen++
		case c >= 0x80 && allowUTF8:
			labelLen++
		default:
			return false
		}
		if labelLen > 63 && !allowUTF8 {
			return false
		}
		prev = c
	}
	return prev != '.' && prev != '-'
}

// validAddressLiteral checks "[" (IPv4 / "IPv6:" addr / tag ":" dcontent) "]"
// loosely: printable dcontent without brackets or backslash (RFC 5321
// §4.1.3).
func validAddressLiteral(d []byte) bool {
	if len(d) < 3 || d[0] != '[' || d[len(d)-1] != ']' {
		return false
	}
	for _, c := range d[1 : len(d)-1] {
		if c < 33 || c > 126 || c == '[' || c == ']' || c == '\\' {
			return false
		}
	}
	return true
}

// nextParam splits the next "keyword[=value]" from params (separated by
// spaces). ok is false at the end; bad reports a syntax error (RFC 5321
// §4.1.2 esmtp-param).
func nextParam(params []byte) (key, value, rest []byte, ok, bad bool) {
	for len(params) > 0 && params[0] == ' ' {
		params = params[1:]
	}
	if len(params) == 0 {
		return nil, nil, nil, false, false
	}
	end := bytes.IndexByte(params, ' ')
	tok := params
	if end >= 0 {
		tok, rest = params[:end], params[end+1:]
	}
	key = tok
	if i := bytes.IndexByte(tok, '='); i >= 0 {
		key, value = tok[:i], tok[i+1:]
		if len(value) == 0 {
			return nil, nil, nil, false, true
		}
		for _, c := range value {
			if c < 33 || c == '=' || c == 127 {
				return nil, nil, nil, false, true
			}
		}
	}
	if len(key) == 0 {
		return nil, nil, nil, false, true
	}
	for i, c := range key {
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && (i == 0 || c != '-') {
			return nil, nil, nil, false, true
		}
	}
	return key, value, rest, true, false
}

// parseSize parses a decimal size up to 18 digits (no overflow).
func parseSize(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// decodeXtext decodes RFC 3461 §4 xtext: "+" followed by two uppercase
// hex digits encodes an octet; other octets are "!".."~" except "+" and
// "=". With utf8 set (RFC 6533 utf-8-addr-xtext use with SMTPUTF8) UTF-8
// octets are accepted as is.
func decodeXtext(b []byte, allowUTF8 bool) (string, bool) {
	if bytes.IndexByte(b, '+') < 0 {
		for _, c := range b {
			if (c < '!' || c > '~' || c == '=') && !(allowUTF8 && c >= 0x80) {
				return "", false
			}
		}
		return string(b), true
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == '+':
			if i+2 >= len(b) {
				return "", false
			}
			h, ok1 := unhex(b[i+1])
			l, ok2 := unhex(b[i+2])
			if !ok1 || !ok2 {
				return "", false
			}
			out = append(out, h<<4|l)
			i += 2
		case c >= '!' && c <= '~' && c != '=', allowUTF8 && c >= 0x80:
			out = append(out, c)
		default:
			return "", false
		}
	}
	return string(out), true
}

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// ParsePath parses an RFC 5321 reverse-path or forward-path, such as
// "<user@example.org>", and returns the mailbox without brackets and
// source route; "<>" returns "". UTF-8 mailboxes are accepted only when
// smtputf8 is set (RFC 6531). Quoted local parts are returned quoted.
func ParsePath(path string, smtputf8 bool) (string, error) {
	addr, rest, perr := parsePathArg([]byte(path), smtputf8, true)
	if perr == pathOK && len(rest) > 0 {
		perr = pathSyntax
	}
	switch perr {
	case pathOK:
		return string(addr), nil
	case pathNonASCII:
		return "", &Error{Code: 553, EnhancedCode: [3]int{5, 6, 7}, Message: "Non-ASCII address requires SMTPUTF8"}
	case pathTooLong:
		return "", &Error{Code: 501, EnhancedCode: [3]int{5, 1, 3}, Message: "Path too long"}
	}
	return "", &Error{Code: 501, EnhancedCode: [3]int{5, 1, 3}, Message: "Invalid path syntax"}
}
