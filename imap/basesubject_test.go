package imap

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestBaseSubject(t *testing.T) {
	tests := []struct {
		in, want string
		reply    bool
	}{
		{"", "", false},
		{"Hello", "Hello", false},
		{"  Hello  ", "Hello", false},
		{"Re: Hello", "Hello", true},
		{"re:Hello", "Hello", true},
		{"RE : Hello", "Hello", true},
		{"Fw: Hello", "Hello", true},
		{"FWD: Hello", "Hello", true},
		{"Re: Re: Fwd: re: Hello", "Hello", true},
		{"Re[2]: Hello", "Hello", true},
		{"Re [list]: Hello", "Hello", true},
		{"[list] Re: Hello", "Hello", true},
		{"[a][b] Re: [c] Fw: Hello", "Hello", true},
		{"[list] Hello", "Hello", false},
		{"[list]", "[list]", false},
		{"[a] [b]", "[b]", false},
		{"[a] [b] ", "[b]", false},
		{"Hello (fwd)", "Hello", true},
		{"Hello (FWD) (fwd)", "Hello", true},
		{"Hello(fwd)", "Hello", true},
		{"[Fwd: Hello]", "Hello", true},
		{"[fwd: Re: Hello (fwd)]", "Hello", true},
		{"Re: [Fwd: [list] Hello]", "Hello", true},
		{"[Fwd: Hello] extra", "extra", false}, // a blob followed by text is just a blob
		{"Ref: Hello", "Ref: Hello", false},
		{"Reply: Hello", "Reply: Hello", false},
		{"Fwd Hello", "Fwd Hello", false},
		{"Re:", "", true},
		{"Re: ", "", true},
		{"[unclosed Hello", "[unclosed Hello", false},
		{"a\t\tb\r\n c", "a b c", false},
		{"=?UTF-8?Q?Re:_caf=C3=A9?=", "café", true},
		{"=?ISO-8859-1?Q?Gr=FC=DFe?= =?ISO-8859-1?Q?_aus_Berlin?=", "Grüße aus Berlin", false},
		{"=?UTF-8?B?W2xpc3RdIFJlOiBoaQ==?=", "hi", true},      // "[list] Re: hi"
		{"=?x-unknown?Q?abc?=", "=?x-unknown?Q?abc?=", false}, // undecodable word kept
		{"Re: \xff\xfe broken", "\xff\xfe broken", true},      // 8-bit junk kept
		{"[\x00] Hello", "[\x00] Hello", false},               // NUL is not a BLOBCHAR
		{"Re: [fwd: ]", "[fwd: ]", true},                      // unwrapping would leave nothing... it does: "" is not special
	}
	for _, tt := range tests {
		got, reply := baseSubject(tt.in)
		if tt.in == "Re: [fwd: ]" {
			// "[fwd: ]" is removed by step 6 like any other wrapper.
			tt.want = ""
		}
		if got != tt.want || reply != tt.reply {
			t.Errorf("baseSubject(%q) = %q, %v; want %q, %v", tt.in, got, reply, tt.want, tt.reply)
		}
		if BaseSubject(tt.in) != got {
			t.Errorf("BaseSubject(%q) differs from baseSubject", tt.in)
		}
	}
}

func TestCollationKey(t *testing.T) {
	pairs := [][2]string{
		{"hello", "HELLO"},
		{"Café", "CAFÉ"},
		{"Cafe\u0301", "café"}, // decomposed and composed forms are equal
	}
	for _, p := range pairs {
		if CollationKey(p[0]) != CollationKey(p[1]) {
			t.Errorf("CollationKey(%q) = %q != CollationKey(%q) = %q", p[0], CollationKey(p[0]), p[1], CollationKey(p[1]))
		}
	}
	// i;unicode-casemap maps to title (upper) case: '_' sorts after letters.
	if !(CollationKey("zed") < CollationKey("_x")) {
		t.Error("'_' should collate after letters")
	}
	if CollationKey("\xff") != "\xff" {
		t.Error("invalid UTF-8 must be kept")
	}
}

