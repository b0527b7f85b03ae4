package mailbox

import (
	"crypto/subtle"

	"github.com/mailwire/mailwire/internal/sasl"
)

// ScramCredentials are the salted SCRAM-SHA-256 keys of a user (RFC 5802
// §3, RFC 7677): the only form in which passwords are stored.
type ScramCredentials = sasl.ScramCredentials

// NewScramCredentials derives SCRAM-SHA-256 keys from a password:
// SaltedPassword = PBKDF2-HMAC-SHA-256(SASLprep(password), salt, iterations)
// (RFC 5802 §3 Hi()). A nil salt gets 16 random bytes.
func NewScramCredentials(password string, salt []byte, iterations int) ScramCredentials {
	return sasl.NewScramCredentials(password, salt, iterations)
}

// verifyScram reports whether password matches c, comparing the derived
// StoredKey in constant time (ARCHITECTURE rule 6).
func verifyScram(c ScramCredentials, password string) bool {
	if len(c.StoredKey) == 0 || len(c.Salt) == 0 {
		return false
	}
	d := NewScramCredentials(password, c.Salt, c.Iterations)
	return subtle.ConstantTimeCompare(d.StoredKey, c.StoredKey) == 1
}
