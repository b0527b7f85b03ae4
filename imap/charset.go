package imap

import (
	"io"
	"mime"
	"strings"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
)

// charsetEncoding finds a decoder for a MIME charset name.
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
	e := charsetEncoding(name)
	if e == nil {
		return nil
	}
	return e.NewDecoder().String
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
