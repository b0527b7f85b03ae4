package imap_test

import (
	"fmt"
	"io"
	"strings"

	"github.com/mailwire/mailwire/imap"
)

// Parse a message once, cache its structure, and serve FETCH sections
// from it.
func ExampleParseStructure() {
	msg := "From: Alice <alice@example.com>\r\n" +
		"Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed; boundary=b\r\n" +
		"\r\n" +
		"--b\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"\r\n" +
		"Hello!\r\n" +
		"--b\r\n" +
		"Content-Type: application/pdf; name=report.pdf\r\n" +
		"Content-Transfer-Encoding: base64\r\n" +
		"\r\n" +
		"SGVsbG8gV29ybGQh\r\n" +
		"--b--\r\n"
	s, err := imap.ParseStructure(strings.NewReader(msg), nil)
	if err != nil {
		panic(err)
	}
	fmt.Println("size:", s.Size)
	fmt.Println("subject (raw):", s.Envelope.Subject)
	fmt.Println("subject:", imap.DecodeHeader(s.Envelope.Subject))
	s.Body.Walk(func(path []int, b *imap.BodyStructure) bool {
		fmt.Printf("part %v: %s/%s, %d octets", path, b.Type, b.Subtype, b.Size)
		if name := b.Filename(); name != "" {
			fmt.Print(", ", name)
		}
		fmt.Println()
		return true
	})

	// The binary form goes into the store's cache.
	blob, _ := s.MarshalBinary()
	var cached imap.Structure
	cached.UnmarshalBinary(blob)

	// BODY[1] and BINARY[2], byte-exact from the stored message.
	r, _, _ := cached.Section(strings.NewReader(msg), &imap.FetchItemBodySection{Part: []int{1}})
	body, _ := io.ReadAll(r)
	fmt.Printf("BODY[1]: %q\n", body)
	r, n, _ := cached.BinarySection(strings.NewReader(msg), &imap.FetchItemBinarySection{Part: []int{2}})
	bin, _ := io.ReadAll(r)
	fmt.Printf("BINARY[2]: %q (%d octets)\n", bin, n)
	// Output:
	// size: 306
	// subject (raw): =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=
	// subject: Grüße
	// part []: multipart/mixed, 171 octets
	// part [1]: text/plain, 6 octets
	// part [2]: application/pdf, 16 octets, report.pdf
	// BODY[1]: "Hello!"
	// BINARY[2]: "Hello World!" (12 octets)
}

func ExampleParseSeqSet() {
	s, _ := imap.ParseSeqSet("1:3,7,10:*")
	fmt.Println(s.Contains(2), s.Contains(5), s.Contains(99))
	resolved := s.Resolve(12) // "*" is the last message, 12
	var nums []uint32
	for n := range resolved.All() {
		nums = append(nums, n)
	}
	fmt.Println(nums)
	fmt.Println(resolved)
	// Output:
	// true false true
	// [1 2 3 7 10 11 12]
	// 1:3,7,10:12
}
