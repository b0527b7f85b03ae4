package imapserver

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
)

// lit is a LITERAL+ argument (RFC 7888) carrying s, for UTF-8 search
// strings.
func lit(s string) string { return fmt.Sprintf("{%d+}\r\n%s", len(s), s) }

// wrap76 breaks base64 text into 76-character lines (RFC 2045 §6.8).
func wrap76(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\r\n")
		s = s[76:]
	}
	b.WriteString(s + "\r\n")
	return b.String()
}

// SEARCH BODY and TEXT match the decoded text of base64, quoted-printable
// and ISO-8859-1 bodies, ignoring case, and not the encoded bytes
// (RFC 9051 §6.4.4).
func TestSearchDecodedBodies(t *testing.T) {
	ts := startServer(t, nil)
	// 1: base64, UTF-8.
	ts.b.appendMsg("INBOX", "Subject: b64\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"+
		wrap76(base64.StdEncoding.EncodeToString([]byte("Grüße aus Köln! The quarterly figures are attached.")))+"\r\n")
	// 2: quoted-printable with a soft line break inside a word.
	ts.b.appendMsg("INBOX", "Subject: qp\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"+
		"Un caf=C3=A9 au lait, s'il vous pla=C3=AEt. Super=\r\ncalifragilistic.\r\n")
	// 3: ISO-8859-1, 8bit.
	ts.b.appendMsg("INBOX", "Subject: latin1\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"+
		"Cr\xe8me br\xfbl\xe9e for DESSERT\r\n")
	// 4: multipart: a QP ISO-8859-1 text part and a base64 image whose
	// encoded and decoded bytes must not match.
	img := base64.StdEncoding.EncodeToString([]byte("\x89PNG secretword in pixels"))
	ts.b.appendMsg("INBOX", "Subject: multi\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"xx\"\r\n\r\n"+
		"preamble\r\n--xx\r\nContent-Type: text/plain; charset=ISO-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"+
		"Na=EFve r=E9sum=E9 of the zebra project\r\n--xx\r\nContent-Type: image/png; name=\"diagram.png\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"+
		img+"\r\n--xx--\r\n")
	// 5: plain ASCII.
	ts.b.appendMsg("INBOX", "Subject: plain\r\n\r\nNothing encoded here, just the quarterly report.\r\n")
	c := ts.dial(t).login()
	c.selectBox("INBOX")
	runSteps(t, c, []step{
		{`a SEARCH BODY "QUARTERLY figures"`, "OK", []string{"* SEARCH 1"}, nil},
		{`b SEARCH CHARSET UTF-8 BODY ` + lit("köln"), "OK", []string{"* SEARCH 1"}, nil},
		{`c SEARCH CHARSET UTF-8 BODY ` + lit("GRÜSSE"), "OK", []string{"* SEARCH"}, []string{"* SEARCH 1"}},
		{`d SEARCH CHARSET UTF-8 TEXT ` + lit("GRÜßE AUS"), "OK", []string{"* SEARCH 1"}, nil},
		// The base64 text itself is not the message's text.
		{`e SEARCH BODY ` + base64.StdEncoding.EncodeToString([]byte("Grüße aus"))[:8], "OK", []string{"* SEARCH"}, []string{"* SEARCH 1"}},
		{`f SEARCH CHARSET UTF-8 BODY ` + lit("café au lait"), "OK", []string{"* SEARCH 2"}, nil},
		{`g SEARCH BODY supercalifragilistic`, "OK", []string{"* SEARCH 2"}, nil},
		{`h SEARCH BODY "caf=C3"`, "OK", []string{"* SEARCH"}, []string{"* SEARCH 2"}},
		{`i SEARCH CHARSET UTF-8 BODY ` + lit("CRÈME BRÛLÉE"), "OK", []string{"* SEARCH 3"}, nil},
		{`j SEARCH BODY dessert`, "OK", []string{"* SEARCH 3"}, nil},
		{`k SEARCH CHARSET UTF-8 TEXT ` + lit("naïve résumé"), "OK", []string{"* SEARCH 4"}, nil},
		{`l SEARCH BODY zebra`, "OK", []string{"* SEARCH 4"}, nil},
		{`m SEARCH BODY secretword`, "OK", []string{"* SEARCH"}, []string{"* SEARCH 4"}},
		{`n SEARCH BODY ` + img[:12], "OK", []string{"* SEARCH"}, []string{"* SEARCH 4"}},
		{`o SEARCH TEXT diagram.png`, "OK", []string{"* SEARCH 4"}, nil},
		{`p SEARCH BODY quarterly`, "OK", []string{"* SEARCH 1 5"}, nil},
		{`q SEARCH NOT BODY quarterly`, "OK", []string{"* SEARCH 2 3 4"}, nil},
		{`r SEARCH OR BODY zebra BODY dessert`, "OK", []string{"* SEARCH 3 4"}, nil},
	})
}

