package wire

import (
	"errors"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Modified UTF-7 mailbox names (RFC 3501 §5.1.3): printable ASCII stands
// for itself except "&", written "&-"; other characters are UTF-16 encoded
// in a modified BASE64 (with "," for "/") between "&" and "-".

const b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,"

var b64index = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(b64chars); i++ {
		t[b64chars[i]] = int8(i)
	}
	return
}()

// ErrBadUTF7 is returned for a mailbox name that is not valid modified UTF-7.
var ErrBadUTF7 = errors.New("wire: malformed modified UTF-7 mailbox name")

// EncodeUTF7 encodes a UTF-8 mailbox name in modified UTF-7.
func EncodeUTF7(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '&' {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	var units []uint16
	flush := func() {
		if len(units) == 0 {
			return
		}
		b.WriteByte('&')
		var acc uint32
		bits := 0
		for _, u := range units {
			acc = acc<<16 | uint32(u)
			bits += 16
			for bits >= 6 {
				bits -= 6
				b.WriteByte(b64chars[(acc>>bits)&63])
			}
		}
		if bits > 0 {
			b.WriteByte(b64chars[(acc<<(6-bits))&63])
		}
		b.WriteByte('-')
		units = units[:0]
	}
	for _, r := range s {
		if r >= 0x20 && r <= 0x7e {
			flush()
			if r == '&' {
				b.WriteString("&-")
			} else {
				b.WriteRune(r)
			}
			continue
		}
		if r == utf8.RuneError {
			r = 0xfffd
		}
		units = utf16.AppendRune(units, r)
	}
	flush()
	return b.String()
}

// DecodeUTF7 decodes a modified UTF-7 mailbox name to UTF-8. It rejects
// 8-bit octets, unterminated or empty shifts ("&-" is "&"), encoded
// printable ASCII, bad padding and broken surrogates, as RFC 3501 §5.1.3
// requires of a canonical encoding.
func DecodeUTF7(s string) (string, error) {
	if strings.IndexByte(s, '&') < 0 {
		for i := 0; i < len(s); i++ {
			if s[i] < 0x20 || s[i] > 0x7e {
				return "", ErrBadUTF7
			}
		}
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e {
			return "", ErrBadUTF7
		}
		if c != '&' {
			b.WriteByte(c)
			continue
		}
		j := strings.IndexByte(s[i+1:], '-')
		if j < 0 {
			return "", ErrBadUTF7
		}
		enc := s[i+1 : i+1+j]
		i += j + 1
		if enc == "" {
			b.WriteByte('&')
			continue
		}
		var units []uint16
		var acc uint32
		bits := 0
		for k := 0; k < len(enc); k++ {
			v := b64index[enc[k]]
			if v < 0 {
				return "", ErrBadUTF7
			}
			acc = acc<<6 | uint32(v)
			bits += 6
			if bits >= 16 {
				bits -= 16
				units = append(units, uint16(acc>>bits))
			}
		}
		// Leftover bits must be zero padding, fewer than 6 of them.
		if bits >= 6 || acc&(1<<bits-1) != 0 || len(units) == 0 {
			return "", ErrBadUTF7
		}
		for k := 0; k < len(units); k++ {
			u := units[k]
			var r rune
			switch {
			case utf16.IsSurrogate(rune(u)):
				if k+1 >= len(units) {
					return "", ErrBadUTF7
				}
				r = utf16.DecodeRune(rune(u), rune(units[k+1]))
				if r == utf8.RuneError {
					return "", ErrBadUTF7
				}
				k++
			default:
				r = rune(u)
				if r >= 0x20 && r <= 0x7e {
					return "", ErrBadUTF7 // must have been written directly
				}
			}
			b.WriteRune(r)
		}
		// Two adjacent shifts are not canonical ("&AGE-&AGE-"), but RFC 3501
		// does not forbid decoding them; accept.
	}
	return b.String(), nil
}
