package compress

import (
	"bufio"
	"io"
	"strings"
	"testing"
)

// BenchmarkFetchLines measures a server writing typical FETCH responses,
// one flush per 4 KiB buffer, and the client reading them back.
func BenchmarkFetchLines(b *testing.B) {
	za, zb := compressedPair(b)
	line := "* 12345 FETCH (UID 67890 FLAGS (\\Seen) RFC822.SIZE 4321 ENVELOPE (\"Thu, 26 Nov 2026 01:00:00 +0000\" \"Meeting notes\" ((\"Alice\" NIL \"alice\" \"example.org\")) NIL NIL NIL))\r\n"
	const perIter = 100
	b.SetBytes(int64(len(line) * perIter))
	b.ReportAllocs()
	done := make(chan error, 1)
	go func() {
		br := bufio.NewReader(zb)
		total := b.N * perIter
		for i := 0; i < total; i++ {
			if _, err := br.ReadSlice('\n'); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	w := bufio.NewWriterSize(za, 4096)
	for i := 0; i < b.N; i++ {
		for j := 0; j < perIter; j++ {
			w.WriteString(line)
		}
		w.Flush()
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}

// BenchmarkBulkBody measures a large literal (a message body) through
// the compressor.
func BenchmarkBulkBody(b *testing.B) {
	za, zb := compressedPair(b)
	body := []byte(strings.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing elit.\r\n", 1000))
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	done := make(chan error, 1)
	go func() {
		_, err := io.CopyN(io.Discard, zb, int64(len(body))*int64(b.N))
		done <- err
	}()
	for i := 0; i < b.N; i++ {
		za.Write(body)
	}
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}
