package imap_test

import (
	"fmt"

	"github.com/mailwire/mailwire/imap"
)

// Convert a text part to UTF-8 by the charset parameter of its
// Content-Type.
func ExampleCharsetDecoder() {
	body := []byte("Gr\xfc\xdfe aus K\xf6ln")
	d := imap.CharsetDecoder("ISO-8859-1")
	if d == nil {
		fmt.Println("unknown charset")
		return
	}
	text, err := d.Bytes(body)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(text))
	fmt.Println(imap.CharsetDecoder("x-no-such-charset") == nil)
	// Output:
	// Grüße aus Köln
	// true
}
