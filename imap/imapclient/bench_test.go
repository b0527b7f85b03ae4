package imapclient

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"testing"

	"github.com/mailwire/mailwire/imap"
)

// cannedServer answers every command line with the same untagged data and
// a tagged OK, as fast as it can.
func cannedServer(b *testing.B, data []byte) *Client {
	cconn, sconn := net.Pipe()
	go func() {
		defer sconn.Close()
		w := bufio.NewWriterSize(sconn, 64<<10)
		w.WriteString("* OK [CAPABILITY IMAP4rev2] ready\r\n")
		w.Flush()
		r := bufio.NewReader(sconn)
		for {
			line, err := r.ReadSlice('\n')
			if err != nil {
				return
			}
			tag := line[:bytes.IndexByte(line, ' ')]
			w.Write(data)
			w.Write(tag)
			w.WriteString(" OK done\r\n")
			w.Flush()
		}
	}()
	c, err := New(cconn, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c
}

// BenchmarkFetchUIDFlags decodes FETCH 1:* (UID FLAGS) of 1000 messages.
func BenchmarkFetchUIDFlags(b *testing.B) {
	var data bytes.Buffer
	for i := 1; i <= 1000; i++ {
		fmt.Fprintf(&data, "* %d FETCH (UID %d FLAGS (\\Seen $Label1))\r\n", i, i+100)
	}
	c := cannedServer(b, data.Bytes())
	b.SetBytes(int64(data.Len()))
	b.ReportAllocs()
	for b.Loop() {
		msgs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true}, nil).Wait()
		if err != nil || len(msgs) != 1000 {
			b.Fatal(err, len(msgs))
		}
	}
}

// BenchmarkFetchEnvelopeBodyStructure decodes ENVELOPE and BODYSTRUCTURE
// of 1000 messages.
func BenchmarkFetchEnvelopeBodyStructure(b *testing.B) {
	var data bytes.Buffer
	for i := 1; i <= 1000; i++ {
		fmt.Fprintf(&data, `* %d FETCH (UID %d ENVELOPE ("Mon, 1 Jan 2024 10:00:00 +0000" "Quarterly report" (("Alice Example" NIL "alice" "example.com")) (("Alice Example" NIL "alice" "example.com")) (("Alice Example" NIL "alice" "example.com")) (("Bob" NIL "bob" "example.org")) NIL NIL NIL "<abc%d@example.com>") BODYSTRUCTURE (("TEXT" "PLAIN" ("CHARSET" "utf-8") NIL NIL "QUOTED-PRINTABLE" 2100 26 NIL NIL NIL NIL)("TEXT" "HTML" ("CHARSET" "utf-8") NIL NIL "QUOTED-PRINTABLE" 1720 21 NIL NIL NIL NIL) "ALTERNATIVE" ("BOUNDARY" "=_b1") NIL NIL NIL))`+"\r\n", i, i, i)
	}
	c := cannedServer(b, data.Bytes())
	b.SetBytes(int64(data.Len()))
	b.ReportAllocs()
	for b.Loop() {
		msgs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Envelope: true, BodyStructure: &imap.FetchItemBodyStructure{Extended: true}}, nil).Wait()
		if err != nil || len(msgs) != 1000 {
			b.Fatal(err, len(msgs))
		}
	}
}
