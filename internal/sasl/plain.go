package sasl

import (
	"bytes"
	"unicode/utf8"
)

// NewPlainServer returns the server side of PLAIN (RFC 4616):
// the client sends [authzid] NUL authcid NUL passwd, and check decides.
func NewPlainServer(check PlainFunc) Server {
	return &plainServer{check: check}
}

type plainServer struct {
	check             PlainFunc
	step              int
	authzid, username string
}

func (s *plainServer) Identity() (string, string) { return s.authzid, s.username }

func (s *plainServer) Next(resp []byte) ([]byte, bool, error) {
	switch s.step {
	case 0:
		s.step = 1
		if resp == nil {
			return []byte{}, false, nil // RFC 4616 §2: empty initial challenge
		}
		fallthrough
	case 1:
		s.step = 2
		authzid, user, pass, err := parsePlain(resp)
		if err != nil {
			return nil, true, err
		}
		if err := s.check(authzid, user, pass); err != nil {
			return nil, true, err
		}
		s.authzid, s.username = authzid, user
		return nil, true, nil
	}
	return nil, true, errFinished
}

// parsePlain splits message = [authzid] UTF8NUL authcid UTF8NUL passwd
// (RFC 4616 §2). authcid and passwd must not be empty.
func parsePlain(b []byte) (authzid, user, pass string, err error) {
	if len(b) > MaxResponseLen {
		return "", "", "", malformed("PLAIN response too long")
	}
	if !utf8.Valid(b) {
		return "", "", "", malformed("PLAIN response is not UTF-8")
	}
	i := bytes.IndexByte(b, 0)
	if i < 0 {
		return "", "", "", malformed("PLAIN response has no NUL")
	}
	j := bytes.IndexByte(b[i+1:], 0)
	if j < 0 {
		return "", "", "", malformed("PLAIN response has one NUL")
	}
	j += i + 1
	if bytes.IndexByte(b[j+1:], 0) >= 0 {
		return "", "", "", malformed("PLAIN response has more than two NULs")
	}
	authzid, user, pass = string(b[:i]), string(b[i+1:j]), string(b[j+1:])
	if user == "" || pass == "" {
		return "", "", "", malformed("PLAIN response with empty authcid or passwd")
	}
	return authzid, user, pass, nil
}

// NewPlainClient returns the client side of PLAIN. authzid may be empty.
func NewPlainClient(authzid, username, password string) Client {
	return &plainClient{authzid: authzid, username: username, password: password}
}

type plainClient struct {
	authzid, username, password string
	resent                      bool
}

func (c *plainClient) Start() (string, []byte, error) {
	ir := make([]byte, 0, len(c.authzid)+len(c.username)+len(c.password)+2)
	ir = append(ir, c.authzid...)
	ir = append(ir, 0)
	ir = append(ir, c.username...)
	ir = append(ir, 0)
	ir = append(ir, c.password...)
	return Plain, ir, nil
}

func (c *plainClient) Next(challenge []byte) ([]byte, error) {
	if len(challenge) == 0 && !c.resent {
		c.resent = true // the initial response could not be sent
		_, ir, err := c.Start()
		return ir, err
	}
	return nil, malformed("unexpected PLAIN challenge")
}
