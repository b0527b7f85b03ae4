package textwire

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestReadLine(t *testing.T) {
	r := bufio.NewReaderSize(strings.NewReader("EHLO a\r\nbare\nx\r\r\n\r\nlast"), 16)
	want := []struct {
		line   string
		bareLF bool
		err    error
	}{
		{"EHLO a", false, nil},
		{"bare", true, nil},
		{"x\r", false, nil},
		{"", false, nil},
		{"", false, io.ErrUnexpectedEOF},
		{"", false, io.EOF},
	}
	for i, w := range want {
		line, bare, err := ReadLineEnding(r, 100)
		if string(line) != w.line || bare != w.bareLF || !errors.Is(err, w.err) {
			t.Fatalf("line %d: got %q bare=%v err=%v; want %q %v %v", i, line, bare, err, w.line, w.bareLF, w.err)
		}
	}
}

func TestReadLineTooLongResyncs(t *testing.T) {
	for _, bufSize := range []int{16, 64, 4096} {
		long := strings.Repeat("x", 1<<20) // 1 MiB line, far beyond the buffer
		in := "ok\r\n" + long + "\r\n" + "NOOP\r\n" + "1234567890\r\n" + "after\n"
		r := bufio.NewReaderSize(strings.NewReader(in), bufSize)
		steps := []struct {
			line string
			err  error
		}{
			{"ok", nil},
			{"", ErrLineTooLong},
			{"NOOP", nil},
			{"", ErrLineTooLong}, // 10 > max 9
			{"after", nil},
			{"", io.EOF},
		}
		for i, s := range steps {
			line, err := ReadLine(r, 9)
			if string(line) != s.line || !errors.Is(err, s.err) {
				t.Fatalf("buf %d step %d: got %q, %v; want %q, %v", bufSize, i, line, err, s.line, s.err)
			}
		}
	}
}

func TestReadLineExactLimit(t *testing.T) {
	// A line of exactly max octets fits, also when it is longer than the
	// bufio buffer (copied path), with CRLF or bare LF.
	for _, bufSize := range []int{16, 4096} {
		for _, end := range []string{"\r\n", "\n"} {
			line := strings.Repeat("a", 100)
			r := bufio.NewReaderSize(strings.NewReader(line+end+line+"b"+end), bufSize)
			got, err := ReadLine(r, 100)
			if err != nil || string(got) != line {
				t.Fatalf("buf %d end %q: got %d octets, %v", bufSize, end, len(got), err)
			}
			if _, err := ReadLine(r, 100); !errors.Is(err, ErrLineTooLong) {
				t.Fatalf("buf %d end %q: max+1 gave %v", bufSize, end, err)
			}
		}
	}
}

func TestReadLineDefaultMax(t *testing.T) {
	r := bufio.NewReader(strings.NewReader(strings.Repeat("a", DefaultMaxLine) + "\r\n" + strings.Repeat("a", DefaultMaxLine+1) + "\r\n"))
	if l, err := ReadLine(r, 0); err != nil || len(l) != DefaultMaxLine {
		t.Fatalf("got %d, %v", len(l), err)
	}
	if _, err := ReadLine(r, -1); !errors.Is(err, ErrLineTooLong) {
		t.Fatalf("got %v", err)
	}
}

func TestReadLineDoesNotAllocate(t *testing.T) {
	r := bufio.NewReader(strings.NewReader(strings.Repeat("hello\r\n", 1000)))
	allocs := testing.AllocsPerRun(500, func() {
		if l, err := ReadLine(r, 0); err != nil || string(l) != "hello" {
			t.Fatalf("got %q, %v", l, err)
		}
	})
	if allocs != 0 {
		t.Fatalf("ReadLine allocated %v times per line", allocs)
	}
}

func TestReadLineUnterminatedLongLine(t *testing.T) {
	r := bufio.NewReaderSize(strings.NewReader(strings.Repeat("z", 1000)), 16)
	if _, err := ReadLine(r, 10); !errors.Is(err, io.EOF) {
		t.Fatalf("got %v, want EOF while discarding", err)
	}
}
