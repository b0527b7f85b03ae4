package sasl

import (
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"
)

// OAuthFunc checks a bearer token for a user. It returns nil to accept, an
// error wrapping ErrAuthFailed (or an *OAuthError, to choose the status
// sent to the client) to reject, and any other error when it could not
// decide.
type OAuthFunc func(username, token string) error

// OAuthError is the failure a server reports to an OAuth client
// (RFC 7628 §3.2.2). It matches ErrAuthFailed with errors.Is.
type OAuthError struct {
	Status              string `json:"status"`                         // e.g. "invalid_token"
	Scope               string `json:"scope,omitempty"`                // scope the token needs
	OpenIDConfiguration string `json:"openid-configuration,omitempty"` // discovery URL
}

func (e *OAuthError) Error() string        { return "sasl: OAuth token rejected: " + e.Status }
func (e *OAuthError) Is(target error) bool { return target == ErrAuthFailed }

// oauthServer is the state machine shared by OAUTHBEARER and XOAUTH2: the
// client sends the token, a rejection is reported in a JSON challenge the
// client must acknowledge, then the exchange fails.
type oauthServer struct {
	check  OAuthFunc
	parse  func([]byte) (user, token string, err error)
	ack    func([]byte) bool // the client's answer to the error challenge
	errFmt func(*OAuthError) []byte
	step   int
	failed error

	username string
}

func (s *oauthServer) Identity() (string, string) { return "", s.username }

func (s *oauthServer) Next(resp []byte) ([]byte, bool, error) {
	if len(resp) > MaxResponseLen {
		s.step = 3
		return nil, true, malformed("OAuth response too long")
	}
	switch s.step {
	case 0:
		s.step = 1
		if resp == nil {
			return []byte{}, false, nil
		}
		fallthrough
	case 1:
		s.step = 3
		user, token, err := s.parse(resp)
		if err != nil {
			return nil, true, err
		}
		err = s.check(user, token)
		if err == nil && token == "" {
			// "auth=" with no token is how a client asks for the
			// required scope (RFC 7628 §4.3); it never succeeds.
			err = ErrAuthFailed
		}
		if err == nil {
			s.username = user
			return nil, true, nil
		}
		if !errors.Is(err, ErrAuthFailed) {
			return nil, true, err // the backend could not decide
		}
		var oe *OAuthError
		if !errors.As(err, &oe) {
			oe = &OAuthError{Status: "invalid_token"}
		}
		// RFC 7628 §3.2.2: failure is a challenge the client acknowledges.
		s.step, s.failed = 2, err
		return s.errFmt(oe), false, nil
	case 2:
		s.step = 3
		if !s.ack(resp) {
			return nil, true, malformed("bad acknowledgement of the OAuth error")
		}
		return nil, true, s.failed
	}
	return nil, true, errFinished
}

// NewOAuthBearerServer returns the server side of OAUTHBEARER (RFC 7628).
// The client must name the user in the GS2 header ("a="): the token check
// is delegated to check(username, token). Identity returns that user as
// the username (and an empty authzid).
func NewOAuthBearerServer(check OAuthFunc) Server {
	return &oauthServer{
		check: check,
		parse: parseOAuthBearer,
		ack:   func(b []byte) bool { return len(b) == 1 && b[0] == 0x01 }, // RFC 7628 §3.2.3
		errFmt: func(e *OAuthError) []byte {
			b, _ := json.Marshal(e)
			return b
		},
	}
}

