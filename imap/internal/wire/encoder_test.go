package wire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/mailwire/mailwire/imap"
)

func TestEncoderStrings(t *testing.T) {
	got := encodeString(func(e *Encoder) {
		e.AString("INBOX").SP().AString("a b").SP().AString(`q"\`).SP().AString("").SP().
			String("atom").SP().NString("").SP().AString("line\r\nbreak").SP().AString("é")
	})
	want := `INBOX "a b" "q\"\\" "" "atom" NIL {11}` + "\r\nline\r\nbreak {2}\r\né"
	if got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	got = encodeString(func(e *Encoder) { e.UTF8 = true; e.AString("é").SP().AString("\xff") })
	if got != "\"é\" {1}\r\n\xff" {
		t.Errorf("UTF8 got %q", got)
	}
}

func TestEncoderMailbox(t *testing.T) {
	got := encodeString(func(e *Encoder) { e.Mailbox("inbox").SP().Mailbox("Entwürfe").SP().Mailbox("a b") })
	if got != `INBOX Entw&APw-rfe "a b"` {
		t.Errorf("got %q", got)
	}
	got = encodeString(func(e *Encoder) { e.UTF8 = true; e.Mailbox("Entwürfe") })
	if got != `"Entwürfe"` {
		t.Errorf("got %q", got)
	}
}

func TestEncoderNumbersAndSets(t *testing.T) {
	s, _ := imap.ParseSeqSet("1:3,5,7:*")
	got := encodeString(func(e *Encoder) {
		e.Number(42).SP().Number64(1 << 40).SP().NumSet(s).SP().NumSet(imap.SearchRes()).SP().
			Flags([]imap.Flag{imap.FlagSeen, "$Junk"})
	})
	if got != `42 1099511627776 1:3,5,7:* $ (\Seen $Junk)` {
		t.Errorf("got %q", got)
	}
}

func TestEncoderSyncLiteralWaits(t *testing.T) {
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	e := NewEncoder(w)
	waited := 0
	e.WaitContinuation = func() error {
		waited++
		if !strings.HasSuffix(buf.String(), "}\r\n") {
			t.Errorf("header not flushed before wait: %q", buf.String())
		}
		return nil
	}
	e.Literal("hello")
	e.NonSyncLiterals = true
	e.Literal("world")
	e.MaxNonSync = 3
	e.Literal("abcd")
	w.Flush()
	if waited != 2 || buf.String() != "{5}\r\nhello{5+}\r\nworld{4}\r\nabcd" {
		t.Errorf("waited %d, wrote %q", waited, buf.String())
	}
	e.WaitContinuation = func() error { return errors.New("NO") }
	if err := e.LiteralFrom(strings.NewReader("xyzw"), 4, false); err == nil {
		t.Error("refused literal not reported")
	}
}

func TestLiteralFromShortReader(t *testing.T) {
	var buf bytes.Buffer
	e := NewEncoder(bufio.NewWriter(&buf))
	if err := e.LiteralFrom(strings.NewReader("abc"), 10, true); err != io.ErrUnexpectedEOF {
		t.Errorf("err = %v", err)
	}
}

func TestEnvelopeBodyStructureRoundTrip(t *testing.T) {
	env := &imap.Envelope{
		Date: "Wed, 17 Jul 1996 02:23:25 -0700 (PDT)", Subject: "IMAP4rev1 WG mtg summary and minutes",
		From:      []imap.Address{{Name: "Terry Gray", Mailbox: "gray", Host: "cac.washington.edu"}},
		Sender:    []imap.Address{{Name: "Terry Gray", Mailbox: "gray", Host: "cac.washington.edu"}},
		ReplyTo:   []imap.Address{{Name: "Terry Gray", Mailbox: "gray", Host: "cac.washington.edu"}},
		To:        []imap.Address{{Mailbox: "imap", Host: "cac.washington.edu"}},
		Cc:        []imap.Address{{Mailbox: "minutes", Host: "CNRI.Reston.VA.US"}, {Name: "John Klensin", Mailbox: "KLENSIN", Host: "MIT.EDU"}},
		MessageID: "<B27397-0100000@cac.washington.edu>",
	}
	got := encodeString(func(e *Encoder) { WriteEnvelope(e, env) })
	// RFC 9051 §7.5.2 example (the RFC wraps the line).
	want := `("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev1 WG mtg summary and minutes" (("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) ((NIL NIL "imap" "cac.washington.edu")) ((NIL NIL "minutes" "CNRI.Reston.VA.US")("John Klensin" NIL "KLENSIN" "MIT.EDU")) NIL NIL "<B27397-0100000@cac.washington.edu>")`
	if got != want {
		t.Errorf("envelope\n got %s\nwant %s", got, want)
	}
	d := newDec(got, Limits{})
	env2, err := ReadEnvelope(d)
	must(t, err)
	if again := encodeString(func(e *Encoder) { WriteEnvelope(e, env2) }); again != got {
		t.Errorf("envelope round trip\n%s\n%s", again, got)
	}

	bs := &imap.BodyStructure{Type: "multipart", Subtype: "mixed", Params: []imap.Param{{Name: "boundary", Value: "x"}},
		Children: []*imap.BodyStructure{
			{Type: "text", Subtype: "plain", Params: []imap.Param{{Name: "charset", Value: "US-ASCII"}}, Encoding: "7BIT", Size: 3028, Lines: 92},
			{Type: "message", Subtype: "rfc822", Encoding: "7BIT", Size: 500, Lines: 10, Envelope: env,
				Message: &imap.BodyStructure{Type: "image", Subtype: "gif", Encoding: "BASE64", Size: 100, MD5: "abc",
					Disposition: "attachment", DispositionParams: []imap.Param{{Name: "filename", Value: "a.gif"}}, Language: []string{"en", "de"}, Location: "http://x"}},
		}}
	got = encodeString(func(e *Encoder) { WriteBodyStructure(e, bs, false) })
	want = `(("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3028 92)("MESSAGE" "RFC822" NIL NIL NIL "7BIT" 500 ` +
		strings.TrimSpace(encodeString(func(e *Encoder) { WriteEnvelope(e, env) })) + ` ("IMAGE" "GIF" NIL NIL NIL "BASE64" 100) 10) "MIXED")`
	if got != want {
		t.Errorf("BODY\n got %s\nwant %s", got, want)
	}
	got = encodeString(func(e *Encoder) { WriteBodyStructure(e, bs, true) })
	d = newDec(got, Limits{})
	bs2, err := ReadBodyStructure(d)
	must(t, err)
	if again := encodeString(func(e *Encoder) { WriteBodyStructure(e, bs2, true) }); again != got {
		t.Errorf("BODYSTRUCTURE round trip\n%s\n%s", again, got)
	}
	if !strings.Contains(got, `"GIF" NIL NIL NIL "BASE64" 100 "abc" ("attachment" ("filename" "a.gif")) ("en" "de") "http://x")`) ||
		!strings.HasSuffix(got, `"MIXED" ("BOUNDARY" "x") NIL NIL NIL)`) {
		t.Errorf("BODYSTRUCTURE extension data: %s", got)
	}
}

func BenchmarkWriteEnvelopeBodyStructure(b *testing.B) {
	env := &imap.Envelope{Date: "Wed, 17 Jul 1996 02:23:25 -0700", Subject: "hello there",
		From: []imap.Address{{Name: "Terry Gray", Mailbox: "gray", Host: "cac.washington.edu"}},
		To:   []imap.Address{{Mailbox: "imap", Host: "cac.washington.edu"}}, MessageID: "<x@y>"}
	env.Sender, env.ReplyTo = env.From, env.From
	bs := &imap.BodyStructure{Type: "multipart", Subtype: "alternative", Params: []imap.Param{{Name: "boundary", Value: "b1"}},
		Children: []*imap.BodyStructure{
			{Type: "text", Subtype: "plain", Params: []imap.Param{{Name: "charset", Value: "utf-8"}}, Encoding: "QUOTED-PRINTABLE", Size: 1000, Lines: 20},
			{Type: "text", Subtype: "html", Params: []imap.Param{{Name: "charset", Value: "utf-8"}}, Encoding: "QUOTED-PRINTABLE", Size: 3000, Lines: 60},
		}}
	w := bufio.NewWriter(io.Discard)
	e := NewEncoder(w)
	b.ReportAllocs()
	for b.Loop() {
		WriteEnvelope(e, env)
		e.SP()
		WriteBodyStructure(e, bs, true)
	}
}
