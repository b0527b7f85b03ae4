package sasl

import (
	"golang.org/x/text/secure/precis"
)

// Normalize prepares a password (or user name) for comparison, in the
// spirit of SASLprep (RFC 4013), which RFC 5802 §2.2 requires for SCRAM and
// RFC 4616 §2 recommends for PLAIN. ASCII strings are returned unchanged
// (they are by far the most common and SASLprep leaves printable ASCII
// alone); other strings go through the PRECIS OpaqueString profile
// (RFC 8265 §4.2), SASLprep's successor: non-ASCII spaces become U+0020 and
// the string is NFC-normalised. A string the profile refuses (control
// characters, unassigned code points) is returned unchanged, so both sides
// of an exchange, which use this same function, still agree.
//
// "SASLprep-lite": strings that differ only in NFKC compatibility forms
// (RFC 4013 uses NFKC, OpaqueString uses NFC) are not made equal.
func Normalize(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			if p, err := precis.OpaqueString.String(s); err == nil {
				return p
			}
			return s
		}
	}
	return s
}
