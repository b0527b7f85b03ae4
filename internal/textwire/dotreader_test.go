package textwire

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// readAll reads d to the end with small reads as well as large ones, to
// exercise state kept across Read calls.
func readAll(d *DotReader, chunk int) ([]byte, error) {
	var out []byte
	p := make([]byte, chunk)
	for {
		n, err := d.Read(p)
		out = append(out, p[:n]...)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}

func dotReader(in string, bufSize int, opts DotReaderOptions) (*DotReader, *bufio.Reader) {
	br := bufio.NewReaderSize(strings.NewReader(in), bufSize)
	return NewDotReader(br, opts), br
}

var bufSizes = []int{16, 17, 19, 4096}
var chunks = []int{1, 2, 3, 7, 4096}

func TestDotReaderValid(t *testing.T) {
	cases := []struct{ in, want string }{
		{".\r\n", ""},
		{"a\r\n.\r\n", "a\r\n"},
		{"..\r\n.\r\n", ".\r\n"},
		{"..x\r\n.y\r\n.\r\n", ".x\r\ny\r\n"},
		{"line1\r\nline2\r\n\r\n.\r\n", "line1\r\nline2\r\n\r\n"},
		{"...\r\n.\r\n", "..\r\n"},
		{"a.\r\n.\r\n", "a.\r\n"},
		{"\r\n.\r\n", "\r\n"},
	}
	for _, c := range cases {
		for _, bs := range bufSizes {
			for _, ch := range chunks {
				d, br := dotReader(c.in+"NEXT\r\n", bs, DotReaderOptions{})
				got, err := readAll(d, ch)
				if err != nil || string(got) != c.want {
					t.Fatalf("%q (buf %d chunk %d): got %q, %v; want %q", c.in, bs, ch, got, err, c.want)
				}
				if l, err := ReadLine(br, 0); string(l) != "NEXT" || err != nil {
					t.Fatalf("%q: next line %q, %v: reader consumed past the terminator", c.in, l, err)
				}
			}
		}
	}
}

// The SMTP smuggling variants (https://www.postfix.org/smtp-smuggling.html,
// RFC 5321 §4.1.1.4): none of them may end the data. Under BareReject the
// reader reports ErrBareLineEnding and Drain stops only at the real
// terminator; under BareRepair the smuggled "commands" stay data.
var smuggling = []struct{ name, vector string }{
	{"LF.LF", "\n.\n"},
	{"CR.CR", "\r.\r"},
	{"LF.CRLF", "\n.\r\n"},
	{"CRLF.LF", "\r\n.\n"},
	{"CR.CRLF", "\r.\r\n"},
	{"CRLF.CR", "\r\n.\r"},
	{"LF.CR", "\n.\r"},
	{"CR.LF", "\r.\n"},
}

func TestDotReaderSmugglingReject(t *testing.T) {
	const tail = "MAIL FROM:<evil@x>\r\nRCPT TO:<v@y>\r\nDATA\r\nsmuggled\r\n.\r\n"
	for _, s := range smuggling {
		for _, bs := range bufSizes {
			in := "Subject: hi\r\n\r\nbody" + s.vector + tail + "QUIT\r\n"
			d, br := dotReader(in, bs, DotReaderOptions{})
			_, err := readAll(d, 4096)
			if !errors.Is(err, ErrBareLineEnding) {
				t.Fatalf("%s buf %d: got %v, want ErrBareLineEnding", s.name, bs, err)
			}
			if err := d.Drain(); err != nil {
				t.Fatalf("%s: Drain: %v", s.name, err)
			}
			if l, err := ReadLine(br, 0); string(l) != "QUIT" || err != nil {
				t.Fatalf("%s buf %d: after drain read %q, %v; want QUIT (data ended early)", s.name, bs, l, err)
			}
		}
	}
}

func TestDotReaderSmugglingRepair(t *testing.T) {
	const tail = "MAIL FROM:<evil@x>\r\n"
	for _, s := range smuggling {
		for _, bs := range bufSizes {
			for _, ch := range chunks {
				in := "body" + s.vector + tail + ".\r\nQUIT\r\n"
				d, br := dotReader(in, bs, DotReaderOptions{Bare: BareRepair})
				got, err := readAll(d, ch)
				if err != nil {
					t.Fatalf("%s: %v", s.name, err)
				}
				if !bytes.Contains(got, []byte(tail)) {
					t.Fatalf("%s buf %d chunk %d: smuggled text lost: %q", s.name, bs, ch, got)
				}
				if bytes.Contains(got, []byte("\n\n")) || bytes.Contains(got, []byte("\r\r")) || !bytes.HasSuffix(got, []byte("\r\n")) {
					t.Fatalf("%s: output not normalised: %q", s.name, got)
				}
				if l, err := ReadLine(br, 0); string(l) != "QUIT" || err != nil {
					t.Fatalf("%s: next line %q, %v", s.name, l, err)
				}
			}
		}
	}
}

func TestDotReaderRepairOutput(t *testing.T) {
	cases := []struct{ in, want string }{
		{"a\nb\n.\r\n.\r\n", "a\r\nb\r\n\r\n"},   // ".\r\n" after a bare LF is data, not the end
		{"a\nb\r\n.\r\n", "a\r\nb\r\n"},          // bare LF repaired
		{"a\rb\r\n.\r\n", "a\r\nb\r\n"},          // bare CR repaired
		{"a\n..b\r\n.\r\n", "a\r\n.b\r\n"},       // stuffing removed after a bare LF too
		{"a\r\n.\rb\r\n.\r\n", "a\r\n\r\nb\r\n"}, // ".\r" then b: dot dropped, CR repaired
	}
	for _, c := range cases {
		for _, bs := range bufSizes {
			for _, ch := range chunks {
				d, _ := dotReader(c.in, bs, DotReaderOptions{Bare: BareRepair})
				got, err := readAll(d, ch)
				if err != nil || string(got) != c.want {
					t.Fatalf("%q buf %d chunk %d: got %q, %v; want %q", c.in, bs, ch, got, err, c.want)
				}
			}
		}
	}
}

func TestDotReaderRejectReturnsDataBeforeError(t *testing.T) {
	d, _ := dotReader("good\r\nbad\nmore\r\n.\r\n", 4096, DotReaderOptions{})
	got, err := readAll(d, 4096)
	if string(got) != "good\r\nbad" || !errors.Is(err, ErrBareLineEnding) {
		t.Fatalf("got %q, %v", got, err)
	}
	// The error is sticky until Drain.
	if _, err := d.Read(make([]byte, 10)); !errors.Is(err, ErrBareLineEnding) {
		t.Fatalf("second read: %v", err)
	}
}

func TestDotReaderUnexpectedEOF(t *testing.T) {
	for _, in := range []string{"", "abc", "abc\r\n", "abc\r\n.", "abc\r\n.\r", "x\n.\n"} {
		d, _ := dotReader(in, 4096, DotReaderOptions{Bare: BareRepair})
		if _, err := readAll(d, 4096); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("%q: got %v, want ErrUnexpectedEOF", in, err)
		}
		d, _ = dotReader(in, 4096, DotReaderOptions{})
		d.Read(make([]byte, 100))
		if err := d.Drain(); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("%q: Drain gave %v", in, err)
		}
	}
}

