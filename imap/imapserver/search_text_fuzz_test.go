package imapserver

import (
	"bytes"
	"io"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

// FuzzSearchDecode feeds arbitrary MIME headers and bodies to SEARCH's
// decoders: nothing panics, the streaming quoted-printable reader decodes
// exactly what the in-memory decoder does whatever the chunking, and a
// matcher finds its needle in text that contains it.
func FuzzSearchDecode(f *testing.F) {
	f.Add([]byte("Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"), []byte("caf=E9 =\r\nsoft=3D=\r\n"), "Café")
	f.Add([]byte("content-type: multipart/mixed;\r\n boundary=b\r\n\r\n"), []byte("aGVsbG8gd29y\r\nbGQ=\r\n"), "hello")
	f.Add([]byte("Subject: =?UTF-8?B?R3LDvMOfZQ==?=\r\n\r\n"), []byte("=\r"), "grüße")
	f.Add([]byte("Content-Transfer-Encoding: base64\r\n\r\n"), []byte("*!=junk\x00\xff"), "ẞ")
	f.Fuzz(func(t *testing.T, hdr, body []byte, needle string) {
		info := scanMIMEHeader(hdr)
		_ = charsetParam(hdr)
		var tmp []byte
		_ = decodeBase64Lenient(nil, &tmp, body)
		want := decodeQP(nil, body)
		for _, chunked := range []io.Reader{
			bytes.NewReader(body),
			iotest.OneByteReader(bytes.NewReader(body)),
			iotest.HalfReader(bytes.NewReader(body)),
		} {
			got, err := io.ReadAll(&qpReader{r: chunked, in: make([]byte, 0, 8)})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("qpReader = %q, decodeQP = %q", got, want)
			}
		}
		for f := range bytes.Lines(hdr) {
			_, _ = nextField(f)
		}
		e := &searchEval{}
		if info.charset != "" {
			_ = e.toUTF8(body, info.charset)
		}
		if needle == "" || !utf8.ValidString(needle) {
			return
		}
		var m textMatcher
		m.set(needle)
		text := append(append(append([]byte(nil), body...), needle...), hdr...)
		if !m.in(text) {
			t.Fatalf("matcher for %q does not find it in %q", needle, text)
		}
		if !readerContainsFold(iotest.OneByteReader(bytes.NewReader(text)), &m) {
			t.Fatalf("streamed matcher for %q does not find it in %q", needle, text)
		}
	})
}