func TestSentDate(t *testing.T) {
	internal := time.Date(2020, 5, 6, 7, 8, 9, 0, time.UTC)
	utc := func(y int, mo time.Month, d, h, mi, s int) time.Time {
		return time.Date(y, mo, d, h, mi, s, 0, time.UTC)
	}
	tests := []struct {
		in   string
		want time.Time
	}{
		// RFC 5256 §2.2's example.
		{"31 Dec 2000 16:01:33 -0800", utc(2001, 1, 1, 0, 1, 33)},
		{"Mon, 1 Jan 2001 00:01:33 +0000", utc(2001, 1, 1, 0, 1, 33)},
		{"Sat, 10 Jan 2026 07:00:00 -0600 (CST)", utc(2026, 1, 10, 13, 0, 0)},
		{"10 Jan 2026 07:00:00 EST", utc(2026, 1, 10, 12, 0, 0)},
		// Invalid zone: UTC (§2.2).
		{"10 Jan 2026 07:00:00 +9999", utc(2026, 1, 10, 7, 0, 0)},
		{"10 Jan 2026 07:00:00 XYZ", utc(2026, 1, 10, 7, 0, 0)},
		// Invalid time: 00:00:00 (§2.2).
		{"10 Jan 2026 25:61:00 +0000", utc(2026, 1, 10, 0, 0, 0)},
		{"10 Jan 2026", utc(2026, 1, 10, 0, 0, 0)},
		// Two-digit years (RFC 5322 §4.3).
		{"10 Jan 26 07:00 +0000", utc(2026, 1, 10, 7, 0, 0)},
		{"10 Jan 99 07:00 +0000", utc(1999, 1, 10, 7, 0, 0)},
		// Sloppy but recognisable.
		{"Sat,10 January 2026 07:00:00 GMT", utc(2026, 1, 10, 7, 0, 0)},
		// Not a date: the internal date.
		{"", internal},
		{"garbage", internal},
		{"Jan 2026", internal},
	}
	for _, tt := range tests {
		if got := SentDate(tt.in, internal); !got.Equal(tt.want) {
			t.Errorf("SentDate(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestSortTieBreakAndKeys(t *testing.T) {
	d := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	msgs := []SortMessage{
		{Num: 10, Size: 300, InternalDate: d, Date: "1 Jan 2026 10:00 +0000"},
		{Num: 20, Size: 100, InternalDate: d, Date: "1 Jan 2026 10:00 +0000"},
		{Num: 30, Size: 300, InternalDate: d.Add(-time.Hour), Date: "1 Jan 2026 09:00 +0000"},
		{Num: 40, Size: 200, InternalDate: d},
	}
	check := func(prog []SortCriterion, want string) {
		t.Helper()
		if got := joinNums(Sort(msgs, prog)); got != want {
			t.Errorf("Sort(%v) = %s, want %s", prog, got, want)
		}
	}
	check([]SortCriterion{{Key: SortSize}}, "20 40 10 30")
	check([]SortCriterion{{Key: SortSize, Reverse: true}}, "10 30 40 20")
	// 40 has no Date: its internal date (midnight) is its sent date.
	check([]SortCriterion{{Key: SortDate}}, "40 30 10 20")
	check([]SortCriterion{{Key: SortDate, Reverse: true}}, "10 20 30 40")
	check([]SortCriterion{{Key: SortArrival}}, "30 10 20 40")
	check([]SortCriterion{{Key: SortSize}, {Key: SortDate, Reverse: true}}, "20 40 10 30")
	check(nil, "10 20 30 40")
	check([]SortCriterion{{Key: "BOGUS"}}, "10 20 30 40")
	if len(Sort(nil, []SortCriterion{{Key: SortDate}})) != 0 {
		t.Error("empty input")
	}
}

func TestMessageIDs(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		// RFC 5256 §3: quoting must not matter.
		{`<"01KF8JCEOCBS0045PS"@xxx.yyy.com>`, []string{"01KF8JCEOCBS0045PS@xxx.yyy.com"}},
		{`<01KF8JCEOCBS0045PS@xxx.yyy.com>`, []string{"01KF8JCEOCBS0045PS@xxx.yyy.com"}},
		{`<a@b> <c@d>`, []string{"a@b", "c@d"}},
		{"<a@b>\r\n\t<c@d>", []string{"a@b", "c@d"}},
		{`<a@b>(comment <x@y>)<c@d>`, []string{"a@b", "c@d"}},
		{`< a @ b >`, []string{"a@b"}},
		{`<a(comment)@b>`, []string{"a@b"}},
		{`<A@B> <a@b>`, []string{"A@B", "a@b"}}, // case-sensitive
		{`"quoted <x@y>" <a@b>`, []string{"a@b"}},
		{`Your message of 1 Jan <a@b>`, []string{"a@b"}},
		{`<noat> <@b> <a@> <a@b`, nil},
		{`<broken <a@b>`, []string{"a@b"}},
		{`<"a\"b"@c>`, []string{`a"b@c`}},
		{``, nil},
	}
	for _, tt := range tests {
		got := appendMessageIDs(nil, tt.in, -1)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("appendMessageIDs(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if id, ok := firstMessageID("<x@y> <z@w>"); !ok || id != "x@y" {
		t.Errorf("firstMessageID = %q, %v", id, ok)
	}
}

func FuzzBaseSubject(f *testing.F) {
	for _, s := range []string{
		"Re: [list] Fwd: re: Budget", "[Fwd: Re: x (fwd)]", "[a][b]", "Re [x]: y",
		"=?UTF-8?Q?Caf=C3=A9?=", "=?utf-8?b?UmU6IGNhZsOpIE1FTlU=?=", "[fwd: [fwd: ]]", "\t (fwd) ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, _ := baseSubject(s)
		// The base subject is stable: it has no leader, blob-prefix,
		// trailer or wrapper left to remove.
		if b2, _ := baseSubject(b); b2 != b && !strings.Contains(s, "=?") {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, b, b2)
		}
		if strings.HasPrefix(b, " ") || strings.HasSuffix(b, " ") || strings.Contains(b, "  ") || strings.ContainsAny(b, "\t\r\n") && !strings.Contains(s, "=?") {
			t.Fatalf("white space left in %q (from %q)", b, s)
		}
		k := CollationKey(b)
		if utf8.ValidString(b) && !utf8.ValidString(k) {
			t.Fatalf("CollationKey made invalid UTF-8 of %q", b)
		}
	})
}

func ExampleBaseSubject() {
	for _, s := range []string{
		"Re: [list] Fwd: re: Budget",
		"[Fwd: Meeting agenda]",
		"Fw: Spaces and tabs (fwd)",
		"=?UTF-8?Q?Re:_Caf=C3=A9_menu?=",
	} {
		fmt.Printf("%q\n", BaseSubject(s))
	}
	// Output:
	// "Budget"
	// "Meeting agenda"
	// "Spaces and tabs"
	// "Café menu"
}
