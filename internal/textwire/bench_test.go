package textwire

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"strings"
	"testing"
)

// message builds a dot-stuffed message of about size octets with 76-octet
// lines, some starting with a dot, as it arrives on the wire.
func message(size int) []byte {
	var b bytes.Buffer
	w := NewDotWriter(&b)
	line := strings.Repeat("abcdefghij", 7) + "klmnop\r\n"
	for i := 0; b.Len() < size; i++ {
		if i%50 == 0 {
			w.Write([]byte("." + line[1:]))
		} else {
			w.Write([]byte(line))
		}
	}
	w.Close()
	return b.Bytes()
}

func BenchmarkDotReader(b *testing.B) {
	for _, size := range []int{1 << 10, 10 << 20} {
		b.Run(sizeName(size), func(b *testing.B) {
			msg := message(size)
			src := bytes.NewReader(msg)
			br := bufio.NewReaderSize(src, 64<<10)
			buf := make([]byte, 32<<10)
			b.SetBytes(int64(len(msg)))
			b.ReportAllocs()
			for b.Loop() {
				src.Reset(msg)
				br.Reset(src)
				d := NewDotReader(br, DotReaderOptions{MaxSize: 64 << 20})
				for {
					_, err := d.Read(buf)
					if err == io.EOF {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

func BenchmarkDotWriter(b *testing.B) {
	for _, size := range []int{1 << 10, 10 << 20} {
		b.Run(sizeName(size), func(b *testing.B) {
			unit := strings.Repeat("x", 74) + "\r\n.dot line\r\n"
			body := strings.Repeat(unit, size/len(unit)+1)[:size]
			p := []byte(body)
			bw := bufio.NewWriterSize(io.Discard, 64<<10)
			b.SetBytes(int64(len(p)))
			b.ReportAllocs()
			for b.Loop() {
				w := NewDotWriter(bw)
				for off := 0; off < len(p); off += 32 << 10 {
					w.Write(p[off:min(off+32<<10, len(p))])
				}
				w.Close()
				bw.Flush()
			}
		})
	}
}

func BenchmarkReadLine(b *testing.B) {
	in := []byte(strings.Repeat("RCPT TO:<someone@example.org>\r\n", 1000))
	src := bytes.NewReader(in)
	br := bufio.NewReader(src)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		src.Reset(in)
		br.Reset(src)
		for {
			if _, err := ReadLine(br, 512); err != nil {
				break
			}
		}
	}
}

func sizeName(n int) string {
	if n >= 1<<20 {
		return strconv.Itoa(n>>20) + "MiB"
	}
	return strconv.Itoa(n>>10) + "KiB"
}
