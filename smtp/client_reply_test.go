package smtp

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
)

func clientReader(in string, enhanced bool) *clientReplyReader {
	return &clientReplyReader{
		r:        bufio.NewReaderSize(strings.NewReader(in), 16),
		maxLine:  64,
		maxLines: 4,
		enhanced: enhanced,
	}
}

func TestClientReplyParser(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		enhanced bool
		code     int
		enh      [3]int
		text     string
	}{
		{"single", "250 OK\r\n", false, 250, [3]int{}, "OK"},
		{"code only", "250\r\n", false, 250, [3]int{}, ""},
		{"empty text", "334 \r\n", false, 334, [3]int{}, ""},
		{"bare LF", "220 hi\n", false, 220, [3]int{}, "hi"},
		{"multi-line", "250-mx\r\n250-PIPELINING\r\n250 SIZE 10\r\n", false, 250, [3]int{}, "mx\nPIPELINING\nSIZE 10"},
		{"enhanced", "550 5.1.1 no such user\r\n", true, 550, [3]int{5, 1, 1}, "no such user"},
		{"enhanced 3-digit parts", "554 5.7.100 x\r\n", true, 554, [3]int{5, 7, 100}, "x"},
		{"enhanced multi-line", "550-5.1.1 first\r\n550 5.1.1 second\r\n", true, 550, [3]int{5, 1, 1}, "first\nsecond"},
		{"enhanced code only", "250 2.0.0\r\n", true, 250, [3]int{2, 0, 0}, ""},
		{"enhanced not advertised", "550 5.1.1 x\r\n", false, 550, [3]int{}, "5.1.1 x"},
		{"enhanced class mismatch", "550 4.1.1 x\r\n", true, 550, [3]int{}, "4.1.1 x"},
		{"enhanced too many digits", "550 5.1234.1 x\r\n", true, 550, [3]int{}, "5.1234.1 x"},
		{"enhanced glued", "550 5.1.1x\r\n", true, 550, [3]int{}, "5.1.1x"},
		{"enhanced two-digit class", "550 55.1.1 x\r\n", true, 550, [3]int{}, "55.1.1 x"},
		{"enhanced on 3yz", "354 3.0.0 go\r\n", true, 354, [3]int{}, "3.0.0 go"},
		{"line at limit", "250 " + strings.Repeat("x", 60) + "\r\n", false, 250, [3]int{}, strings.Repeat("x", 60)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rr := clientReader(tc.in, tc.enhanced)
			if err := rr.read(); err != nil {
				t.Fatal(err)
			}
			if rr.code != tc.code || rr.enh != tc.enh || string(rr.text) != tc.text {
				t.Errorf("got %d %v %q, want %d %v %q", rr.code, rr.enh, rr.text, tc.code, tc.enh, tc.text)
			}
			if err := rr.read(); err != io.EOF {
				t.Errorf("next read: %v, want EOF", err)
			}
		})
	}
}

func TestClientReplyParserMalformed(t *testing.T) {
	for _, in := range []string{
		"hello\r\n",
		"25\r\n",
		"2500 x\r\n",
		"250x\r\n",
		"150 x\r\n",
		"650 x\r\n",
		"2a0 x\r\n",
		"250-a\r\n251 b\r\n", // mixed codes
		"250 " + strings.Repeat("x", 61) + "\r\n",       // over the line limit
		"250-a\r\n250-b\r\n250-c\r\n250-d\r\n250 e\r\n", // over the line count
	} {
		if err := clientReader(in, true).read(); !errors.Is(err, ErrMalformedReply) {
			t.Errorf("%q: err = %v, want ErrMalformedReply", in, err)
		}
	}
	for _, in := range []string{"", "250-more\r\n", "250 unterminated"} {
		err := clientReader(in, true).read()
		if err != io.EOF && err != io.ErrUnexpectedEOF {
			t.Errorf("%q: err = %v, want EOF", in, err)
		}
	}
}

func TestClientReplyParserDoesNotAllocate(t *testing.T) {
	in := strings.Repeat("250 2.1.5 ok\r\n", 1000)
	rr := clientReader(in, true)
	rr.r = bufio.NewReader(strings.NewReader(in))
	rr.read() // grow the text buffer once
	allocs := testing.AllocsPerRun(500, func() {
		if err := rr.read(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%.1f allocations per reply", allocs)
	}
}

// FuzzClientReplyParser feeds arbitrary server output to the reply reader:
// it must never panic, must stop on its limits, and every reply it accepts
// must satisfy RFC 5321 §4.2 (code 200–599, line count and lengths bounded).
func FuzzClientReplyParser(f *testing.F) {
	for _, s := range []string{
		"250 OK\r\n",
		"250-mx.example.test\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250 ENHANCEDSTATUSCODES\r\n",
		"550-5.1.1 first\r\n550 5.1.1 second\r\n",
		"554 5.7.100 x\r\n",
		"250 2.0.0\r\n",
		"421 4.3.2 closing\r\n",
		"334 \r\n",
		"250-a\r\n251 b\r\n",
		"220 hi\n250 again\n",
		"250 5.1.1x\r\n",
		"550 4.1.1 mismatch\r\n",
		"250-" + strings.Repeat("x", 70) + "\r\n250 y\r\n",
	} {
		f.Add([]byte(s), true)
	}
	f.Fuzz(func(t *testing.T, data []byte, enhanced bool) {
		rr := &clientReplyReader{
			r:        bufio.NewReaderSize(strings.NewReader(string(data)), 16),
			maxLine:  64,
			maxLines: 8,
			enhanced: enhanced,
		}
		for range 100 {
			err := rr.read()
			if err != nil {
				if err != io.EOF && err != io.ErrUnexpectedEOF && !errors.Is(err, ErrMalformedReply) {
					t.Fatalf("unexpected error type %v", err)
				}
				return
			}
			if rr.code < 200 || rr.code > 599 || rr.lines < 1 || rr.lines > 8 {
				t.Fatalf("accepted code %d with %d lines", rr.code, rr.lines)
			}
			if len(rr.text) > 8*65 {
				t.Fatalf("text of %d octets exceeds the limits", len(rr.text))
			}
			if e := rr.enh; e != [3]int{} {
				if !enhanced || e[0] != rr.code/100 || e[1] > 999 || e[2] > 999 {
					t.Fatalf("bad enhanced code %v for %d (enhanced=%v)", e, rr.code, enhanced)
				}
			}
			se := rr.err()
			if se.Temporary() == se.Permanent() && rr.code >= 400 {
				t.Fatalf("%d is both or neither temporary and permanent", rr.code)
			}
		}
	})
}