func TestDotReaderMaxSize(t *testing.T) {
	body := strings.Repeat("0123456789abcdef\r\n", 100) // 1800 octets
	// Exactly at the limit is fine.
	d, _ := dotReader(body+".\r\n", 64, DotReaderOptions{MaxSize: int64(len(body))})
	if got, err := readAll(d, 100); err != nil || len(got) != len(body) {
		t.Fatalf("at limit: %d, %v", len(got), err)
	}
	// One over: ErrTooLarge, then Drain finds the terminator.
	d, br := dotReader(body+".\r\nNEXT\r\n", 64, DotReaderOptions{MaxSize: int64(len(body) - 1)})
	if _, err := readAll(d, 100); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("over limit: %v", err)
	}
	if err := d.Drain(); err != nil {
		t.Fatalf("drain: %v", err)
	}
	if l, _ := ReadLine(br, 0); string(l) != "NEXT" {
		t.Fatalf("after drain: %q", l)
	}
}

func TestDotReaderDrainLimit(t *testing.T) {
	body := strings.Repeat("x", 10000) + "\r\n.\r\n"
	d, _ := dotReader(body, 64, DotReaderOptions{MaxSize: 100, DrainLimit: 1000})
	if _, err := readAll(d, 50); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v", err)
	}
	if err := d.Drain(); !errors.Is(err, ErrDrainLimit) {
		t.Fatalf("drain: got %v, want ErrDrainLimit", err)
	}
	// Drain within the limit succeeds.
	d, _ = dotReader(body, 64, DotReaderOptions{MaxSize: 100, DrainLimit: 20000})
	readAll(d, 50)
	if err := d.Drain(); err != nil {
		t.Fatalf("drain: %v", err)
	}
}

func TestDotReaderDrainUnread(t *testing.T) {
	// A server that rejects the message without reading it drains it.
	d, br := dotReader("a\r\nb\nc\r\n.\r\nNEXT\r\n", 16, DotReaderOptions{})
	if err := d.Drain(); err != nil {
		t.Fatal(err)
	}
	if err := d.Drain(); err != nil {
		t.Fatal("second Drain:", err)
	}
	if l, _ := ReadLine(br, 0); string(l) != "NEXT" {
		t.Fatalf("got %q", l)
	}
	if n, err := d.Read(make([]byte, 4)); n != 0 || err != io.EOF {
		t.Fatalf("read after end: %d, %v", n, err)
	}
}

func TestDotReaderReset(t *testing.T) {
	br := bufio.NewReader(strings.NewReader("a\nb\r\n.\r\nc\r\n.\r\n"))
	d := NewDotReader(br, DotReaderOptions{})
	if _, err := readAll(d, 100); !errors.Is(err, ErrBareLineEnding) {
		t.Fatal(err)
	}
	d.Drain()
	d.Reset(br, DotReaderOptions{})
	if got, err := readAll(d, 100); err != nil || string(got) != "c\r\n" {
		t.Fatalf("after Reset: %q, %v", got, err)
	}
}

func TestDotReaderOneByteReader(t *testing.T) {
	in := "a\r\n..b\r\n\r\n.c\r\n.\r\nNEXT"
	br := bufio.NewReaderSize(iotest.OneByteReader(strings.NewReader(in)), 16)
	got, err := io.ReadAll(NewDotReader(br, DotReaderOptions{}))
	if err != nil || string(got) != "a\r\n.b\r\n\r\nc\r\n" {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestDotReaderIOReaderContract(t *testing.T) {
	in := strings.Repeat("line of text\r\n..stuffed\r\n", 50)
	want := strings.ReplaceAll(in, "\n..", "\n.")
	want = strings.Replace(want, "..stuffed", ".stuffed", 1)
	br := bufio.NewReader(strings.NewReader(in + ".\r\n"))
	if err := iotest.TestReader(NewDotReader(br, DotReaderOptions{}), []byte(want)); err != nil {
		t.Fatal(err)
	}
}