// Header keys and TEXT match decoded RFC 2047 encoded words
// (RFC 9051 §6.4.4), in any charset x/text knows.
func TestSearchEncodedWordHeaders(t *testing.T) {
	ts := startServer(t, nil)
	ts.b.appendMsg("INBOX", "From: =?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <jm@example.org>\r\n"+
		"Subject: =?UTF-8?B?"+base64.StdEncoding.EncodeToString([]byte("Grüße vom Team"))+"?=\r\n\r\nbody\r\n")
	ts.b.appendMsg("INBOX", "From: plain@example.org\r\nSubject: =?ISO-8859-1?Q?Caf=E9?= and\r\n =?iso-8859-1?q?cr=E8me?=\r\n\r\nbody\r\n")
	ts.b.appendMsg("INBOX", "Subject: Cafe without accents\r\n\r\nbody\r\n")
	c := ts.dial(t).login()
	c.selectBox("INBOX")
	runSteps(t, c, []step{
		{`a SEARCH CHARSET UTF-8 SUBJECT ` + lit("grüße"), "OK", []string{"* SEARCH 1"}, nil},
		{`b SEARCH SUBJECT "vom team"`, "OK", []string{"* SEARCH 1"}, nil},
		{`c SEARCH CHARSET UTF-8 FROM ` + lit("MÜLLER"), "OK", []string{"* SEARCH 1"}, nil},
		{`d SEARCH FROM jm@example.org`, "OK", []string{"* SEARCH 1"}, nil},
		{`e SEARCH CHARSET UTF-8 SUBJECT ` + lit("café and crème"), "OK", []string{"* SEARCH 2"}, nil},
		{`f SEARCH CHARSET UTF-8 HEADER Subject ` + lit("CAFÉ"), "OK", []string{"* SEARCH 2"}, nil},
		{`g SEARCH SUBJECT cafe`, "OK", []string{"* SEARCH 3"}, nil},
		{`h SEARCH CHARSET UTF-8 TEXT ` + lit("jürgen"), "OK", []string{"* SEARCH 1"}, nil},
		{`i SEARCH SUBJECT "=?ISO"`, "OK", []string{"* SEARCH 2"}, nil}, // the raw value still matches
	})
}

// A message larger than SEARCH reads into memory is streamed through its
// decoders.
func TestSearchDecodedLargeMessage(t *testing.T) {
	ts := startServer(t, nil)
	filler := strings.Repeat("lorem ipsum dolor sit amet ", 50000) // ~1.3 MiB
	text := filler + "the needle haystack word at the end"
	ts.b.appendMsg("INBOX", "Subject: big\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"+
		"--b\r\nContent-Type: text/plain\r\n\r\nsmall part\r\n"+
		"--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"+
		wrap76(base64.StdEncoding.EncodeToString([]byte(text)))+"--b--\r\n")
	ts.b.appendMsg("INBOX", "Subject: big2\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"+filler+"Caf=C3=A9 cr=\r\n=C3=A8me\r\n")
	c := ts.dial(t).login()
	c.selectBox("INBOX")
	runSteps(t, c, []step{
		{`a SEARCH BODY "NEEDLE HAYSTACK"`, "OK", []string{"* SEARCH 1"}, nil},
		{`b SEARCH BODY "small part"`, "OK", []string{"* SEARCH 1"}, nil},
		{`c SEARCH CHARSET UTF-8 BODY ` + lit("café crème"), "OK", []string{"* SEARCH 2"}, nil},
		{`d SEARCH BODY "dGhlIG5lZWRsZ"`, "OK", []string{"* SEARCH"}, []string{"* SEARCH 1"}},
	})
}

