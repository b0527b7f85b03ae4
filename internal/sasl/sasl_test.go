package sasl

import (
	"encoding/base64"
	"errors"
	"reflect"
	"testing"
)

func TestRoundTrips(t *testing.T) {
	type mech struct {
		name   string
		client func(user, pass string) Client
		server func() Server
	}
	mechs := []mech{
		{"PLAIN", func(u, p string) Client { return NewPlainClient("", u, p) }, func() Server { return NewPlainServer(checkPlain) }},
		{"LOGIN", NewLoginClient, func() Server { return NewLoginServer(checkPlain) }},
		{"CRAM-MD5", NewCramMD5Client, func() Server { return NewCramMD5Server("mx.example.org", secret) }},
		{"SCRAM-SHA-256", func(u, p string) Client { return NewScramSHA256Client("", u, p) }, func() Server { return NewScramSHA256Server(lookupScram) }},
		{"OAUTHBEARER", func(u, p string) Client { return NewOAuthBearerClient(u, "good-token-for-"+u+p[:0]) }, func() Server { return NewOAuthBearerServer(checkToken) }},
		{"XOAUTH2", func(u, p string) Client { return NewXOAuth2Client(u, "good-token-for-"+u+p[:0]) }, func() Server { return NewXOAuth2Server(checkToken) }},
	}
	for _, m := range mechs {
		for _, useIR := range []bool{true, false} {
			for user, pass := range users {
				s := m.server()
				if err := run(t, m.client(user, pass), s, useIR); err != nil {
					t.Fatalf("%s ir=%v %s: %v", m.name, useIR, user, err)
				}
				if _, u := s.Identity(); u != user {
					t.Fatalf("%s: identity %q, want %q", m.name, u, user)
				}
				// After the end, every call fails.
				if _, done, err := s.Next([]byte{}); !done || !errors.Is(err, ErrMalformed) {
					t.Fatalf("%s: Next after end: %v %v", m.name, done, err)
				}
			}
			// Wrong password (wrong token for OAuth) and unknown user.
			for _, bad := range [][2]string{{"tim", "wrong"}, {"nobody", "x"}} {
				s := m.server()
				c := m.client(bad[0], bad[1])
				if m.name == "OAUTHBEARER" {
					c = NewOAuthBearerClient(bad[0], "bad")
				} else if m.name == "XOAUTH2" {
					c = NewXOAuth2Client(bad[0], "bad")
				}
				err := run(t, c, s, useIR)
				if !errors.Is(err, ErrAuthFailed) {
					t.Fatalf("%s ir=%v %v: got %v, want ErrAuthFailed", m.name, useIR, bad, err)
				}
				if a, u := s.Identity(); a != "" || u != "" {
					t.Fatalf("%s: identity %q %q after failure", m.name, a, u)
				}
			}
		}
	}
}

func TestAuthzid(t *testing.T) {
	s := NewPlainServer(checkPlain)
	if err := run(t, NewPlainClient("tim", "Kurt", "xipj3plmq"), s, true); err != nil {
		t.Fatal(err)
	}
	if a, u := s.Identity(); a != "tim" || u != "Kurt" {
		t.Fatalf("identity %q %q", a, u)
	}
	s = NewScramSHA256Server(lookupScram)
	if err := run(t, NewScramSHA256Client("a,b=c", "user", "pencil"), s, true); err != nil {
		t.Fatal(err)
	}
	if a, u := s.Identity(); a != "a,b=c" || u != "user" {
		t.Fatalf("identity %q %q", a, u)
	}
	// The callback refuses an authzid the user may not use.
	if err := run(t, NewPlainClient("Kurt", "tim", "tanstaaftanstaaf"), NewPlainServer(checkPlain), true); !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("got %v", err)
	}
}

