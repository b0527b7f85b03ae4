package sasl

import (
	"errors"
	"testing"
)

// drive feeds a server the fuzzer's messages and checks the invariants
// every mechanism keeps: no panic, a bounded number of steps, success only
// with an identity, and only the documented errors.
func drive(t *testing.T, s Server, msgs ...[]byte) {
	done := false
	var err error
	for _, m := range msgs {
		if done {
			break
		}
		_, done, err = s.Next(m)
	}
	if !done {
		return
	}
	_, user := s.Identity()
	if err == nil && user == "" {
		t.Fatalf("success without an identity")
	}
	if err != nil && user != "" {
		t.Fatalf("identity %q after failure %v", user, err)
	}
	if err != nil && !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("unexpected error class: %v", err)
	}
}

func FuzzPlainServer(f *testing.F) {
	f.Add([]byte("\x00tim\x00tanstaaftanstaaf"))
	f.Add([]byte("Ursel\x00Kurt\x00xipj3plmq"))
	f.Add([]byte("\x00\x00"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		drive(t, NewPlainServer(checkPlain), msg)
		drive(t, NewPlainServer(checkPlain), nil, msg)
	})
}

func FuzzLoginServer(f *testing.F) {
	f.Add([]byte("tim"), []byte("tanstaaftanstaaf"))
	f.Add([]byte(""), []byte(""))
	f.Fuzz(func(t *testing.T, user, pass []byte) {
		drive(t, NewLoginServer(checkPlain), nil, user, pass)
		drive(t, NewLoginServer(checkPlain), user, pass)
	})
}

func FuzzCramMD5Server(f *testing.F) {
	f.Add([]byte("tim b913a602c7eda7a495b4e6e7334d3890"))
	f.Add([]byte(" "))
	f.Fuzz(func(t *testing.T, msg []byte) {
		drive(t, newCramMD5Server("<1896.697170952@postoffice.reston.mci.net>", secret), nil, msg)
	})
}

func FuzzScramServer(f *testing.F) {
	f.Add([]byte("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"), []byte("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="))
	f.Add([]byte("y,a=a=2Cb,n=user,r=x,ext=1"), []byte("c=eSxhPWE9MkNiLA==,r=x%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=AAAA"))
	f.Add([]byte("p=tls-unique,,n=user,r=x"), []byte(""))
	f.Fuzz(func(t *testing.T, first, final []byte) {
		s := NewScramSHA256Server(lookupScram).(*scramServer)
		s.nonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
		drive(t, s, first, final, []byte{})
	})
}

func FuzzScramClient(f *testing.F) {
	f.Add([]byte("r=CNONCE%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"), []byte("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="))
	f.Add([]byte("r=CNONCEx,s=c2FsdA==,i=99999999"), []byte("e=other-error"))
	f.Fuzz(func(t *testing.T, first, final []byte) {
		c := NewScramSHA256Client("", "user", "pencil").(*scramClient)
		c.nonce = "CNONCE"
		c.Start()
		if _, err := c.Next(first); err != nil {
			return
		}
		if _, err := c.Next(final); err == nil {
			t.Fatalf("server signature %q accepted for a made-up exchange", final)
		}
	})
}

func FuzzOAuthBearerServer(f *testing.F) {
	f.Add([]byte("n,a=user@example.com,\x01host=server.example.com\x01port=143\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01"), []byte("\x01"))
	f.Add([]byte("n,a=u,\x01auth=\x01\x01"), []byte("\x01"))
	f.Fuzz(func(t *testing.T, msg, ack []byte) {
		drive(t, NewOAuthBearerServer(checkToken), msg, ack)
	})
}

func FuzzXOAuth2Server(f *testing.F) {
	f.Add([]byte("user=u\x01auth=Bearer good-token-for-u\x01\x01"), []byte(""))
	f.Add([]byte("user=u\x01auth=Bearer bad\x01\x01"), []byte(""))
	f.Fuzz(func(t *testing.T, msg, ack []byte) {
		drive(t, NewXOAuth2Server(checkToken), msg, ack)
	})
}
