package sasl

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// NewScramSHA256Client returns the client side of SCRAM-SHA-256 without
// channel binding (GS2 flag "n"). It checks the server's signature and
// fails with ErrAuthFailed if the server does not know the password's
// keys. It refuses iteration counts above MaxScramIterations.
func NewScramSHA256Client(authzid, username, password string) Client {
	return &scramClient{authzid: authzid, username: username, password: password}
}

type scramClient struct {
	authzid, username, password string
	nonce                       string // set in tests; random otherwise
	step                        int
	gs2Header, clientFirstBare  string
	serverSig                   []byte
	resent                      bool
}

func (c *scramClient) Start() (string, []byte, error) {
	if c.nonce == "" {
		c.nonce = scramNonce()
	}
	c.gs2Header = "n,,"
	if c.authzid != "" {
		c.gs2Header = "n,a=" + encodeSASLName(c.authzid) + ","
	}
	c.clientFirstBare = "n=" + encodeSASLName(c.username) + ",r=" + c.nonce
	c.step = 1
	return ScramSHA256, []byte(c.gs2Header + c.clientFirstBare), nil
}

func (c *scramClient) Next(challenge []byte) ([]byte, error) {
	if c.step == 1 && len(challenge) == 0 && !c.resent {
		c.resent = true // the initial response could not be sent
		return []byte(c.gs2Header + c.clientFirstBare), nil
	}
	switch c.step {
	case 1:
		c.step = 2
		return c.serverFirst(string(challenge))
	case 2:
		c.step = 3
		return c.serverFinal(string(challenge))
	}
	return nil, malformed("unexpected SCRAM challenge")
}

// serverFirst handles server-first-message (RFC 5802 §7):
// [reserved-mext ","] nonce "," salt "," iteration-count ["," extensions].
func (c *scramClient) serverFirst(msg string) ([]byte, error) {
	if strings.HasPrefix(msg, "m=") {
		return nil, malformed("SCRAM mandatory extension not supported")
	}
	attrs := strings.SplitN(msg, ",", 4)
	if len(attrs) < 3 || !strings.HasPrefix(attrs[0], "r=") ||
		!strings.HasPrefix(attrs[1], "s=") || !strings.HasPrefix(attrs[2], "i=") {
		return nil, malformed("bad SCRAM server-first-message")
	}
	nonce := attrs[0][2:]
	if !strings.HasPrefix(nonce, c.nonce) || len(nonce) == len(c.nonce) || !validNonce(nonce) {
		return nil, malformed("SCRAM server nonce does not extend the client nonce")
	}
	salt, err := base64.StdEncoding.DecodeString(attrs[1][2:])
	if err != nil || len(salt) == 0 {
		return nil, malformed("bad SCRAM salt")
	}
	iter, err := strconv.Atoi(attrs[2][2:])
	if err != nil || iter < 1 || iter > MaxScramIterations {
		return nil, malformed("SCRAM iteration count %q out of range [1, %d]", attrs[2][2:], MaxScramIterations)
	}
	salted := saltedPassword(c.password, salt, iter)
	clientKey := hmacSHA256(salted, "Client Key")
	stored := sha256.Sum256(clientKey)
	withoutProof := "c=" + base64.StdEncoding.EncodeToString([]byte(c.gs2Header)) + ",r=" + nonce
	authMessage := c.clientFirstBare + "," + msg + "," + withoutProof
	proof := make([]byte, sha256.Size)
	subtle.XORBytes(proof, clientKey, hmacSHA256(stored[:], authMessage))
	c.serverSig = hmacSHA256(hmacSHA256(salted, "Server Key"), authMessage)
	return []byte(withoutProof + ",p=" + base64.StdEncoding.EncodeToString(proof)), nil
}

// serverFinal checks server-final-message: "e=" error or "v=" signature.
func (c *scramClient) serverFinal(msg string) ([]byte, error) {
	if e, ok := strings.CutPrefix(msg, "e="); ok {
		return nil, fmt.Errorf("%w: server error %q", ErrAuthFailed, e)
	}
	v, ok := strings.CutPrefix(msg, "v=")
	if !ok {
		return nil, malformed("bad SCRAM server-final-message")
	}
	if i := strings.IndexByte(v, ','); i >= 0 {
		v = v[:i] // extensions
	}
	sig, err := base64.StdEncoding.DecodeString(v)
	if err != nil || subtle.ConstantTimeCompare(sig, c.serverSig) != 1 {
		return nil, fmt.Errorf("%w: server signature does not verify", ErrAuthFailed)
	}
	return []byte{}, nil
}
