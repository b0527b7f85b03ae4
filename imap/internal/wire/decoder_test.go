package wire

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func newDec(s string, l Limits) *Decoder {
	return NewDecoder(bufio.NewReaderSize(strings.NewReader(s), 16), l)
}

func TestDecoderTokens(t *testing.T) {
	d := newDec(`a001 LOGIN "fr\"ed\\" {3}`+"\r\nabc NIL \\Seen 42 1:3,* inbox]x\r\n", Limits{})
	var conts []int64
	d.OnSyncLiteral = func(n int64) error { conts = append(conts, n); return nil }
	tag, err := d.Tag()
	must(t, err)
	must(t, d.SP())
	verb, err := d.Atom()
	must(t, err)
	must(t, d.SP())
	q, err := d.AString()
	must(t, err)
	must(t, d.SP())
	lit, err := d.AString()
	must(t, err)
	must(t, d.SP())
	_, ok, err := d.NString()
	must(t, err)
	must(t, d.SP())
	f, err := d.Flag()
	must(t, err)
	must(t, d.SP())
	n, err := d.Number()
	must(t, err)
	must(t, d.SP())
	set, err := d.SeqSet()
	must(t, err)
	must(t, d.SP())
	as, err := d.AString()
	must(t, err)
	must(t, d.CRLF())
	if tag != "a001" || verb != "LOGIN" || q != `fr"ed\` || lit != "abc" || ok || f != `\Seen` || n != 42 || set.String() != "1:3,*" || as != "inbox]x" {
		t.Fatalf("got %q %q %q %q %v %q %d %q %q", tag, verb, q, lit, ok, f, n, set, as)
	}
	if len(conts) != 1 || conts[0] != 3 {
		t.Fatalf("continuations %v", conts)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestQuotedErrors(t *testing.T) {
	for _, in := range []string{`"a\b"`, "\"a\r\n\"", `"abc`, "\"a\x00\""} {
		d := newDec(in, Limits{})
		if _, err := d.Quoted(); err == nil {
			t.Errorf("Quoted(%q) succeeded", in)
		}
	}
}

func TestNonSyncLiteralNoContinuation(t *testing.T) {
	d := newDec("{5+}\r\nhello {2}\r\nhi\r\n", Limits{})
	calls := 0
	d.OnSyncLiteral = func(int64) error { calls++; return nil }
	s, err := d.String()
	must(t, err)
	if s != "hello" || calls != 0 {
		t.Fatalf("got %q, %d continuations", s, calls)
	}
	must(t, d.SP())
	s, err = d.String()
	must(t, err)
	if s != "hi" || calls != 1 {
		t.Fatalf("got %q, %d continuations", s, calls)
	}
}

// LITERAL- (RFC 7888 §5): a non-synchronizing literal over 4096 octets is
// refused; SkipLine swallows it and the next command parses.
func TestLiteralMinusLimitResync(t *testing.T) {
	big := strings.Repeat("x", 5000)
	d := newDec("A APPEND INBOX {5000+}\r\n"+big+" more\r\nB NOOP\r\n", Limits{MaxNonSyncLiteral: 4096})
	d.Tag()
	d.SP()
	d.Atom()
	d.SP()
	d.AString()
	d.SP()
	_, err := d.BeginLiteral()
	var le *LiteralError
	if !errors.As(err, &le) || !le.NonSync || le.Size != 5000 || !errors.Is(err, ErrLiteralTooLarge) {
		t.Fatalf("err = %v", err)
	}
	if d.PendingLiteral() != 5000 {
		t.Fatalf("pending %d", d.PendingLiteral())
	}
	must(t, d.SkipLine())
	expectNoop(t, d, "B")
}

func expectNoop(t *testing.T, d *Decoder, wantTag string) {
	t.Helper()
	d.BeginCommand()
	tag, err := d.Tag()
	must(t, err)
	must(t, d.SP())
	v, err := d.Atom()
	must(t, err)
	must(t, d.CRLF())
	if tag != wantTag || v != "NOOP" {
		t.Fatalf("next command %q %q", tag, v)
	}
}

