package imapserver

import (
	"encoding/base64"
	"strings"
	"testing"
	"unicode/utf8"
)

func previewMsgs() []string {
	latin1 := base64.StdEncoding.EncodeToString([]byte("Gr\xfc\xdfe aus\r\n\r\n   K\xf6ln!\r\n"))
	long := strings.Repeat("word ", 100)
	return []string{
		// 1: plain
		simpleMsg,
		// 2: alternative, base64 ISO-8859-1 plain first
		"Subject: a\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\n" +
			"Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: base64\r\n\r\n" + latin1 + "\r\n--b\r\n" +
			"Content-Type: text/html\r\n\r\n<p>html</p>\r\n--b--\r\n",
		// 3: html only, quoted-printable, with head/style/script/comment
		"Subject: h\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
			"<html><head><title>T</title><style>p {color:red}</style></head><body><!-- c --><script>x=1</script>=\r\n" +
			"<p>Caf=C3=A9 &amp; <b>cr=C3=A8me</b></p><p>br=C3=BBl=C3=A9e</p></body></html>\r\n",
		// 4: long plain text
		"Subject: l\r\n\r\n" + long + "\r\n",
		// 5: only an attachment
		"Subject: x\r\nContent-Type: multipart/mixed; boundary=z\r\n\r\n--z\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0K\r\n--z--\r\n",
		// 6: text/plain attachment, then html body
		"Subject: y\r\nContent-Type: multipart/mixed; boundary=z\r\n\r\n--z\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=a.txt\r\n\r\nattached\r\n--z\r\n" +
			"Content-Type: text/html\r\n\r\n<div>Body\r\n text</div>\r\n--z--\r\n",
		// 7: message/rfc822 only: not main body
		"Subject: f\r\nContent-Type: multipart/mixed; boundary=z\r\n\r\n--z\r\nContent-Type: message/rfc822\r\n\r\nSubject: inner\r\n\r\ninner text\r\n--z--\r\n",
	}
}

// TestPreview replays RFC 8970 §5's use of FETCH PREVIEW and PREVIEW
// (LAZY) over plain, alternative/base64/latin-1, HTML/QP, long, attachment
// only and forwarded messages.
func TestPreview(t *testing.T) {
	ts := startServer(t, nil)
	for _, m := range previewMsgs() {
		ts.b.appendMsg("INBOX", m)
	}
	c := ts.dial(t).login()
	mustContain(t, c.mustOK("a1 CAPABILITY"), " PREVIEW")
	c.selectBox("INBOX")
	long := strings.TrimSpace(strings.Repeat("word ", 52))[:256]
	runLineSteps(t, c, []lineStep{
		{"a2 FETCH 1 (RFC822.SIZE PREVIEW)", "OK", []string{`* 1 FETCH (RFC822.SIZE 166 PREVIEW "Hello Bob, how are you?")`}, nil},
		{"a3 FETCH 2 (PREVIEW (LAZY))", "OK", []string{"* 2 FETCH (PREVIEW {18}\nGrüße aus Köln!)"}, nil},
		{"a4 UID FETCH 3 (PREVIEW)", "OK", []string{"* 3 FETCH (UID 3 PREVIEW {23}\nCafé & crème brûlée)"}, nil},
		{"a5 FETCH 4 PREVIEW", "OK", []string{`* 4 FETCH (PREVIEW "` + long + `")`}, nil},
		{"a6 FETCH 5:7 (PREVIEW (LAZY) FLAGS)", "OK", []string{
			`* 5 FETCH (FLAGS () PREVIEW "")`, `* 6 FETCH (FLAGS () PREVIEW "Body text")`, `* 7 FETCH (FLAGS () PREVIEW "")`}, nil},
		{"a7 FETCH 1 (PREVIEW (LAZY LAZY))", "OK", nil, nil},
		{"a8 FETCH 1 (PREVIEW (FUZZY))", "BAD", nil, nil},
		{"a9 FETCH 1 (PREVIEW (LAZY)", "BAD", nil, nil},
		{"a10 FETCH 1 PREVIEW ()", "BAD", nil, nil},
		{"a11 FETCH 1 (PREVIEW)", "OK", nil, []string{`\Seen`}}, // PREVIEW never sets \Seen
	})
	if n := utf8.RuneCountInString(long); n != 256 {
		t.Fatalf("test preview is %d chars", n)
	}
}

func TestCollapsePreview(t *testing.T) {
	for in, want := range map[string]string{
		"  a \t\r\n b  ":                "a b",
		"":                              "",
		strings.Repeat("é", 300):        strings.Repeat("é", 256),
		strings.Repeat("x ", 200):       strings.TrimSpace(strings.Repeat("x ", 128)),
		"a\x00b":                        "a b",
		strings.Repeat("y", 255) + " z": strings.Repeat("y", 255),
	} {
		if got := collapsePreview(in); got != want {
			t.Errorf("collapsePreview(%.20q) = %.40q, want %.40q", in, got, want)
		}
	}
}

func BenchmarkPreview(b *testing.B) {
	msgs := previewMsgs()
	mb := newMemBackend()
	for _, m := range msgs {
		mb.appendMsg("INBOX", m)
	}
	c := &conn{}
	box := mb.boxes["INBOX"]
	b.ReportAllocs()
	for b.Loop() {
		for _, m := range box.msgs {
			c.preview(&memMessage{m: *m})
		}
	}
}

// FuzzPreview: any message gives a valid UTF-8 preview of at most 256
// characters without white-space runs, and never panics.
func FuzzPreview(f *testing.F) {
	for _, m := range previewMsgs() {
		f.Add(m)
	}
	f.Add("Content-Type: text/html\r\n\r\n<scr<script>ipt>&#x1F600;<!--")
	f.Fuzz(func(t *testing.T, msg string) {
		mb := newMemBackend()
		mb.appendMsg("INBOX", msg)
		m := mb.boxes["INBOX"].msgs[0]
		s, ok := (&conn{}).preview(&memMessage{m: *m})
		if !ok {
			return
		}
		if !utf8.ValidString(s) || utf8.RuneCountInString(s) > 256 || strings.Contains(s, "  ") || strings.TrimSpace(s) != s {
			t.Fatalf("bad preview %q", s)
		}
	})
}