// RFC 4616 §4 examples.
func TestPlainRFC4616(t *testing.T) {
	cases := []struct {
		msg           string
		authzid, user string
		ok            bool
	}{
		{"\x00tim\x00tanstaaftanstaaf", "", "tim", true},
		{"Ursel\x00Kurt\x00xipj3plmq", "Ursel", "Kurt", true},
	}
	for _, c := range cases {
		s := NewPlainServer(checkPlain)
		ch, done, err := s.Next(nil)
		if done || err != nil || len(ch) != 0 || ch == nil {
			t.Fatalf("initial challenge %q %v %v", ch, done, err)
		}
		_, done, err = s.Next([]byte(c.msg))
		if !done || err != nil {
			t.Fatalf("%q: %v %v", c.msg, done, err)
		}
		if a, u := s.Identity(); a != c.authzid || u != c.user {
			t.Fatalf("%q: identity %q %q", c.msg, a, u)
		}
	}
	_, ir, _ := NewPlainClient("Ursel", "Kurt", "xipj3plmq").Start()
	if string(ir) != "Ursel\x00Kurt\x00xipj3plmq" {
		t.Fatalf("client IR %q", ir)
	}
}

func TestPlainMalformed(t *testing.T) {
	for _, msg := range []string{"", "tim", "\x00tim", "\x00\x00pw", "\x00tim\x00", "a\x00tim\x00pw\x00", "\x00t\xffm\x00pw", string(make([]byte, MaxResponseLen+1))} {
		_, done, err := NewPlainServer(checkPlain).Next([]byte(msg))
		if !done || !errors.Is(err, ErrMalformed) {
			t.Fatalf("%q: %v %v", msg, done, err)
		}
	}
}

// A callback error that is not ErrAuthFailed (the backend is down) is
// passed through so the protocol layer can answer with a temporary error.
func TestBackendErrorPassedThrough(t *testing.T) {
	down := errors.New("database down")
	_, _, err := NewPlainServer(func(string, string, string) error { return down }).Next([]byte("\x00u\x00p"))
	if !errors.Is(err, down) || errors.Is(err, ErrAuthFailed) {
		t.Fatalf("PLAIN: %v", err)
	}
	s := NewScramSHA256Server(func(string) (ScramCredentials, error) { return ScramCredentials{}, down })
	if _, _, err := s.Next([]byte("n,,n=u,r=abc")); !errors.Is(err, down) {
		t.Fatalf("SCRAM: %v", err)
	}
	s = NewOAuthBearerServer(func(string, string) error { return down })
	if _, done, err := s.Next([]byte("n,a=u,\x01auth=Bearer x\x01\x01")); !done || !errors.Is(err, down) {
		t.Fatalf("OAUTHBEARER: %v %v", done, err)
	}
}

func TestLoginServerTranscript(t *testing.T) {
	s := NewLoginServer(checkPlain)
	steps := []struct {
		resp, ch string
		done     bool
	}{
		{"", "Username:", false},
		{"tim", "Password:", false},
		{"tanstaaftanstaaf", "", true},
	}
	for i, st := range steps {
		var resp []byte
		if i > 0 {
			resp = []byte(st.resp)
		}
		ch, done, err := s.Next(resp)
		if string(ch) != st.ch || done != st.done || err != nil {
			t.Fatalf("step %d: %q %v %v", i, ch, done, err)
		}
	}
	// Initial response = user name (RFC 4954 "AUTH LOGIN dGlt").
	s = NewLoginServer(checkPlain)
	if ch, _, _ := s.Next([]byte("tim")); string(ch) != "Password:" {
		t.Fatalf("got %q", ch)
	}
	if _, done, err := NewLoginServer(checkPlain).Next([]byte{}); !done || !errors.Is(err, ErrMalformed) {
		t.Fatalf("empty user: %v", err)
	}
}