// A refused synchronizing literal ends the command: the client waits for
// a continuation, so SkipLine must not read on.
func TestRefusedSyncLiteral(t *testing.T) {
	d := newDec("A LOGIN {99999999}\r\nB NOOP\r\n", Limits{})
	d.OnSyncLiteral = func(int64) error { t.Fatal("continuation sent for refused literal"); return nil }
	d.Tag()
	d.SP()
	d.Atom()
	d.SP()
	_, err := d.AString()
	var le *LiteralError
	if !errors.As(err, &le) || le.NonSync {
		t.Fatalf("err = %v", err)
	}
	must(t, d.SkipLine())
	expectNoop(t, d, "B")
}

func TestCommandTooLongResync(t *testing.T) {
	long := strings.Repeat("a", 500)
	d := newDec("A "+long+" x {3+}\r\nabc y\r\nB NOOP\r\n", Limits{MaxCommand: 100})
	d.Tag()
	d.SP()
	_, err := d.Atom()
	if !errors.Is(err, ErrCommandTooLong) || !IsProtocolError(err) {
		t.Fatalf("err = %v", err)
	}
	must(t, d.SkipLine())
	expectNoop(t, d, "B")
}

func TestSkipLineAfterCRLFDoesNothing(t *testing.T) {
	d := newDec("A NOOP\r\nB NOOP\r\n", Limits{})
	expectNoop(t, d, "A")
	must(t, d.SkipLine())
	expectNoop(t, d, "B")
}

func TestNestingLimit(t *testing.T) {
	d := newDec(strings.Repeat("(", 100)+strings.Repeat(")", 100)+"\r\n", Limits{MaxDepth: 10})
	err := SkipValue(d)
	if !errors.Is(err, ErrTooDeep) {
		t.Fatalf("err = %v", err)
	}
	d = newDec("((a) (b (c)))\r\n", Limits{MaxDepth: 10})
	must(t, SkipValue(d))
	must(t, d.CRLF())
}

func TestStreamedLiteral(t *testing.T) {
	body := strings.Repeat("0123456789", 1000)
	d := newDec("A APPEND INBOX ~{10000}\r\n"+body+"\r\nB NOOP\r\n", Limits{MaxCommand: 64})
	var sent []int64
	d.OnSyncLiteral = func(n int64) error { sent = append(sent, n); return nil }
	d.Tag()
	d.SP()
	d.Atom()
	d.SP()
	d.AString()
	d.SP()
	l, err := d.BeginLiteral()
	must(t, err)
	if !l.Binary || l.NonSync || l.Size != 10000 {
		t.Fatalf("literal %+v", l)
	}
	r, err := d.LiteralBody(l)
	must(t, err)
	got, err := io.ReadAll(r)
	must(t, err)
	if string(got) != body || len(sent) != 1 {
		t.Fatalf("body mismatch or continuations %v", sent)
	}
	must(t, d.CRLF())
	expectNoop(t, d, "B")
}

func TestStreamedLiteralPartlyReadIsDrained(t *testing.T) {
	d := newDec("{10}\r\n0123456789 NIL\r\n", Limits{})
	l, err := d.BeginLiteral()
	must(t, err)
	r, _ := d.LiteralBody(l)
	buf := make([]byte, 3)
	io.ReadFull(r, buf)
	must(t, d.SP())
	_, ok, err := d.NString()
	if err != nil || ok {
		t.Fatalf("NString after partial literal: %v %v", ok, err)
	}
}

func TestLiteralAtEnd(t *testing.T) {
	for in, want := range map[string]Literal{
		"A LOGIN {5+}\r\n": {Size: 5, NonSync: true},
		"A LOGIN {12}\r\n": {Size: 12},
		"x ~{7+}\n":        {Size: 7, NonSync: true},
	} {
		got, ok := literalAtEnd([]byte(in))
		if !ok || got.Size != want.Size || got.NonSync != want.NonSync {
			t.Errorf("literalAtEnd(%q) = %+v %v", in, got, ok)
		}
	}
	for _, in := range []string{"A {}\r\n", "A {+}\r\n", "A 5}\r\n", "}\r\n", "{1x}\r\n"} {
		if _, ok := literalAtEnd([]byte(in)); ok {
			t.Errorf("literalAtEnd(%q) ok", in)
		}
	}
}