func TestDecodeQP(t *testing.T) {
	for in, want := range map[string]string{
		"caf=C3=A9":         "café",
		"soft=\r\nbreak":    "softbreak",
		"soft= \t\r\nbreak": "softbreak",
		"lf=\nonly":         "lfonly",
		"bad=ZZ":            "bad=ZZ",
		"lower=c3=a9":       "loweré",
		"trailing=":         "trailing",
		"a=3D=3Db":          "a==b",
		"keep\r\nlines\r\n": "keep\r\nlines\r\n",
		"short=4":           "short=4",
		"=":                 "",
		"x=\r":              "x",
	} {
		if got := string(decodeQP(nil, []byte(in))); got != want {
			t.Errorf("decodeQP(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDecodeBase64Lenient(t *testing.T) {
	var tmp []byte
	for in, want := range map[string]string{
		"aGVsbG8gd29ybGQ=":       "hello world",
		"aGVs\r\nbG8g\r\nd29y":   "hello wor",
		"aGVsbG8*!gd29ybGQ=junk": "hello world",
		"aGVsbG8gd29ybGQ":        "hello world",
		"aGVsbG8gd29ybGQ=aGVs":   "hello world",
		"a":                      "",
		"":                       "",
	} {
		if got := string(decodeBase64Lenient(nil, &tmp, []byte(in))); got != want {
			t.Errorf("decodeBase64Lenient(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestScanMIMEHeader(t *testing.T) {
	for _, tc := range []struct {
		hdr  string
		want mimeInfo
	}{
		{"Subject: x\r\n\r\n", mimeInfo{text: true}},
		{"content-type: TEXT/plain;\r\n charset=\"ISO-8859-1\"\r\nCONTENT-TRANSFER-ENCODING:  Quoted-Printable \r\n\r\n", mimeInfo{text: true, cte: cteQP, charset: "ISO-8859-1"}},
		{"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n", mimeInfo{text: true, cte: cteBase64}},
		{"Content-Type: multipart/alternative; boundary=b\r\n\r\n", mimeInfo{composite: true}},
		{"Content-Type: message/rfc822\r\n\r\n", mimeInfo{composite: true}},
		{"Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\nContent-Type: text/plain\r\n", mimeInfo{cte: cteBase64}},
	} {
		if got := scanMIMEHeader([]byte(tc.hdr)); got != tc.want {
			t.Errorf("scanMIMEHeader(%q) = %+v, want %+v", tc.hdr, got, tc.want)
		}
	}
}

// benchSearch measures one SEARCH command over msgs in the memory backend,
// through a real TCP connection.
func benchSearch(b *testing.B, msgs []string, cmd string) {
	mb := newMemBackend()
	for _, m := range msgs {
		mb.appendMsg("INBOX", m)
	}
	s := &Server{Backend: mb, AllowInsecureAuth: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go s.Serve(ln)
	defer s.Close()
	nc, _ := net.Dial("tcp", ln.Addr().String())
	defer nc.Close()
	br := bufio.NewReader(nc)
	readUntil := func(tag string) {
		for {
			l, err := br.ReadString('\n')
			if err != nil {
				b.Fatal(err)
			}
			if strings.HasPrefix(l, tag+" ") {
				if !strings.HasPrefix(l, tag+" OK") {
					b.Fatal(l)
				}
				return
			}
		}
	}
	br.ReadString('\n')
	fmt.Fprintf(nc, "a LOGIN user pass\r\nb SELECT INBOX\r\n")
	readUntil("b")
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		fmt.Fprintf(nc, "c %s\r\n", cmd)
		readUntil("c")
	}
}

// searchBenchMessages returns n messages of about 4 KiB; with encoded,
// every second one is base64 or quoted-printable in ISO-8859-1.
func searchBenchMessages(n int, encoded bool) []string {
	plain := string(benchMessage())
	hdr, body, _ := strings.Cut(plain, "\r\n\r\n")
	b64 := hdr + "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		wrap76(base64.StdEncoding.EncodeToString([]byte(body)))
	qp := hdr + "\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		strings.ReplaceAll(body, "e", "=E9")
	out := make([]string, n)
	for i := range out {
		switch {
		case !encoded || i%2 == 0:
			out[i] = plain
		case i%4 == 1:
			out[i] = b64
		default:
			out[i] = qp
		}
	}
	return out
}

// SEARCH TEXT over 10,000 plain ~4 KiB messages (the harness's row) and
// over a mix where half the messages are encoded.
func BenchmarkSearchText10k(b *testing.B) {
	benchSearch(b, searchBenchMessages(10000, false), "SEARCH TEXT zyzzyva")
}

func BenchmarkSearchTextEncoded10k(b *testing.B) {
	benchSearch(b, searchBenchMessages(10000, true), "SEARCH TEXT zyzzyva")
}

func BenchmarkSearchTextUTF8Encoded10k(b *testing.B) {
	benchSearch(b, searchBenchMessages(10000, true), "SEARCH CHARSET UTF-8 TEXT "+lit("zyzzyvä"))
}
