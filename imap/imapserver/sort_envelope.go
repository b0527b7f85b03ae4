package imapserver

import (
	"bytes"
	"encoding/binary"
)

// A quick reader of the two ENVELOPE fields SORT needs without a wire
// decoder: the first fill of a big mailbox's sort cache reads them from
// every message's cached blob. It understands the forms the encoder
// writes (NIL, quoted strings, synchronizing literals); anything else
// makes the caller use the full decoder, so answers do not depend on
// which reader ran.

// blobEnvelope returns the encoded ENVELOPE of an Analyze blob (a slice
// of blob), checking what decodeStructure checks but allocating nothing.
func blobEnvelope(blob []byte) ([]byte, bool) {
	if !bytes.HasPrefix(blob, []byte(structureMagic)) {
		return nil, false
	}
	b := blob[len(structureMagic):]
	var env []byte
	for i := range 3 { // ENVELOPE, BODYSTRUCTURE, BODY
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			return nil, false
		}
		if i == 0 {
			env = b[k : k+int(n)]
		}
		b = b[k+int(n):]
	}
	return env, true
}

// envelopeDateSubject reads "(" date SP subject of an encoded ENVELOPE
// (RFC 9051 §7.5.2) and returns them as strings; NIL is "". scratch
// holds unescaped quoted strings.
func envelopeDateSubject(env []byte, scratch []byte) (date, subject string, _ []byte, ok bool) {
	if len(env) == 0 || env[0] != '(' {
		return "", "", scratch, false
	}
	var d, s []byte
	rest := env[1:]
	if d, rest, scratch, ok = quickNString(rest, scratch); !ok {
		return "", "", scratch, false
	}
	if len(rest) == 0 || rest[0] != ' ' {
		return "", "", scratch, false
	}
	if s, _, scratch, ok = quickNString(rest[1:], scratch); !ok {
		return "", "", scratch, false
	}
	return string(d), string(s), scratch, true
}

// quickNString reads one nstring from the start of b.
func quickNString(b, scratch []byte) (v, rest, _ []byte, ok bool) {
	if len(b) == 0 {
		return nil, nil, scratch, false
	}
	switch b[0] {
	case 'N':
		if len(b) >= 4 && b[1] == 'I' && b[2] == 'L' && (b[3] == ' ' || b[3] == ')') {
			return nil, b[3:], scratch, true
		}
	case '"':
		start := len(scratch)
		escaped := false
		for i := 1; i < len(b); i++ {
			switch c := b[i]; c {
			case '"':
				if !escaped {
					return b[1:i], b[i+1:], scratch, true
				}
				return scratch[start:], b[i+1:], scratch, true
			case '\\':
				if i+1 == len(b) || (b[i+1] != '"' && b[i+1] != '\\') {
					return nil, nil, scratch, false
				}
				if !escaped {
					escaped = true
					scratch = append(scratch, b[1:i]...)
				}
				i++
				scratch = append(scratch, b[i])
			case '\r', '\n', 0:
				return nil, nil, scratch, false
			default:
				if escaped {
					scratch = append(scratch, c)
				}
			}
		}
	case '{':
		n, i := 0, 1
		for ; i < len(b) && '0' <= b[i] && b[i] <= '9' && i < 10; i++ {
			n = n*10 + int(b[i]-'0')
		}
		if i == 1 || i+3 > len(b) || b[i] != '}' || b[i+1] != '\r' || b[i+2] != '\n' {
			return nil, nil, scratch, false
		}
		b = b[i+3:]
		if n > len(b) || n > maxSortHeader { // the wire decoder's limit
			return nil, nil, scratch, false
		}
		return b[:n], b[n:], scratch, true
	}
	return nil, nil, scratch, false
}