func TestDateTime(t *testing.T) {
	d := newDec(`"17-Jul-1996 02:44:25 -0700" " 1-Feb-2024 00:00:00 +0000" "31-Feb-2024 00:00:00 +0000"`, Limits{})
	t1, err := d.DateTime()
	must(t, err)
	if t1.Unix() != time.Date(1996, 7, 17, 9, 44, 25, 0, time.UTC).Unix() {
		t.Errorf("t1 = %v", t1)
	}
	d.SP()
	t2, err := d.DateTime()
	must(t, err)
	if got := string(AppendDateTime(nil, t2)); got != " 1-Feb-2024 00:00:00 +0000" {
		t.Errorf("AppendDateTime = %q", got)
	}
	d.SP()
	if _, err := d.DateTime(); err == nil {
		t.Error("31-Feb accepted")
	}
	if got := string(AppendDateTime(nil, t1)); got != "17-Jul-1996 02:44:25 -0700" {
		t.Errorf("AppendDateTime = %q", got)
	}
	d = newDec(`1-Feb-1994 "15-mar-2020"`, Limits{})
	a, err := d.Date()
	must(t, err)
	d.SP()
	b, err := d.Date()
	must(t, err)
	if a != time.Date(1994, 2, 1, 0, 0, 0, 0, time.UTC) || b != time.Date(2020, 3, 15, 0, 0, 0, 0, time.UTC) {
		t.Errorf("dates %v %v", a, b)
	}
}

func TestUTF7(t *testing.T) {
	cases := map[string]string{
		"~peter/mail/台北/日本語": "~peter/mail/&U,BTFw-/&ZeVnLIqe-", // RFC 3501 §5.1.3
		"A&B":                "A&-B",
		"INBOX":              "INBOX",
		"Entwürfe":           "Entw&APw-rfe",
		"😀":                  "&2D3eAA-",
	}
	for dec, enc := range cases {
		if got := EncodeUTF7(dec); got != enc {
			t.Errorf("EncodeUTF7(%q) = %q, want %q", dec, got, enc)
		}
		got, err := DecodeUTF7(enc)
		if err != nil || got != dec {
			t.Errorf("DecodeUTF7(%q) = %q, %v", enc, got, err)
		}
	}
	for _, bad := range []string{"&", "&Jjo", "&AGE", "&AGEA-", "&AEE-", "é", "&2D0-", "&U,BTF2-"} {
		if got, err := DecodeUTF7(bad); err == nil {
			t.Errorf("DecodeUTF7(%q) = %q, want error", bad, got)
		}
	}
}

// On the client side (no continuation hook) a server's literal always
// follows, so a refused one is swallowed rather than ending the line.
func TestClientSideRefusedLiteralIsSwallowed(t *testing.T) {
	d := newDec("* 1 FETCH (BODY[] {20}\r\n0123456789abcdef\r\n\r\n)\r\n* 2 EXISTS\r\n", Limits{MaxLiteral: 10})
	d.ReadByte()
	d.SP()
	d.Number()
	d.SP()
	d.Atom()
	d.SP()
	d.Expect('(')
	d.readWhile1(func(c byte) bool { return c != ' ' }, "x")
	d.SP()
	if _, err := d.String(); !errors.Is(err, ErrLiteralTooLarge) {
		t.Fatalf("err = %v", err)
	}
	must(t, d.SkipLine())
	d.BeginCommand()
	if err := d.Expect('*'); err != nil {
		t.Fatal(err)
	}
	d.SP()
	if n, err := d.Number(); err != nil || n != 2 {
		t.Fatalf("next response: %d %v", n, err)
	}
}