// parseOAuthBearer parses the client response of RFC 7628 §3.1:
// gs2-header kvsep *kvpair kvsep, kvpair = key "=" value kvsep.
func parseOAuthBearer(b []byte) (user, token string, err error) {
	if !utf8.Valid(b) {
		return "", "", malformed("OAUTHBEARER response is not UTF-8")
	}
	_, authzid, rest, err := parseGS2Header(string(b))
	if err != nil {
		return "", "", err
	}
	if authzid == "" {
		return "", "", malformed("OAUTHBEARER without a user (a=) is not supported")
	}
	if !strings.HasPrefix(rest, "\x01") || !strings.HasSuffix(rest, "\x01\x01") || len(rest) < 3 {
		return "", "", malformed("bad OAUTHBEARER framing")
	}
	hasAuth := false
	for _, kv := range strings.Split(rest[1:len(rest)-2], "\x01") {
		key, value, ok := strings.Cut(kv, "=")
		if !ok || key == "" {
			return "", "", malformed("bad OAUTHBEARER key/value pair")
		}
		if key == "auth" {
			if hasAuth {
				return "", "", malformed("OAUTHBEARER response with two auth=")
			}
			hasAuth = true
			if value == "" {
				continue // a scope query, see RFC 7628 §4.3
			}
			if token, err = bearerToken(value); err != nil {
				return "", "", err
			}
		}
	}
	if !hasAuth {
		return "", "", malformed("OAUTHBEARER response without auth=")
	}
	return authzid, token, nil
}

// bearerToken extracts the token of "Bearer <token>" (RFC 6750 §2.1; the
// scheme is case-insensitive).
func bearerToken(v string) (string, error) {
	scheme, token, ok := strings.Cut(v, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return "", malformed("auth value is not \"Bearer <token>\"")
	}
	return token, nil
}

// NewXOAuth2Server returns the server side of Google's XOAUTH2:
// "user=" user ^A "auth=Bearer " token ^A ^A. A rejection is a JSON
// challenge the client answers with an empty response.
func NewXOAuth2Server(check OAuthFunc) Server {
	return &oauthServer{
		check: check,
		parse: parseXOAuth2,
		ack:   func(b []byte) bool { return len(b) == 0 },
		errFmt: func(e *OAuthError) []byte {
			b, _ := json.Marshal(struct {
				Status  string `json:"status"`
				Schemes string `json:"schemes"`
				Scope   string `json:"scope,omitempty"`
			}{"400", "Bearer", e.Scope})
			return b
		},
	}
}

func parseXOAuth2(b []byte) (user, token string, err error) {
	if !utf8.Valid(b) {
		return "", "", malformed("XOAUTH2 response is not UTF-8")
	}
	s := string(b)
	if !strings.HasSuffix(s, "\x01\x01") {
		return "", "", malformed("bad XOAUTH2 framing")
	}
	for _, kv := range strings.Split(s[:len(s)-2], "\x01") {
		key, value, ok := strings.Cut(kv, "=")
		if !ok {
			return "", "", malformed("bad XOAUTH2 key/value pair")
		}
		switch key {
		case "user":
			user = value
		case "auth":
			if token, err = bearerToken(value); err != nil {
				return "", "", err
			}
		}
	}
	if user == "" || token == "" {
		return "", "", malformed("XOAUTH2 response without user or auth")
	}
	return user, token, nil
}

// NewOAuthBearerClient returns the client side of OAUTHBEARER
// (RFC 7628 §3.1) for username with an OAuth 2.0 bearer token. If the
// server rejects the token, the client acknowledges the error challenge
// (RFC 7628 §3.2.3) and the server then fails the exchange.
func NewOAuthBearerClient(username, token string) Client {
	ir := "n,a=" + encodeSASLName(username) + ",\x01auth=Bearer " + token + "\x01\x01"
	return &oauthClient{mech: OAuthBearer, ir: ir, ack: []byte{0x01}}
}

// NewXOAuth2Client returns the client side of XOAUTH2.
func NewXOAuth2Client(username, token string) Client {
	ir := "user=" + username + "\x01auth=Bearer " + token + "\x01\x01"
	return &oauthClient{mech: XOAuth2, ir: ir, ack: []byte{}}
}

type oauthClient struct {
	mech, ir string
	ack      []byte
	acked    bool
	resent   bool
}

func (c *oauthClient) Start() (string, []byte, error) { return c.mech, []byte(c.ir), nil }

func (c *oauthClient) Next(challenge []byte) ([]byte, error) {
	if len(challenge) == 0 && !c.resent && !c.acked {
		c.resent = true // the initial response could not be sent
		return []byte(c.ir), nil
	}
	if c.acked {
		return nil, malformed("unexpected %s challenge", c.mech)
	}
	c.acked = true
	return c.ack, nil
}
