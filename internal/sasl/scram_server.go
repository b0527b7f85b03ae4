package sasl

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// ScramLookupFunc returns the stored SCRAM-SHA-256 credentials of a user,
// or an error wrapping ErrAuthFailed when the user is unknown (the server
// then continues with made-up credentials so that unknown users and wrong
// passwords look the same on the wire).
type ScramLookupFunc func(username string) (ScramCredentials, error)

// NewScramSHA256Server returns the server side of SCRAM-SHA-256
// (RFC 5802, RFC 7677) without channel binding: the client's GS2 flag may
// be "n" or "y", "p" is refused. It verifies the client against stored
// salted keys and never sees the password. After the client's proof is
// verified the server sends its signature ("v=...") as a challenge; the
// exchange succeeds when the client answers with an empty response.
func NewScramSHA256Server(lookup ScramLookupFunc) Server {
	return &scramServer{lookup: lookup, nonce: scramNonce()}
}

type scramServer struct {
	lookup ScramLookupFunc
	nonce  string // server part of the nonce
	step   int

	gs2Header       string
	clientFirstBare string
	serverFirst     string
	fullNonce       string
	creds           ScramCredentials
	unknown         bool
	pendingAuthzid  string
	pendingUser     string

	authzid, username string
}

func (s *scramServer) Identity() (string, string) { return s.authzid, s.username }

func (s *scramServer) Next(resp []byte) ([]byte, bool, error) {
	if len(resp) > MaxResponseLen || !utf8.Valid(resp) {
		s.step = 4
		return nil, true, malformed("SCRAM message too long or not UTF-8")
	}
	switch s.step {
	case 0:
		s.step = 1
		if resp == nil {
			return []byte{}, false, nil
		}
		fallthrough
	case 1:
		s.step = 2
		ch, err := s.clientFirst(string(resp))
		if err != nil {
			s.step = 4
			return nil, true, err
		}
		return ch, false, nil
	case 2:
		s.step = 3
		ch, err := s.clientFinal(string(resp))
		if err != nil {
			s.step = 4
			return nil, true, err
		}
		return ch, false, nil
	case 3:
		s.step = 4
		if len(resp) != 0 {
			return nil, true, malformed("SCRAM: non-empty answer to server-final-message")
		}
		s.authzid, s.username = s.pendingAuthzid, s.pendingUser
		return nil, true, nil
	}
	return nil, true, errFinished
}

// clientFirst handles client-first-message (RFC 5802 §7):
// gs2-header [reserved-mext ","] username "," nonce ["," extensions].
func (s *scramServer) clientFirst(msg string) ([]byte, error) {
	header, authzid, bare, err := parseGS2Header(msg)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(bare, "m=") {
		return nil, malformed("SCRAM mandatory extension not supported")
	}
	attrs := strings.SplitN(bare, ",", 3)
	if len(attrs) < 2 || !strings.HasPrefix(attrs[0], "n=") || !strings.HasPrefix(attrs[1], "r=") {
		return nil, malformed("bad SCRAM client-first-message")
	}
	user, ok := decodeSASLName(attrs[0][2:])
	if !ok || user == "" {
		return nil, malformed("bad SCRAM user name")
	}
	cnonce := attrs[1][2:]
	if !validNonce(cnonce) {
		return nil, malformed("bad SCRAM client nonce")
	}
	creds, err := s.lookup(user)
	switch {
	case errors.Is(err, ErrAuthFailed):
		creds, s.unknown = fakeScramCredentials(user), true
	case err != nil:
		return nil, err
	case creds.Iterations <= 0 || len(creds.Salt) == 0 ||
		len(creds.StoredKey) != sha256.Size || len(creds.ServerKey) != sha256.Size:
		return nil, errors.New("sasl: stored SCRAM credentials are invalid")
	}
	s.creds = creds
	s.gs2Header, s.clientFirstBare = header, bare
	s.pendingAuthzid, s.pendingUser = authzid, user
	s.fullNonce = cnonce + s.nonce
	s.serverFirst = "r=" + s.fullNonce + ",s=" + base64.StdEncoding.EncodeToString(creds.Salt) +
		",i=" + strconv.Itoa(creds.Iterations)
	return []byte(s.serverFirst), nil
}

// clientFinal handles client-final-message (RFC 5802 §7):
// channel-binding "," nonce ["," extensions] "," proof, and checks the
// proof (RFC 5802 §3).
func (s *scramServer) clientFinal(msg string) ([]byte, error) {
	i := strings.LastIndex(msg, ",p=")
	if i < 0 {
		return nil, malformed("SCRAM client-final-message without proof")
	}
	withoutProof := msg[:i]
	proof, err := base64.StdEncoding.DecodeString(msg[i+3:])
	if err != nil || len(proof) != sha256.Size {
		return nil, malformed("bad SCRAM proof")
	}
	attrs := strings.SplitN(withoutProof, ",", 3)
	if len(attrs) < 2 || !strings.HasPrefix(attrs[0], "c=") || !strings.HasPrefix(attrs[1], "r=") {
		return nil, malformed("bad SCRAM client-final-message")
	}
	// c= must repeat the GS2 header of the first message (RFC 5802 §5.1).
	if attrs[0][2:] != base64.StdEncoding.EncodeToString([]byte(s.gs2Header)) {
		return nil, malformed("SCRAM channel binding data does not match the GS2 header")
	}
	if attrs[1][2:] != s.fullNonce {
		return nil, malformed("SCRAM nonce mismatch")
	}
	authMessage := s.clientFirstBare + "," + s.serverFirst + "," + withoutProof
	clientSig := hmacSHA256(s.creds.StoredKey, authMessage)
	clientKey := make([]byte, sha256.Size)
	subtle.XORBytes(clientKey, proof, clientSig)
	stored := sha256.Sum256(clientKey)
	if subtle.ConstantTimeCompare(stored[:], s.creds.StoredKey) != 1 || s.unknown {
		return nil, ErrAuthFailed
	}
	serverSig := hmacSHA256(s.creds.ServerKey, authMessage)
	return []byte("v=" + base64.StdEncoding.EncodeToString(serverSig)), nil
}

// validNonce reports whether n is 1*printable, printable = %x21-2B / %x2D-7E.
func validNonce(n string) bool {
	if n == "" {
		return false
	}
	for i := 0; i < len(n); i++ {
		if c := n[i]; c < 0x21 || c > 0x7e || c == ',' {
			return false
		}
	}
	return true
}

// fakeKey makes the salts of unknown users stable across attempts within
// a process, so probing twice does not reveal that a user is unknown.
var fakeKey = sync.OnceValue(func() []byte {
	k := make([]byte, 32)
	rand.Read(k)
	return k
})

func fakeScramCredentials(user string) ScramCredentials {
	salt := hmacSHA256(fakeKey(), "salt", user)[:16]
	stored := hmacSHA256(fakeKey(), "stored", user)
	return ScramCredentials{Salt: salt, Iterations: DefaultScramIterations, StoredKey: stored, ServerKey: stored}
}
