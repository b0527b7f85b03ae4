package imap

import (
	"io"
	"strings"
	"testing"
)

func TestCharsetDecoder(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"ISO-8859-1", "caf\xe9", "café"},
		{" Latin1 ", "caf\xe9", "café"}, // IANA alias, case and spaces ignored
		{"windows-1252", "\x80 5", "€ 5"},
		{"x-cp1250", "\x8a", "Š"}, // WHATWG label only
		{"ascii", "\x80", "€"},    // WHATWG: windows-1252
		{"koi8-r", "\xf0\xd2\xc9", "При"},
		{"Shift_JIS", "\x93\xfa\x96\x7b", "日本"},
		{"utf-8", "ok \xff", "ok \uFFFD"},          // invalid bytes become U+FFFD
		{"iso-2022-jp", "\x1b$BF|K\\\x1b(B", "日本"}, // stateful
	}
	for _, tt := range tests {
		d := CharsetDecoder(tt.name)
		if d == nil {
			t.Errorf("%q: no decoder", tt.name)
			continue
		}
		got, err := d.String(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("%q: got %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
	for _, name := range []string{"", "x-unknown", "utf-9", "iso-8859-1\x00"} {
		if d := CharsetDecoder(name); d != nil {
			t.Errorf("%q: got a decoder for an unknown charset", name)
		}
	}
}

// Each call returns a fresh decoder: a stateful charset's shift state does
// not leak from one text into the next, and a stream decodes too.
func TestCharsetDecoderFresh(t *testing.T) {
	a := CharsetDecoder("iso-2022-jp")
	b := CharsetDecoder("iso-2022-jp")
	if a == b {
		t.Fatal("same decoder twice")
	}
	r := CharsetDecoder("iso-8859-2").Reader(strings.NewReader("\xb1\xe6"))
	out, err := io.ReadAll(r)
	if err != nil || string(out) != "ąć" {
		t.Fatalf("reader: %q, %v", out, err)
	}
}
