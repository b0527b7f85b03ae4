package wire

import (
	"bufio"
	"strings"
	"testing"

	"github.com/mailwire/mailwire/imap"
)

func TestReadFetchItems(t *testing.T) {
	cases := []struct{ in, out string }{
		{"ALL", "(FLAGS INTERNALDATE RFC822.SIZE ENVELOPE)"},
		{"fast", "(FLAGS INTERNALDATE RFC822.SIZE)"},
		{"FULL", "(FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY)"},
		{"(UID FLAGS)", "(UID FLAGS)"},
		{"BODY[]", "(BODY[])"},
		{"(BODY.PEEK[1.2.HEADER.FIELDS (From \"To\" x-y)]<0.100> BODYSTRUCTURE)", "(BODYSTRUCTURE BODY.PEEK[1.2.HEADER.FIELDS (From To x-y)]<0.100>)"},
		{"(body[header.fields.not (Subject)] BODY[3.MIME] BODY[TEXT]<5.10> BODY[2])", "(BODY[HEADER.FIELDS.NOT (Subject)] BODY[3.MIME] BODY[TEXT]<5.10> BODY[2])"},
		{"(BINARY[1] BINARY.PEEK[]<0.10> BINARY.SIZE[2.1])", "(BINARY[1] BINARY.PEEK[]<0.10> BINARY.SIZE[2.1])"},
		{"(RFC822 RFC822.HEADER RFC822.TEXT RFC822.SIZE)", "(RFC822.SIZE RFC822 RFC822.HEADER RFC822.TEXT)"},
		{"(MODSEQ UID) (CHANGEDSINCE 12345 VANISHED)", "(UID MODSEQ) (CHANGEDSINCE 12345 VANISHED)"},
		{"BODY", "(BODY)"},
		{"(ENVELOPE PREVIEW (LAZY) SAVEDATE EMAILID THREADID)", "(ENVELOPE PREVIEW (LAZY) SAVEDATE EMAILID THREADID)"},
		{"(preview (lazy) UID)", "(UID PREVIEW (LAZY))"},
		{"PREVIEW (LAZY)", "(PREVIEW (LAZY))"},
		{"(PREVIEW)", "(PREVIEW)"},
		{"(PREVIEW UID)", "(UID PREVIEW)"},
	}
	for _, tc := range cases {
		d := newDec(tc.in+"\r\n", Limits{})
		o, err := ReadFetchItems(d)
		if err == nil {
			err = ReadFetchModifiers(d, o)
		}
		if err == nil {
			err = d.CRLF()
		}
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		got := encodeString(func(e *Encoder) { WriteFetchItems(e, o) })
		if got != tc.out {
			t.Errorf("%q → %q, want %q", tc.in, got, tc.out)
		}
	}
}

func TestFetchResponseNames(t *testing.T) {
	d := newDec("(BODY.PEEK[1.HEADER.FIELDS (From)]<10.20> RFC822.HEADER BINARY[2]<0.5>)\r\n", Limits{})
	o, err := ReadFetchItems(d)
	must(t, err)
	if got := string(o.BodySection[0].ResponseName(nil)); got != "BODY[1.HEADER.FIELDS (From)]<10>" {
		t.Errorf("name %q", got)
	}
	if got := string(o.BodySection[1].ResponseName(nil)); got != "RFC822.HEADER" || !o.BodySection[1].Peek {
		t.Errorf("name %q", got)
	}
	if got := string(o.BinarySection[0].ResponseName(nil, false)); got != "BINARY[2]<0>" {
		t.Errorf("name %q", got)
	}
	_ = imap.FetchOptions{}
}

func TestReadFetchErrors(t *testing.T) {
	for _, in := range []string{"", "FOO", "BODY[", "BODY[0]", "BODY[1.]", "BODY[MIME]", "BODY[HEADER.FIELDS]", "BODY[HEADER.FIELDS ()]",
		"BODY[]<1>", "BODY[]<1.0>",
		"PREVIEW ()", "PREVIEW (EAGER)", "(PREVIEW (LAZY)", "(PREVIEW (LAZY) (LAZY))", "PREVIEW(LAZY)", "BINARY[TEXT]", "(UID", "(UID  FLAGS)", "BODY[X]", "ALLX", "BODY[HEADER.FIELDS (a:b)]"} {
		d := newDec(in+"\r\n", Limits{})
		_, err := ReadFetchItems(d)
		if err == nil {
			err = d.CRLF()
		}
		if err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

func BenchmarkReadFetchItems(b *testing.B) {
	in := "(UID FLAGS ENVELOPE BODYSTRUCTURE BODY.PEEK[HEADER.FIELDS (From To Subject Date)])\r\n"
	r := strings.NewReader(in)
	br := bufio.NewReader(r)
	d := NewDecoder(br, Limits{})
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(in)
		br.Reset(r)
		d.BeginCommand()
		if _, err := ReadFetchItems(d); err != nil {
			b.Fatal(err)
		}
	}
}

// PREVIEW (LAZY) (RFC 8970 §3.1) sets both Preview and PreviewLazy;
// PreviewLazy alone is enough to write the item with its modifier.
func TestFetchPreviewLazy(t *testing.T) {
	for in, lazy := range map[string]bool{
		"PREVIEW":                false,
		"(PREVIEW FLAGS)":        false,
		"PREVIEW (LAZY)":         true,
		"(Preview (Lazy) FLAGS)": true,
		"(FLAGS PREVIEW (LAZY))": true,
		"(PREVIEW (LAZY LAZY))":  true,
	} {
		d := newDec(in+"\r\n", Limits{})
		o, err := ReadFetchItems(d)
		if err == nil {
			err = d.CRLF()
		}
		if err != nil || !o.Preview || o.PreviewLazy != lazy {
			t.Errorf("%q: %+v, %v; want Preview, PreviewLazy %v", in, o, err, lazy)
		}
	}
	got := encodeString(func(e *Encoder) { WriteFetchItems(e, &imap.FetchOptions{PreviewLazy: true}) })
	if got != "(PREVIEW (LAZY))" {
		t.Errorf("PreviewLazy alone: %q", got)
	}
}
