package mailbox

import (
	"strings"
	"testing"
)

// FuzzDovecotKeywords parses arbitrary dovecot-keywords files and info
// suffixes: at most 26 valid, distinct keywords, and a suffix written from
// letters parses back to the same letters.
func FuzzDovecotKeywords(f *testing.F) {
	f.Add([]byte("0 $Junk\n1 NonJunk\n2 $Forwarded\n"), "1700000000.M1P2.host:2,FSab")
	f.Add([]byte("25 z\r\n0 a\n0 dup\n-1 neg\n26 out\n3\n 4 x\n5 bad(kw\n"), ":2,")
	f.Add([]byte("1 Same\n2 same\n"), "x:2,zZa:2,b")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		names := parseKeywordsFile(data)
		seen := map[string]bool{}
		for _, n := range names {
			if n == "" {
				continue
			}
			if !validKeyword(n) || seen[strings.ToLower(n)] {
				t.Fatalf("parseKeywordsFile(%q) kept %q", data, n)
			}
			seen[strings.ToLower(n)] = true
		}
		letters := parseLetters(name)
		if letters>>maxLetters != 0 {
			t.Fatalf("parseLetters(%q) = %x", name, letters)
		}
		_, sys := parseInfo(name)
		back := "x" + infoSuffix(sys, letters)
		if parseLetters(back) != letters {
			t.Fatalf("letters %x round trip via %q", letters, back)
		}
		if _, s := parseInfo(back); s != sys {
			t.Fatalf("flags %x round trip via %q", sys, back)
		}
	})
}
