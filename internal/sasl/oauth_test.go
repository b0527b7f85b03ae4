package sasl

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

func decode(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// RFC 7628 §4.1: successful bearer token exchange (IMAP and SMTP).
func TestOAuthBearerRFC7628Success(t *testing.T) {
	for _, ir := range []string{
		"bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB",
		"bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9NTg3AWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB",
	} {
		var gotUser, gotToken string
		s := NewOAuthBearerServer(func(u, tok string) error { gotUser, gotToken = u, tok; return nil })
		_, done, err := s.Next(decode(t, ir))
		if !done || err != nil {
			t.Fatalf("%v %v", done, err)
		}
		if gotUser != "user@example.com" || gotToken != "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==" {
			t.Fatalf("callback got %q %q", gotUser, gotToken)
		}
		if _, u := s.Identity(); u != "user@example.com" {
			t.Fatalf("identity %q", u)
		}
	}
	_, ir, _ := NewOAuthBearerClient("user@example.com", "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==").Start()
	if string(ir) != "n,a=user@example.com,\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01" {
		t.Fatalf("client IR %q", ir)
	}
}

// RFC 7628 §4.3: failed exchange; the server's error is a JSON challenge,
// the client answers with 0x01 ("AQ=="), then the server fails.
func TestOAuthBearerRFC7628Failure(t *testing.T) {
	want := decode(t, "eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIiwic2NvcGUiOiJleGFtcGxlX3Njb3BlIiwib3BlbmlkLWNvbmZpZ3VyYXRpb24iOiJodHRwczovL2V4YW1wbGUuY29tLy53ZWxsLWtub3duL29wZW5pZC1jb25maWd1cmF0aW9uIn0=")
	called := false
	s := NewOAuthBearerServer(func(u, tok string) error {
		called = true
		if tok != "" {
			t.Fatalf("token %q", tok)
		}
		return &OAuthError{Status: "invalid_token", Scope: "example_scope", OpenIDConfiguration: "https://example.com/.well-known/openid-configuration"}
	})
	ch, done, err := s.Next(decode(t, "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9AQE="))
	if done || err != nil || !called {
		t.Fatalf("%v %v %v", done, err, called)
	}
	if string(ch) != string(want) {
		t.Fatalf("challenge %s\nwant      %s", ch, want)
	}
	c := NewOAuthBearerClient("user@example.com", "")
	c.Start()
	resp, err := c.Next(ch)
	if string(resp) != "\x01" || err != nil {
		t.Fatalf("client ack %q %v", resp, err)
	}
	_, done, err = s.Next(decode(t, "AQ=="))
	var oe *OAuthError
	if !done || !errors.Is(err, ErrAuthFailed) || !errors.As(err, &oe) || oe.Scope != "example_scope" {
		t.Fatalf("%v %v", done, err)
	}
	// A callback that accepts an empty token still does not succeed.
	s = NewOAuthBearerServer(func(string, string) error { return nil })
	if _, done, _ := s.Next([]byte("n,a=u,\x01auth=\x01\x01")); done {
		t.Fatal("empty token accepted")
	}
	// A wrong acknowledgement is malformed.
	s = NewOAuthBearerServer(checkToken)
	s.Next([]byte("n,a=u,\x01auth=Bearer bad\x01\x01"))
	if _, done, err := s.Next([]byte("x")); !done || !errors.Is(err, ErrMalformed) {
		t.Fatalf("%v %v", done, err)
	}
}

func TestOAuthBearerMalformed(t *testing.T) {
	for _, m := range []string{
		"",
		"n,,\x01auth=Bearer x\x01\x01",                     // no user
		"p=x,a=u,\x01auth=Bearer x\x01\x01",                // channel binding
		"n,a=u,auth=Bearer x\x01\x01",                      // missing kvsep
		"n,a=u,\x01auth=Bearer x\x01",                      // missing final kvsep
		"n,a=u,\x01auth=Basic x\x01\x01",                   // wrong scheme
		"n,a=u,\x01auth=Bearer\x01\x01",                    // no token
		"n,a=u,\x01host=h\x01\x01",                         // no auth
		"n,a=u,\x01noequals\x01\x01",                       // bad pair
		"n,a=u,\x01auth=Bearer x\x01auth=Bearer y\x01\x01", // two auth
		"n,a=u,\x01\x01",
		"n,a=u,\x01auth=Bearer \xff\x01\x01",
	} {
		if _, done, err := NewOAuthBearerServer(checkToken).Next([]byte(m)); !done || !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: %v %v", m, done, err)
		}
	}
	// Bearer is case-insensitive (RFC 7628 §4).
	if _, _, err := NewOAuthBearerServer(checkToken).Next([]byte("n,a=u,\x01auth=BeArEr good-token-for-u\x01\x01")); err != nil {
		t.Fatal(err)
	}
}

func TestXOAuth2(t *testing.T) {
	s := NewXOAuth2Server(checkToken)
	_, done, err := s.Next([]byte("user=someuser@example.com\x01auth=Bearer good-token-for-someuser@example.com\x01\x01"))
	if !done || err != nil {
		t.Fatalf("%v %v", done, err)
	}
	s = NewXOAuth2Server(checkToken)
	ch, done, err := s.Next([]byte("user=u\x01auth=Bearer bad\x01\x01"))
	if done || err != nil {
		t.Fatalf("%v %v", done, err)
	}
	var got map[string]string
	if err := json.Unmarshal(ch, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, map[string]string{"status": "400", "schemes": "Bearer", "scope": "mail"}) {
		t.Fatalf("error challenge %s", ch)
	}
	if _, done, err := s.Next([]byte{}); !done || !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("%v %v", done, err)
	}
	for _, m := range []string{"", "user=u\x01auth=Bearer x\x01", "auth=Bearer x\x01\x01", "user=u\x01\x01", "user=u\x01auth=Bearer\x01\x01", "user=u\x01junk\x01\x01"} {
		if _, done, err := NewXOAuth2Server(checkToken).Next([]byte(m)); !done || !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: %v %v", m, done, err)
		}
	}
}