// RFC 2195 §2 example.
func TestCramMD5RFC2195(t *testing.T) {
	const challenge = "<1896.697170952@postoffice.reston.mci.net>"
	s := newCramMD5Server(challenge, secret)
	ch, done, err := s.Next(nil)
	if string(ch) != challenge || done || err != nil {
		t.Fatalf("challenge %q %v %v", ch, done, err)
	}
	if _, done, err := s.Next([]byte("tim b913a602c7eda7a495b4e6e7334d3890")); !done || err != nil {
		t.Fatalf("response: %v %v", done, err)
	}
	c := NewCramMD5Client("tim", "tanstaaftanstaaf")
	if resp, _ := c.Next([]byte(challenge)); string(resp) != "tim b913a602c7eda7a495b4e6e7334d3890" {
		t.Fatalf("client response %q", resp)
	}
	for _, bad := range []string{"tim b913a602c7eda7a495b4e6e7334d3891", "tim b913", "timb913a602c7eda7a495b4e6e7334d3890", " b913a602c7eda7a495b4e6e7334d3890"} {
		s := newCramMD5Server(challenge, secret)
		s.Next(nil)
		if _, _, err := s.Next([]byte(bad)); err == nil {
			t.Fatalf("%q accepted", bad)
		}
	}
	// Uppercase hex is accepted; initial responses are not.
	s = newCramMD5Server(challenge, secret)
	s.Next(nil)
	if _, _, err := s.Next([]byte("tim B913A602C7EDA7A495B4E6E7334D3890")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := NewCramMD5Server("h", secret).Next([]byte("x")); !errors.Is(err, ErrMalformed) {
		t.Fatalf("initial response: %v", err)
	}
}

// RFC 7677 §3 example: user "user", password "pencil", fixed nonces.
func TestScramSHA256RFC7677(t *testing.T) {
	const (
		clientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
		serverFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
		clientFinal = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
		serverFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
	)
	salt, _ := base64.StdEncoding.DecodeString("W22ZaJ0SNY7soEsUEjb6gQ==")
	creds := NewScramCredentials("pencil", salt, 4096)

	// Client side.
	c := NewScramSHA256Client("", "user", "pencil").(*scramClient)
	c.nonce = "rOprNGfwEbeRWgbNEkqO"
	mech, ir, err := c.Start()
	if mech != "SCRAM-SHA-256" || string(ir) != clientFirst || err != nil {
		t.Fatalf("Start: %s %q %v", mech, ir, err)
	}
	resp, err := c.Next([]byte(serverFirst))
	if string(resp) != clientFinal || err != nil {
		t.Fatalf("client-final %q %v", resp, err)
	}
	resp, err = c.Next([]byte(serverFinal))
	if resp == nil || len(resp) != 0 || err != nil {
		t.Fatalf("after server-final %q %v", resp, err)
	}

	// Server side.
	s := NewScramSHA256Server(func(u string) (ScramCredentials, error) {
		if u != "user" {
			return ScramCredentials{}, ErrAuthFailed
		}
		return creds, nil
	}).(*scramServer)
	s.nonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
	ch, done, err := s.Next([]byte(clientFirst))
	if string(ch) != serverFirst || done || err != nil {
		t.Fatalf("server-first %q %v %v", ch, done, err)
	}
	ch, done, err = s.Next([]byte(clientFinal))
	if string(ch) != serverFinal || done || err != nil {
		t.Fatalf("server-final %q %v %v", ch, done, err)
	}
	if a, u := s.Identity(); u != "" || a != "" {
		t.Fatal("identity before the exchange ended")
	}
	if _, done, err = s.Next([]byte{}); !done || err != nil {
		t.Fatalf("end: %v %v", done, err)
	}
	if _, u := s.Identity(); u != "user" {
		t.Fatalf("identity %q", u)
	}

	// A server that does not know the keys is caught by the client.
	c = NewScramSHA256Client("", "user", "pencil").(*scramClient)
	c.nonce = "rOprNGfwEbeRWgbNEkqO"
	c.Start()
	c.Next([]byte(serverFirst))
	if _, err := c.Next([]byte("v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")); !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("forged server signature: %v", err)
	}
}

