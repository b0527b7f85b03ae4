package textwire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"
)

func FuzzReadLine(f *testing.F) {
	for _, s := range []string{"EHLO x\r\n", "a\nb\r\n", "\r\n\r\n", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\nok\r\n", "no end", "\r\r\n"} {
		f.Add([]byte(s), 8)
	}
	f.Fuzz(func(t *testing.T, in []byte, max int) {
		if max > 64 || max < -1 {
			max = 32
		}
		limit := max
		if limit <= 0 {
			limit = DefaultMaxLine
		}
		r := bufio.NewReaderSize(bytes.NewReader(in), 16)
		consumed := 0
		for {
			line, bareLF, err := ReadLineEnding(r, max)
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return
			}
			if err != nil && !errors.Is(err, ErrLineTooLong) {
				t.Fatalf("unexpected error %v", err)
			}
			if len(line) > limit {
				t.Fatalf("line of %d octets exceeds limit %d", len(line), limit)
			}
			if bytes.IndexByte(line, '\n') >= 0 {
				t.Fatalf("line contains LF: %q", line)
			}
			// After every line or error we are just past an LF.
			next := consumed + bytes.IndexByte(in[consumed:], '\n') + 1
			if err == nil {
				end := next - 1
				if !bareLF {
					end--
				}
				if !bytes.Equal(line, in[consumed:end]) {
					t.Fatalf("got %q, want %q", line, in[consumed:end])
				}
			}
			consumed = next
		}
	})
}

func FuzzDotReader(f *testing.F) {
	seeds := []string{".\r\n", "a\r\n..b\r\n.\r\n", "a\n.\nb\r\n.\r\n", "a\r.\rb\r\n.\r\n", "a\n.\r\n.\r\n", "a\r\n.\nx\r\n.\r\n", "x", "\r\n.\r"}
	for _, s := range seeds {
		f.Add([]byte(s), uint8(0), uint16(0))
		f.Add([]byte(s), uint8(1), uint16(3))
	}
	f.Fuzz(func(t *testing.T, in []byte, policy uint8, maxSize uint16) {
		opts := DotReaderOptions{Bare: BarePolicy(policy % 2), MaxSize: int64(maxSize), DrainLimit: 1 << 20}
		br := bufio.NewReaderSize(bytes.NewReader(in), 16)
		d := NewDotReader(br, opts)
		out, err := readAll(d, 7)
		// The data may end only right after a real <CRLF>.<CRLF> (or at
		// ".\r\n" at the very start).
		consumed := len(in) - br.Buffered()
		if rest, _ := io.ReadAll(br); rest != nil {
			consumed = len(in) - len(rest)
		}
		if err == nil {
			if !(consumed == 3 && bytes.HasPrefix(in, []byte(".\r\n")) || consumed >= 5 && bytes.Equal(in[consumed-5:consumed], []byte("\r\n.\r\n"))) {
				t.Fatalf("ended at %d of %q without a terminator", consumed, in)
			}
			if opts.MaxSize > 0 && int64(len(out)) > opts.MaxSize {
				t.Fatalf("returned %d octets over MaxSize %d", len(out), opts.MaxSize)
			}
		}
		if err == nil && opts.Bare == BareReject && (bytes.Contains(out, []byte("\n")) && bytes.Count(out, []byte("\n")) != bytes.Count(out, []byte("\r\n"))) {
			t.Fatalf("bare LF in output under BareReject: %q", out)
		}
		if opts.Bare == BareRepair && err == nil {
			if bytes.Count(out, []byte("\n")) != bytes.Count(out, []byte("\r\n")) || bytes.Count(out, []byte("\r")) != bytes.Count(out, []byte("\r\n")) {
				t.Fatalf("repair left a bare line ending: %q", out)
			}
		}
	})
}

func FuzzDotRoundTrip(f *testing.F) {
	for _, s := range []string{"", ".", "a\r\n.\r\n", "\n.\n", "\r.\r", "..\r\n", "x\r"} {
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, in []byte, split uint8) {
		s := string(in)
		cut := int(split) % (len(s) + 1)
		roundTrip(t, []string{s[:cut], s[cut:]}, 16)
	})
}
