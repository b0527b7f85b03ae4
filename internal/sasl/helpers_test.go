package sasl

import (
	"errors"
	"fmt"
	"testing"
)

// users is the test account database: plaintext for PLAIN/LOGIN/CRAM-MD5,
// SCRAM credentials derived from the same passwords.
var users = map[string]string{"tim": "tanstaaftanstaaf", "Kurt": "xipj3plmq", "user": "pencil", "ünï": "pässwörd"}

func checkPlain(authzid, user, pass string) error {
	want, ok := users[user]
	if !ok || want != pass {
		return fmt.Errorf("%w: bad password for %q", ErrAuthFailed, user)
	}
	if authzid != "" && authzid != user && user != "Kurt" { // Kurt may act as anyone
		return fmt.Errorf("%w: %q may not act as %q", ErrAuthFailed, user, authzid)
	}
	return nil
}

func secret(user string) (string, error) {
	if s, ok := users[user]; ok {
		return s, nil
	}
	return "", ErrAuthFailed
}

var scramDB = func() map[string]ScramCredentials {
	m := map[string]ScramCredentials{}
	for u, p := range users {
		m[u] = NewScramCredentials(p, []byte("salt-"+u), 4096)
	}
	return m
}()

func lookupScram(user string) (ScramCredentials, error) {
	if c, ok := scramDB[user]; ok {
		return c, nil
	}
	return ScramCredentials{}, ErrAuthFailed
}

func checkToken(user, token string) error {
	if token == "good-token-for-"+user {
		return nil
	}
	return &OAuthError{Status: "invalid_token", Scope: "mail"}
}

// run drives a client against a server as a protocol layer would: the
// initial response goes with the command; every challenge is answered.
func run(t *testing.T, c Client, s Server, useIR bool) error {
	t.Helper()
	_, ir, err := c.Start()
	if err != nil {
		return err
	}
	var resp []byte
	if useIR {
		resp = ir
	}
	for i := 0; i < 10; i++ {
		ch, done, err := s.Next(resp)
		if done {
			return err
		}
		if err != nil {
			t.Fatalf("error without done: %v", err)
		}
		// Without useIR the client gets the server's first, empty
		// challenge and answers it with its initial response.
		resp, err = c.Next(ch)
		if err != nil {
			return err
		}
		if resp == nil {
			t.Fatalf("client returned a nil response")
		}
	}
	return errors.New("exchange did not end")
}