func TestScramServerMalformed(t *testing.T) {
	firsts := []string{
		"p=tls-unique,,n=user,r=abc", // channel binding refused
		"x,,n=user,r=abc",            // bad flag
		"n,,m=ext,n=user,r=abc",      // mandatory extension
		"n,,n=user",                  // no nonce
		"n,,r=abc,n=user",            // wrong order
		"n,,n=,r=abc",                // empty user
		"n,,n=us=er,r=abc",           // bad escape
		"n,,n=user,r=",               // empty nonce
		"n,,n=user,r=a b",            // unprintable nonce
		"n,b=x,n=user,r=abc",         // bad authzid
		"n,a=,n=user,r=abc",          // empty authzid
		"n,a=user",                   // unterminated header
		"n",
		"",
	}
	for _, f := range firsts {
		s := NewScramSHA256Server(lookupScram)
		if _, done, err := s.Next([]byte(f)); !done || !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: %v %v", f, done, err)
		}
	}
	// Client-final problems, after a good client-first.
	start := func(header string) (*scramServer, string) {
		s := NewScramSHA256Server(lookupScram).(*scramServer)
		ch, _, err := s.Next([]byte(header + "n=user,r=abc"))
		if err != nil {
			t.Fatal(err)
		}
		return s, string(ch[2:bytesIndex(ch, ',')])
	}
	proof := base64.StdEncoding.EncodeToString(make([]byte, 32))
	for _, f := range []func(nonce string) string{
		func(n string) string { return "c=biws,r=" + n },                   // no proof
		func(n string) string { return "c=biws,r=" + n + ",p=AAAA" },       // short proof
		func(n string) string { return "c=biws,r=" + n + "x,p=" + proof },  // nonce mismatch
		func(n string) string { return "c=eSws,r=" + n + ",p=" + proof },   // c= says "y,,"
		func(n string) string { return "r=" + n + ",c=biws,p=" + proof },   // order
		func(n string) string { return "c=biws,r=" + n + ",p=!!" + proof }, // bad base64
	} {
		s, nonce := start("n,,")
		if _, done, err := s.Next([]byte(f(nonce))); !done || !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: %v %v", f(nonce), done, err)
		}
	}
	// A wrong proof is bad credentials, not a malformed exchange.
	s, nonce := start("y,,")
	if _, done, err := s.Next([]byte("c=eSws,r=" + nonce + ",p=" + proof)); !done || !errors.Is(err, ErrAuthFailed) {
		t.Errorf("wrong proof: %v %v", done, err)
	}
	// A non-empty answer to server-final.
	c := NewScramSHA256Client("", "user", "pencil")
	s = NewScramSHA256Server(lookupScram).(*scramServer)
	_, ir, _ := c.Start()
	ch, _, _ := s.Next(ir)
	resp, _ := c.Next(ch)
	s.Next(resp)
	if _, done, err := s.Next([]byte("x")); !done || !errors.Is(err, ErrMalformed) {
		t.Errorf("non-empty final answer: %v %v", done, err)
	}
	if _, u := s.Identity(); u != "" {
		t.Error("identity set after a failed exchange")
	}
}

func bytesIndex(b []byte, c byte) int {
	for i := range b {
		if b[i] == c {
			return i
		}
	}
	return -1
}

// Unknown users get a stable made-up salt, indistinguishable from a real
// account's server-first-message.
func TestScramUnknownUser(t *testing.T) {
	first := func() string {
		s := NewScramSHA256Server(lookupScram).(*scramServer)
		s.nonce = "N"
		ch, done, err := s.Next([]byte("n,,n=nobody,r=abc"))
		if done || err != nil {
			t.Fatalf("unknown user refused early: %v", err)
		}
		return string(ch)
	}
	a, b := first(), first()
	if a != b {
		t.Fatalf("salt for an unknown user changes: %q vs %q", a, b)
	}
}

