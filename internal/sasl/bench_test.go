package sasl

import "testing"

func BenchmarkPlainServer(b *testing.B) {
	msg := []byte("\x00tim\x00tanstaaftanstaaf")
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := NewPlainServer(checkPlain).Next(msg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkScramServer measures the server's cost of one SCRAM-SHA-256
// login (the client's PBKDF2 is done once, outside the loop).
func BenchmarkScramServer(b *testing.B) {
	c := NewScramSHA256Client("", "user", "pencil").(*scramClient)
	c.nonce = "rOprNGfwEbeRWgbNEkqO"
	_, first, _ := c.Start()
	s := NewScramSHA256Server(lookupScram).(*scramServer)
	s.nonce = "fixed"
	serverFirst, _, _ := s.Next(first)
	final, _ := c.Next(serverFirst)
	b.ReportAllocs()
	for b.Loop() {
		s := NewScramSHA256Server(lookupScram).(*scramServer)
		s.nonce = "fixed"
		s.Next(first)
		if _, _, err := s.Next(final); err != nil {
			b.Fatal(err)
		}
		if _, done, err := s.Next([]byte{}); !done || err != nil {
			b.Fatal(err)
		}
	}
}
