package imap

import (
	"slices"
	"testing"
)

func TestParseSeqSet(t *testing.T) {
	tests := []struct {
		in, out string
		dynamic bool
	}{
		{"1", "1", false},
		{"1:3", "1:3", false},
		{"3:1", "1:3", false},
		{"*", "*", true},
		{"*:4", "4:*", true},
		{"4:*", "4:*", true},
		{"1,3:5,7:*", "1,3:5,7:*", true},
		{"4294967294", "4294967294", false},
		{"$", "$", false},
	}
	for _, tc := range tests {
		s, err := ParseSeqSet(tc.in)
		if err != nil {
			t.Fatalf("ParseSeqSet(%q): %v", tc.in, err)
		}
		if got := s.String(); got != tc.out {
			t.Errorf("ParseSeqSet(%q).String() = %q, want %q", tc.in, got, tc.out)
		}
		if s.Dynamic() != tc.dynamic {
			t.Errorf("%q Dynamic = %v", tc.in, s.Dynamic())
		}
	}
	for _, bad := range []string{"", "0", "01", "1:", ":1", "1,", ",1", "1::2", "a", "1 2", "4294967296", "1:0", "$,1", "**"} {
		if _, err := ParseSeqSet(bad); err == nil {
			t.Errorf("ParseSeqSet(%q) succeeded", bad)
		}
	}
}

func TestSearchRes(t *testing.T) {
	s, _ := ParseUIDSet("$")
	if !s.IsSearchRes() || !SearchResUID().IsSearchRes() || SeqSetNum(5).IsSearchRes() {
		t.Fatal("IsSearchRes")
	}
}

func TestResolve(t *testing.T) {
	tests := []struct {
		in   string
		max  uint32
		want string
	}{
		{"1:*", 5, "1:5"},
		{"*", 5, "5"},
		{"7:*", 5, "5"}, // RFC 9051 §6.4.8: n:* includes the last message
		{"7:9", 5, ""},
		{"3:9", 5, "3:5"},
		{"5,1:3,4", 10, "1:5"},
		{"1:*", 0, ""},
	}
	for _, tc := range tests {
		s, _ := ParseSeqSet(tc.in)
		if got := s.Resolve(tc.max).String(); got != tc.want {
			t.Errorf("%q.Resolve(%d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}

func TestContainsAndAll(t *testing.T) {
	s, _ := ParseSeqSet("2:4,8,10:*")
	for n, want := range map[uint32]bool{0: false, 1: false, 2: true, 4: true, 5: false, 8: true, 9: false, 10: true, 1 << 30: true} {
		if s.Contains(n) != want {
			t.Errorf("Contains(%d) = %v", n, !want)
		}
	}
	got := slices.Collect(s.Resolve(11).All())
	if want := []uint32{2, 3, 4, 8, 10, 11}; !slices.Equal(got, want) {
		t.Errorf("All = %v, want %v", got, want)
	}
	if c := s.Resolve(11).Count(); c != 6 {
		t.Errorf("Count = %d", c)
	}
	var u UIDSet
	u.AddNum(1, 2, 3, 5, 6, 9)
	if u.String() != "1:3,5:6,9" {
		t.Errorf("AddNum built %q", u)
	}
}

func BenchmarkSeqSetContains(b *testing.B) {
	s, _ := ParseSeqSet("1:100,200:300,400,500:*")
	for i := 0; b.Loop(); i++ {
		s.Contains(uint32(i % 1000))
	}
}