func TestScramClientRejectsBadServer(t *testing.T) {
	for _, sf := range []string{
		"r=other,s=c2FsdA==,i=4096",       // nonce not extended
		"r=CNONCE,s=c2FsdA==,i=4096",      // nonce not extended (equal)
		"r=CNONCEx,s=,i=4096",             // empty salt
		"r=CNONCEx,s=c2FsdA==,i=0",        // bad count
		"r=CNONCEx,s=c2FsdA==,i=600001",   // over MaxScramIterations
		"r=CNONCEx,s=c2FsdA==,i=4096x",    // not a number
		"m=x,r=CNONCEx,s=c2FsdA==,i=4096", // mandatory extension
		"s=c2FsdA==,r=CNONCEx,i=4096",     // order
	} {
		c := NewScramSHA256Client("", "user", "pencil").(*scramClient)
		c.nonce = "CNONCE"
		c.Start()
		if _, err := c.Next([]byte(sf)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: %v", sf, err)
		}
	}
	c := NewScramSHA256Client("", "user", "pencil").(*scramClient)
	c.nonce = "CNONCE"
	c.Start()
	c.Next([]byte("r=CNONCEx,s=c2FsdA==,i=4096"))
	if _, err := c.Next([]byte("e=invalid-proof")); !errors.Is(err, ErrAuthFailed) {
		t.Errorf("e=: %v", err)
	}
	if _, err := c.Next([]byte("v=x")); !errors.Is(err, ErrMalformed) {
		t.Errorf("third challenge: %v", err)
	}
}

func TestSASLName(t *testing.T) {
	for _, s := range []string{"plain", "a,b", "a=b", "=,=2C", ""} {
		got, ok := decodeSASLName(encodeSASLName(s))
		if !ok || got != s {
			t.Fatalf("%q: %q %v", s, got, ok)
		}
	}
}

func TestNormalize(t *testing.T) {
	// Non-ASCII space (U+00A0) maps to SPACE; NFC composes.
	if got := Normalize("a\u00a0b"); got != "a b" {
		t.Fatalf("got %q", got)
	}
	if got := Normalize("e\u0301"); got != "\u00e9" {
		t.Fatalf("got %q", got)
	}
	if got := Normalize("pencil"); got != "pencil" {
		t.Fatalf("got %q", got)
	}
	// Same password in two Unicode forms gives the same SCRAM keys.
	a := NewScramCredentials("caf\u00e9", []byte("s"), 10)
	b := NewScramCredentials("cafe\u0301", []byte("s"), 10)
	if string(a.StoredKey) != string(b.StoredKey) {
		t.Fatal("normalisation not applied to SCRAM passwords")
	}
	if c := NewScramCredentials("x", nil, 0); len(c.Salt) != 16 || c.Iterations != DefaultScramIterations {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestScramCredentialsText(t *testing.T) {
	salt, _ := base64.StdEncoding.DecodeString("W22ZaJ0SNY7soEsUEjb6gQ==")
	c := NewScramCredentials("pencil", salt, 4096)
	text, _ := c.MarshalText()
	// The RFC 7677 §3 keys, in RFC 5803 form.
	const want = "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU="
	if string(text) != want {
		t.Fatalf("got %s", text)
	}
	var back ScramCredentials
	if err := back.UnmarshalText(text); err != nil || !reflect.DeepEqual(back, c) {
		t.Fatalf("round trip: %+v %v", back, err)
	}
	for _, bad := range []string{"", "SCRAM-SHA-256$", "SCRAM-SHA-1$4096:c2FsdA==$a:b", "SCRAM-SHA-256$0:c2FsdA==$" + want[len(want)-89:],
		"SCRAM-SHA-256$4096:$WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=",
		"SCRAM-SHA-256$4096:c2FsdA==$AAAA:wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU="} {
		if err := back.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
