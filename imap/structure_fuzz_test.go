package imap_test

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailwire/mailwire/imap"
	"github.com/mailwire/mailwire/imap/internal/wire"
)

func FuzzParseStructure(f *testing.F) {
	files, _ := filepath.Glob("testdata/structure/*.eml")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil && len(b) < 4096 {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		s, err := imap.ParseStructure(bytes.NewReader(msg), &imap.ParseOptions{MaxDepth: 8, MaxParts: 50, MaxHeaderSize: 1024})
		if err != nil {
			t.Fatal(err)
		}
		checkInvariants(t, s, msg)
		blob, err := s.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var s2 imap.Structure
		if err := s2.UnmarshalBinary(blob); err != nil {
			t.Fatalf("own blob rejected: %v", err)
		}
		got := renderStructure(s)
		if renderStructure(&s2) != got {
			t.Fatal("binary round trip differs")
		}
		// The rendering must parse back as IMAP.
		d := wire.NewDecoder(bufio.NewReader(bytes.NewReader([]byte(bodyLine(s)))), wire.Limits{MaxCommand: 1 << 24, MaxLiteral: 1 << 24, MaxDepth: 64})
		if _, err := wire.ReadBodyStructure(d); err != nil {
			t.Fatalf("BODYSTRUCTURE does not parse: %v\n%s", err, bodyLine(s))
		}
		// Every part's sections are readable.
		s.Body.Walk(func(path []int, b *imap.BodyStructure) bool {
			for _, spec := range []imap.PartSpecifier{"", imap.PartSpecifierMIME} {
				if len(path) == 0 && spec == imap.PartSpecifierMIME {
					continue
				}
				r, n, err := s.Section(bytes.NewReader(msg), &imap.FetchItemBodySection{Part: path, Specifier: spec})
				if err != nil {
					continue
				}
				if m, _ := io.Copy(io.Discard, r); m != n {
					t.Fatalf("section %v %s: %d octets, announced %d", path, spec, m, n)
				}
			}
			return true
		})
	})
}

func bodyLine(s *imap.Structure) string {
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	wire.WriteBodyStructure(wire.NewEncoder(w), s.Body, true)
	w.Flush()
	return buf.String()
}

func FuzzUnmarshalStructure(f *testing.F) {
	for _, name := range []string{"06-nested", "07-message-rfc822", "11-rfc2231"} {
		msg, _ := os.ReadFile("testdata/structure/" + name + ".eml")
		s, _ := imap.ParseStructure(bytes.NewReader(msg), nil)
		blob, _ := s.MarshalBinary()
		f.Add(blob)
	}
	f.Fuzz(func(t *testing.T, blob []byte) {
		var s imap.Structure
		if s.UnmarshalBinary(blob) == nil {
			renderStructure(&s)
		}
	})
}

func FuzzParseAddressList(f *testing.F) {
	for _, s := range []string{
		`A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;`,
		`"Gray, Terry" <gray@cac>`, `Pete(A nice \) chap) <pete(his account)@silly.test(his host)>`,
		`<@a,@b:u@h>`, `undisclosed-recipients:;`, `a@[1.2.3.4]`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, a := range imap.ParseAddressList(s) {
			_ = a.Addr()
		}
	})
}

// realistic builds a ~4 KiB multipart/alternative message like the
// benchmark mailbox's.
func realistic() []byte {
	var b bytes.Buffer
	b.WriteString("Return-Path: <alice@example.com>\r\nReceived: from mx.example.com by mail.example.org; Mon, 1 Jan 2024 10:00:00 +0000\r\n" +
		"Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nFrom: \"Alice Example\" <alice@example.com>\r\nTo: Bob <bob@example.org>, carol@example.net\r\n" +
		"Subject: =?UTF-8?Q?Quarterly_report_=E2=80=94_draft?=\r\nMessage-ID: <abc123@example.com>\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/alternative; boundary=\"=_b1\"\r\n\r\n--=_b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	for i := 0; i < 25; i++ {
		b.WriteString("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\r\n")
	}
	b.WriteString("\r\n--=_b1\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	for i := 0; i < 20; i++ {
		b.WriteString("<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod.</p>\r\n")
	}
	b.WriteString("\r\n--=_b1--\r\n")
	return b.Bytes()
}

func BenchmarkParseStructure(b *testing.B) {
	msg := realistic()
	r := bytes.NewReader(msg)
	br := bufio.NewReaderSize(r, 16<<10)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(msg)
		br.Reset(r)
		if _, err := imap.ParseStructure(br, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeEnvelopeBodyStructure measures what FETCH (ENVELOPE
// BODYSTRUCTURE) costs per message with a cached structure: decode the
// blob and write both items.
func BenchmarkEncodeEnvelopeBodyStructure(b *testing.B) {
	s, _ := imap.ParseStructure(bytes.NewReader(realistic()), nil)
	blob, _ := s.MarshalBinary()
	w := bufio.NewWriter(io.Discard)
	e := wire.NewEncoder(w)
	b.ReportAllocs()
	for b.Loop() {
		var s2 imap.Structure
		if err := s2.UnmarshalBinary(blob); err != nil {
			b.Fatal(err)
		}
		wire.WriteEnvelope(e, s2.Envelope)
		e.SP()
		wire.WriteBodyStructure(e, s2.Body, true)
	}
}
