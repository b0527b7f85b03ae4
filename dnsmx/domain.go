package dnsmx

import (
	"net/netip"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// Syntax bounds from RFC 1035 §2.3.4 (also RFC 5321 §4.5.3.1.2).
const (
	maxLabelLen  = 63
	maxDomainLen = 253 // 255 octets on the wire minus the length bytes
)

// normalizeDomain returns the ASCII, lower-case form of a domain without a
// trailing dot. Internationalized names are converted to A-labels with the
// UTS #46 lookup profile (RFC 5890, RFC 6531 §3.7.1 asks for A-labels in
// DNS queries).
func normalizeDomain(d string) (string, error) {
	d = strings.TrimSuffix(d, ".")
	if d == "" {
		return "", ErrInvalidDomain
	}
	if !isASCII(d) || strings.Contains(strings.ToLower(d), "xn--") {
		// Unicode is converted to A-labels; existing A-labels are checked
		// to decode to valid U-labels (RFC 5891 §5.4).
		if !utf8.ValidString(d) {
			return "", ErrInvalidDomain
		}
		a, err := idna.Lookup.ToASCII(d)
		if err != nil {
			return "", ErrInvalidDomain
		}
		// The A-labels produced must themselves be valid (round trip).
		if b, err := idna.Lookup.ToASCII(a); err != nil || b != a {
			return "", ErrInvalidDomain
		}
		d = a
	}
	d = strings.ToLower(d)
	if !isHostname(d) {
		return "", ErrInvalidDomain
	}
	return d, nil
}

// isHostname reports whether s (ASCII, lower-case, no trailing dot) is an
// LDH host name (RFC 1123 §2.1, RFC 5321 §4.1.2 "Domain") and not a bare
// IP address, which RFC 5321 only allows as a bracketed literal.
func isHostname(s string) bool {
	if len(s) == 0 || len(s) > maxDomainLen {
		return false
	}
	if _, err := netip.ParseAddr(s); err == nil {
		return false
	}
	allDigitsLast := true
	for label := range strings.SplitSeq(s, ".") {
		if len(label) == 0 || len(label) > maxLabelLen {
			return false
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		allDigitsLast = true
		for i := 0; i < len(label); i++ {
			c := label[i]
			switch {
			case c >= 'a' && c <= 'z', c == '-':
				allDigitsLast = false
			case c >= '0' && c <= '9':
			default:
				return false
			}
		}
	}
	// A numeric top-level label is never a real TLD (RFC 3696 §2).
	return !allDigitsLast
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// parseAddressLiteral parses an RFC 5321 §4.1.3 address literal:
// "[192.0.2.1]" or "[IPv6:2001:db8::1]". ok is false when s is not bracketed;
// err is set for a bracketed literal that is malformed or of an unknown tag.
func parseAddressLiteral(s string) (addr netip.Addr, ok bool, err error) {
	if !strings.HasPrefix(s, "[") {
		return netip.Addr{}, false, nil
	}
	if !strings.HasSuffix(s, "]") {
		return netip.Addr{}, true, ErrInvalidDomain
	}
	inner := s[1 : len(s)-1]
	if len(inner) > 5 && strings.EqualFold(inner[:5], "IPv6:") {
		a, perr := netip.ParseAddr(inner[5:])
		if perr != nil || !a.Is6() || a.Is4In6() || a.Zone() != "" {
			return netip.Addr{}, true, ErrInvalidDomain
		}
		return a, true, nil
	}
	a, perr := netip.ParseAddr(inner)
	if perr != nil || !a.Is4() {
		// General-address-literal tags other than IPv6 have no registered
		// meaning (RFC 5321 §4.1.3); treat them as unusable.
		return netip.Addr{}, true, ErrInvalidDomain
	}
	return a, true, nil
}

// DomainOf returns the domain part of an address (the text after the last
// '@'), or "" when there is none.
func DomainOf(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return ""
	}
	return addr[i+1:]
}
