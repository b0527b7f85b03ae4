package sasl

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/subtle"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"time"
)

// SecretFunc returns the shared secret (the plaintext password, or an
// equivalent) for a user, or an error wrapping ErrAuthFailed when the user
// is unknown.
type SecretFunc func(username string) (secret string, err error)

// NewCramMD5Server returns the server side of CRAM-MD5 (RFC 2195). The
// challenge is "<random.timestamp@hostname>"; the client answers with its
// user name, a space and hex(HMAC-MD5(secret, challenge)).
//
// CRAM-MD5 needs a plaintext-equivalent secret on the server: a store that
// keeps only SCRAM keys or password hashes cannot offer it and must not
// advertise it.
func NewCramMD5Server(hostname string, secret SecretFunc) Server {
	var r [8]byte
	rand.Read(r[:])
	ch := "<" + strconv.FormatUint(binary.BigEndian.Uint64(r[:]), 10) + "." +
		strconv.FormatInt(time.Now().Unix(), 10) + "@" + hostname + ">"
	return newCramMD5Server(ch, secret)
}

func newCramMD5Server(challenge string, secret SecretFunc) *cramServer {
	return &cramServer{challenge: []byte(challenge), secret: secret}
}

type cramServer struct {
	challenge []byte
	secret    SecretFunc
	step      int
	username  string
}

func (s *cramServer) Identity() (string, string) { return "", s.username }

func (s *cramServer) Next(resp []byte) ([]byte, bool, error) {
	switch s.step {
	case 0:
		s.step = 1
		if resp != nil {
			s.step = 2 // RFC 2195 has no initial response
			return nil, true, malformed("CRAM-MD5 takes no initial response")
		}
		return s.challenge, false, nil
	case 1:
		s.step = 2
		if len(resp) > MaxResponseLen {
			return nil, true, malformed("CRAM-MD5 response too long")
		}
		sp := bytes.LastIndexByte(resp, ' ')
		if sp <= 0 || len(resp)-sp-1 != 2*md5.Size {
			return nil, true, malformed("CRAM-MD5 response is not \"user digest\"")
		}
		user, digest := string(resp[:sp]), bytes.ToLower(resp[sp+1:])
		secret, err := s.secret(user)
		if err != nil {
			// Spend the same work for unknown users as for known ones.
			cramDigest("", s.challenge)
			return nil, true, err
		}
		want := cramDigest(secret, s.challenge)
		if subtle.ConstantTimeCompare(want, digest) != 1 {
			return nil, true, ErrAuthFailed
		}
		s.username = user
		return nil, true, nil
	}
	return nil, true, errFinished
}

func cramDigest(secret string, challenge []byte) []byte {
	m := hmac.New(md5.New, []byte(secret))
	m.Write(challenge)
	return hex.AppendEncode(nil, m.Sum(nil))
}

// NewCramMD5Client returns the client side of CRAM-MD5.
func NewCramMD5Client(username, secret string) Client {
	return &cramClient{username: username, secret: secret}
}

type cramClient struct {
	username, secret string
	done             bool
}

func (c *cramClient) Start() (string, []byte, error) { return CramMD5, nil, nil }

func (c *cramClient) Next(challenge []byte) ([]byte, error) {
	if c.done {
		return nil, malformed("unexpected CRAM-MD5 challenge")
	}
	c.done = true
	resp := append([]byte(c.username), ' ')
	return append(resp, cramDigest(c.secret, challenge)...), nil
}
