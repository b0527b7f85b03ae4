package mailbox

import "strings"

// Mailbox name limits (see the package doc's Limits).
const (
	maxNameLen   = 1024
	maxLevelLen  = 255
	maxNameDepth = 32
)

// canonName validates a mailbox name and returns its canonical form: "INBOX"
// in any case becomes "INBOX" (also as the first level, RFC 9051 §5.1),
// no empty levels, no leading/trailing '/'.
func canonName(name string) (string, error) {
	if name == "" || len(name) > maxNameLen {
		return "", ErrInvalidName
	}
	levels := strings.Split(name, "/")
	if len(levels) > maxNameDepth {
		return "", ErrInvalidName
	}
	for i, l := range levels {
		if l == "" || len(l) > maxLevelLen {
			return "", ErrInvalidName
		}
		for j := 0; j < len(l); j++ {
			c := l[j]
			if c < ' ' || c == 0x7f || c == '*' || c == '%' {
				return "", ErrInvalidName
			}
		}
		if i == 0 && strings.EqualFold(l, "INBOX") {
			levels[0] = "INBOX"
		}
	}
	return strings.Join(levels, "/"), nil
}

// parentNames returns the ancestors of name, outermost first.
func parentNames(name string) []string {
	var out []string
	for i := 0; i < len(name); i++ {
		if name[i] == '/' {
			out = append(out, name[:i])
		}
	}
	return out
}

func isChildOf(name, parent string) bool {
	return len(name) > len(parent) && name[len(parent)] == '/' && strings.HasPrefix(name, parent)
}
