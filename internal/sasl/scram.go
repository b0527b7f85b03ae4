package sasl

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// SCRAM iteration bounds.
const (
	// DefaultScramIterations is used by NewScramCredentials when
	// iterations <= 0: the minimum RFC 7677 §4 asks for.
	DefaultScramIterations = 4096
	// MaxScramIterations is the largest iteration count a SCRAM client
	// accepts from a server (the OWASP 2023 figure for PBKDF2-HMAC-SHA256);
	// a larger count would let a server make the client burn CPU.
	MaxScramIterations = 600_000
	// scramNonceLen is the number of random octets in a nonce.
	scramNonceLen = 18
)

// ScramCredentials is what a server stores for SCRAM-SHA-256 (RFC 5802 §3):
// enough to verify a client and prove itself, never the password.
type ScramCredentials struct {
	Salt       []byte
	Iterations int
	StoredKey  []byte // H(ClientKey)
	ServerKey  []byte // HMAC(SaltedPassword, "Server Key")
}

// NewScramCredentials derives SCRAM-SHA-256 credentials from a password:
// SaltedPassword = PBKDF2-HMAC-SHA-256(Normalize(password), salt,
// iterations). A nil salt is replaced by 16 random octets; iterations <= 0
// means DefaultScramIterations.
func NewScramCredentials(password string, salt []byte, iterations int) ScramCredentials {
	if salt == nil {
		salt = make([]byte, 16)
		rand.Read(salt)
	}
	if iterations <= 0 {
		iterations = DefaultScramIterations
	}
	salted := saltedPassword(password, salt, iterations)
	clientKey := hmacSHA256(salted, "Client Key")
	stored := sha256.Sum256(clientKey)
	return ScramCredentials{
		Salt:       append([]byte(nil), salt...),
		Iterations: iterations,
		StoredKey:  stored[:],
		ServerKey:  hmacSHA256(salted, "Server Key"),
	}
}

func saltedPassword(password string, salt []byte, iterations int) []byte {
	k, err := pbkdf2.Key(sha256.New, Normalize(password), salt, iterations, sha256.Size)
	if err != nil {
		// Only possible in FIPS 140-only mode with a short password or
		// salt; fall back to a key that can never verify.
		k = make([]byte, sha256.Size)
		rand.Read(k)
	}
	return k
}

func hmacSHA256(key []byte, msgs ...string) []byte {
	m := hmac.New(sha256.New, key)
	for _, s := range msgs {
		m.Write([]byte(s))
	}
	return m.Sum(nil)
}

// scramNonce returns a fresh printable nonce without ',' (RFC 5802 §7).
func scramNonce() string {
	var b [scramNonceLen]byte
	rand.Read(b[:])
	return base64.RawStdEncoding.EncodeToString(b[:])
}

// encodeSASLName escapes ',' and '=' in a user name (RFC 5802 §5.1).
func encodeSASLName(s string) string {
	if !strings.ContainsAny(s, ",=") {
		return s
	}
	return strings.NewReplacer("=", "=3D", ",", "=2C").Replace(s)
}

// decodeSASLName undoes encodeSASLName; any other '=' is an error.
func decodeSASLName(s string) (string, bool) {
	if !strings.Contains(s, "=") {
		return s, true
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '=' {
			b.WriteByte(s[i])
			continue
		}
		switch {
		case strings.HasPrefix(s[i:], "=2C"):
			b.WriteByte(',')
		case strings.HasPrefix(s[i:], "=3D"):
			b.WriteByte('=')
		default:
			return "", false
		}
		i += 2
	}
	return b.String(), true
}

// parseGS2Header parses the GS2 header of RFC 5802 §7 (and RFC 7628 §3.1):
// gs2-cbind-flag "," [ "a=" saslname ] ",". It refuses channel binding
// ("p="), which this package does not offer. It returns the header itself
// (needed for SCRAM's c= check), the authzid and the rest.
func parseGS2Header(msg string) (header, authzid, rest string, err error) {
	if len(msg) < 3 || msg[1] != ',' {
		return "", "", "", malformed("bad GS2 header")
	}
	switch msg[0] {
	case 'n', 'y':
	case 'p':
		return "", "", "", malformed("channel binding is not supported")
	default:
		return "", "", "", malformed("bad GS2 channel binding flag")
	}
	end := strings.IndexByte(msg[2:], ',')
	if end < 0 {
		return "", "", "", malformed("unterminated GS2 header")
	}
	end += 2
	if az := msg[2:end]; az != "" {
		if !strings.HasPrefix(az, "a=") {
			return "", "", "", malformed("bad GS2 authzid")
		}
		var ok bool
		if authzid, ok = decodeSASLName(az[2:]); !ok || authzid == "" {
			return "", "", "", malformed("bad GS2 authzid")
		}
	}
	return msg[:end+1], authzid, msg[end+1:], nil
}
