package sasl

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
)

const scramTextPrefix = "SCRAM-SHA-256$"

// MarshalText encodes c in the format of RFC 5803 §3 (also PostgreSQL's):
// SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>, base64 values.
// Stores can keep this one string per user.
func (c ScramCredentials) MarshalText() ([]byte, error) {
	b64 := base64.StdEncoding.EncodeToString
	return []byte(scramTextPrefix + strconv.Itoa(c.Iterations) + ":" + b64(c.Salt) + "$" +
		b64(c.StoredKey) + ":" + b64(c.ServerKey)), nil
}

// UnmarshalText parses the format written by MarshalText.
func (c *ScramCredentials) UnmarshalText(text []byte) error {
	bad := errors.New("sasl: malformed SCRAM-SHA-256 credentials")
	s, ok := strings.CutPrefix(string(text), scramTextPrefix)
	if !ok {
		return bad
	}
	params, keys, ok := strings.Cut(s, "$")
	if !ok {
		return bad
	}
	iterText, saltText, ok1 := strings.Cut(params, ":")
	storedText, serverText, ok2 := strings.Cut(keys, ":")
	if !ok1 || !ok2 {
		return bad
	}
	iter, err := strconv.Atoi(iterText)
	if err != nil || iter < 1 {
		return bad
	}
	dec := base64.StdEncoding.DecodeString
	salt, err1 := dec(saltText)
	stored, err2 := dec(storedText)
	server, err3 := dec(serverText)
	if err1 != nil || err2 != nil || err3 != nil || len(salt) == 0 ||
		len(stored) != sha256.Size || len(server) != sha256.Size {
		return bad
	}
	*c = ScramCredentials{Salt: salt, Iterations: iter, StoredKey: stored, ServerKey: server}
	return nil
}
