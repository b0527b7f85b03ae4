package imapserver

import (
	"strconv"
	"unicode/utf8"
)

// appendQuotedOrLiteral writes s as a quoted string, or as a literal when
// it contains characters a quoted string cannot carry.
func appendString(b []byte, s string) []byte {
	needLiteral := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch == '\r' || ch == '\n' || ch == 0 || ch >= 0x80 && !utf8.ValidString(s) {
			needLiteral = true
			break
		}
	}
	if needLiteral {
		b = append(b, '{')
		b = strconv.AppendInt(b, int64(len(s)), 10)
		b = append(b, "}\r\n"...)
		return append(b, s...)
	}
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b = append(b, '\\')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}

// appendAString writes s as an atom when possible, otherwise as a string.
func appendAString(b []byte, s string) []byte {
	if s == "" || len(s) > 64 {
		return appendString(b, s)
	}
	for i := 0; i < len(s); i++ {
		if !isAStringChar(s[i]) {
			return appendString(b, s)
		}
	}
	if s == "NIL" || s == "nil" || s == "Nil" {
		return appendString(b, s)
	}
	return append(b, s...)
}

func appendNString(b []byte, s string, isNil bool) []byte {
	if isNil {
		return append(b, "NIL"...)
	}
	return appendString(b, s)
}
