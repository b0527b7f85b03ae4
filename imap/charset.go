package imap

import (
	"io"
	"mime"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
)

// CharsetDecoder returns a new decoder from the MIME charset name
// (RFC 2046 §4.1.2) to UTF-8, or nil when golang.org/x/text knows no
// such charset. Names are matched without regard to case or surrounding
// spaces, first against the IANA registry's MIME names and aliases, then
// against the WHATWG Encoding Standard's labels for names IANA lacks (for
// example "x-sjis", "x-cp1250", and "ascii", which browsers read as
// windows-1252).
//
// A decoder keeps state between calls: use one per goroutine and text.
// Decode bytes with its Bytes or String method, or wrap a stream with its
// Reader method; bytes that are invalid in the charset become U+FFFD.
func CharsetDecoder(name string) *encoding.Decoder {
	if e := charsetEncoding(name); e != nil {
		return e.NewDecoder()
	}
	return nil
}

// charsetEncoding finds the encoding of a MIME charset name.
func charsetEncoding(name string) encoding.Encoding {
	name = strings.ToLower(strings.TrimSpace(name))
	if e, err := ianaindex.MIME.Encoding(name); err == nil && e != nil {
		return e
	}
	if e, err := htmlindex.Get(name); err == nil && e != nil {
		return e
	}
	return nil
}

func charsetDecoder(name string) func(string) (string, error) {
	d := CharsetDecoder(name)
	if d == nil {
		return nil
	}
	return d.String
}

var wordDecoder = &mime.WordDecoder{
	CharsetReader: func(charset string, input io.Reader) (io.Reader, error) {
		e := charsetEncoding(charset)
		if e == nil {
			return nil, errUnknownCharset
		}
		return e.NewDecoder().Reader(input), nil
	},
}

type charsetError string

func (e charsetError) Error() string { return string(e) }

const errUnknownCharset = charsetError("imap: unknown charset")

// DecodeHeader decodes RFC 2047 encoded words in a raw header value for
// display, converting every charset that golang.org/x/text knows to UTF-8.
// Words it cannot decode are left as they are. ENVELOPE keeps raw values;
// use this for SEARCH matching and for showing names to people.
func DecodeHeader(s string) string {
	if !strings.Contains(s, "=?") {
		return s
	}
	out, err := wordDecoder.DecodeHeader(s)
	if err != nil {
		return s
	}
	return out
}
