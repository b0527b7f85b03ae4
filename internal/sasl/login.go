package sasl

import (
	"bytes"
	"unicode/utf8"
)

// The LOGIN prompts of draft-murchison-sasl-login-00 §2.
var (
	loginUsername = []byte("Username:")
	loginPassword = []byte("Password:")
)

// NewLoginServer returns the server side of the obsolete LOGIN mechanism
// (draft-murchison-sasl-login): "Username:" and "Password:" challenges.
// An initial response is taken as the user name. check gets an empty
// authzid.
func NewLoginServer(check PlainFunc) Server {
	return &loginServer{check: check}
}

type loginServer struct {
	check    PlainFunc
	step     int
	user     string
	username string
}

func (s *loginServer) Identity() (string, string) { return "", s.username }

func (s *loginServer) Next(resp []byte) ([]byte, bool, error) {
	if len(resp) > MaxResponseLen || !utf8.Valid(resp) {
		s.step = 3
		return nil, true, malformed("LOGIN response too long or not UTF-8")
	}
	switch s.step {
	case 0:
		s.step = 1
		if resp == nil {
			return loginUsername, false, nil
		}
		fallthrough
	case 1:
		if len(resp) == 0 {
			s.step = 3
			return nil, true, malformed("empty LOGIN user name")
		}
		s.user = string(resp)
		s.step = 2
		return loginPassword, false, nil
	case 2:
		s.step = 3
		if err := s.check("", s.user, string(resp)); err != nil {
			return nil, true, err
		}
		s.username = s.user
		return nil, true, nil
	}
	return nil, true, errFinished
}

// NewLoginClient returns the client side of LOGIN. It answers a challenge
// that mentions "password" with the password, and otherwise the first
// challenge with the user name and the second with the password.
func NewLoginClient(username, password string) Client {
	return &loginClient{username: username, password: password}
}

type loginClient struct {
	username, password string
	step               int
}

func (c *loginClient) Start() (string, []byte, error) { return Login, nil, nil }

func (c *loginClient) Next(challenge []byte) ([]byte, error) {
	c.step++
	switch {
	case c.step > 2:
		return nil, malformed("unexpected LOGIN challenge")
	case bytes.Contains(bytes.ToLower(challenge), []byte("password")), c.step == 2:
		c.step = 2
		return []byte(c.password), nil
	default:
		return []byte(c.username), nil
	}
}
