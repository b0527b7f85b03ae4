package imap

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// BaseSubject returns the base subject of a raw Subject header value as
// RFC 5256 §2.1 defines it: encoded words decoded to UTF-8, white space
// collapsed, and "Re:", "Fw:", "Fwd:", "[blob]" prefixes, "(fwd)"
// trailers and "[fwd: ...]" wrappers removed, repeatedly. All servers
// and disconnected clients MUST use exactly this algorithm (§2.1), so
// that SORT (SUBJECT) and THREAD agree everywhere.
//
// Comparisons of base subjects are case-insensitive (RFC 5256 §7); use
// CollationKey to compare them.
func BaseSubject(subject string) string {
	s, _ := baseSubject(subject)
	return s
}

// baseSubject also reports whether the extraction removed a subj-refwd,
// a "(fwd)" trailer or a "[fwd: ...]" wrapper: RFC 5256 §3 (REFERENCES)
// then counts the message as a reply or forward.
func baseSubject(subject string) (base string, replyOrFwd bool) {
	// (1) Decode encoded words; tabs and continuations become spaces;
	// runs of spaces become one.
	s := normalizeSubjectSpace(DecodeHeader(subject))
	for {
		// (2) Remove trailers: "(fwd)" or white space, repeatedly.
		for {
			if strings.HasSuffix(s, " ") {
				s = s[:len(s)-1]
				continue
			}
			if n := len(s); n >= 5 && strings.EqualFold(s[n-5:], "(fwd)") {
				s = s[:n-5]
				replyOrFwd = true
				continue
			}
			break
		}
		// (5) Repeat (3) and (4) until neither changes anything.
		for {
			before := len(s)
			// (3) Remove subj-leader prefixes: white space or
			// *subj-blob subj-refwd.
			for {
				if strings.HasPrefix(s, " ") {
					s = s[1:]
					continue
				}
				if k := leaderRefwdLen(s); k > 0 {
					s = s[k:]
					replyOrFwd = true
					continue
				}
				break
			}
			// (4) Remove a leading subj-blob if what remains is a
			// non-empty subj-base. The blob takes its trailing white
			// space and step (2) removed trailing white space, so
			// anything left is a subj-base.
			if k := blobLen(s); k > 0 && k < len(s) {
				s = s[k:]
			}
			if len(s) == before {
				break
			}
		}
		// (6) "[fwd:" subject "]": unwrap and start again from (2).
		if len(s) >= 6 && strings.EqualFold(s[:5], "[fwd:") && s[len(s)-1] == ']' {
			s = s[5 : len(s)-1]
			replyOrFwd = true
			continue
		}
		// (7)
		return s, replyOrFwd
	}
}

// normalizeSubjectSpace turns tabs, CR and LF into spaces and collapses
// runs of spaces (RFC 5256 §2.1 step 1). It does not allocate when there
// is nothing to change.
func normalizeSubjectSpace(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\t' || c == '\r' || c == '\n' || (c == ' ' && i+1 < len(s) && s[i+1] == ' ') {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\t' || c == '\r' || c == '\n' {
			c = ' '
		}
		if c == ' ' && len(b) > 0 && b[len(b)-1] == ' ' {
			continue
		}
		b = append(b, c)
	}
	return string(b)
}

// blobLen returns the length of a subj-blob at the start of s:
// "[" *BLOBCHAR "]" *WSP, where BLOBCHAR is any octet but NUL, '[' and
// ']'. It returns 0 if there is none.
func blobLen(s string) int {
	if len(s) == 0 || s[0] != '[' {
		return 0
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case ']':
			i++
			for i < len(s) && s[i] == ' ' {
				i++
			}
			return i
		case '[', 0:
			return 0
		}
	}
	return 0
}

// leaderRefwdLen returns the length of *subj-blob subj-refwd at the start
// of s, where subj-refwd = ("re" / ("fw" ["d"])) *WSP [subj-blob] ":"
// (case-insensitive, as ABNF strings are), or 0.
func leaderRefwdLen(s string) int {
	i := 0
	for {
		k := blobLen(s[i:])
		if k == 0 {
			break
		}
		i += k
	}
	switch {
	case hasPrefixFold(s[i:], "re"):
		i += 2
	case hasPrefixFold(s[i:], "fwd"):
		i += 3
	case hasPrefixFold(s[i:], "fw"):
		i += 2
	default:
		return 0
	}
	for i < len(s) && s[i] == ' ' {
		i++
	}
	i += blobLen(s[i:])
	if i < len(s) && s[i] == ':' {
		return i + 1
	}
	return 0
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// CollationKey maps a string to its i;unicode-casemap form (RFC 5051, the
// collation RFC 5256 §7 requires for SORT and THREAD): every character
// replaced by its titlecase mapping, then decomposed (NFKD). Two strings
// collate in the order of their keys compared as octets. Bytes that are
// not UTF-8 are kept as they are.
func CollationKey(s string) string {
	ascii := true
	upper := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
		if 'a' <= c && c <= 'z' {
			upper = false
		}
	}
	if ascii {
		if upper {
			return s
		}
		b := make([]byte, len(s))
		for i := 0; i < len(s); i++ {
			c := s[i]
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			b[i] = c
		}
		return string(b)
	}
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			b = append(b, s[i])
			i++
			continue
		}
		b = utf8.AppendRune(b, unicode.ToTitle(r))
		i += n
	}
	return string(norm.NFKD.Bytes(b))
}
