package mailbox

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
)

// ScramCredentials are the salted SCRAM-SHA-256 keys of a user (RFC 5802
// §3, RFC 7677): the only form in which passwords are stored. Field names
// match internal/sasl's ScramCredentials.
type ScramCredentials struct {
	Salt       []byte
	Iterations int
	StoredKey  []byte // H(ClientKey)
	ServerKey  []byte // HMAC(SaltedPassword, "Server Key")
}

// NewScramCredentials derives SCRAM-SHA-256 keys from a password:
// SaltedPassword = PBKDF2-HMAC-SHA-256(password, salt, iterations)
// (RFC 5802 §3 Hi()). A nil salt gets 16 random bytes.
func NewScramCredentials(password string, salt []byte, iterations int) ScramCredentials {
	if iterations <= 0 {
		iterations = 4096
	}
	if salt == nil {
		salt = make([]byte, 16)
		rand.Read(salt)
	}
	salted, err := pbkdf2.Key(sha256.New, password, salt, iterations, sha256.Size)
	if err != nil { // only in FIPS mode with tiny keys; cannot happen here
		panic(err)
	}
	clientKey := hmacSHA256(salted, "Client Key")
	stored := sha256.Sum256(clientKey)
	return ScramCredentials{
		Salt:       salt,
		Iterations: iterations,
		StoredKey:  stored[:],
		ServerKey:  hmacSHA256(salted, "Server Key"),
	}
}

// Verify reports whether password matches, comparing the derived StoredKey
// in constant time (ARCHITECTURE rule 6).
func (c ScramCredentials) Verify(password string) bool {
	if len(c.StoredKey) == 0 {
		return false
	}
	d := NewScramCredentials(password, c.Salt, c.Iterations)
	return subtle.ConstantTimeCompare(d.StoredKey, c.StoredKey) == 1
}

func hmacSHA256(key []byte, msg string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(msg))
	return m.Sum(nil)
}
