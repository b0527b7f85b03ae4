package textwire

import (
	"bufio"
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
)

func writeDot(chunks ...string) string {
	var buf bytes.Buffer
	w := NewDotWriter(&buf)
	for _, c := range chunks {
		w.Write([]byte(c))
	}
	w.Close()
	return buf.String()
}

func TestDotWriter(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ".\r\n"},
		{"a\r\n", "a\r\n.\r\n"},
		{"a", "a\r\n.\r\n"},
		{".", "..\r\n.\r\n"},
		{".\r\n", "..\r\n.\r\n"},
		{"a\r\n.b\r\n..c\r\n", "a\r\n..b\r\n...c\r\n.\r\n"},
		{"a\nb\n", "a\r\nb\r\n.\r\n"},
		{"a\rb\r", "a\r\nb\r\n.\r\n"},
		{"a\n.\n", "a\r\n..\r\n.\r\n"},
		{"a\r.\r", "a\r\n..\r\n.\r\n"},
		{"\r\n\n\r", "\r\n\r\n\r\n.\r\n"},
		{"x.y\r\n", "x.y\r\n.\r\n"},
	}
	for _, c := range cases {
		if got := writeDot(c.in); got != c.want {
			t.Errorf("%q: got %q, want %q", c.in, got, c.want)
		}
		// Byte-at-a-time writes give the same result.
		parts := strings.Split(c.in, "")
		if got := writeDot(parts...); got != c.want {
			t.Errorf("%q bytewise: got %q, want %q", c.in, got, c.want)
		}
	}
}

func TestDotWriterSplitCRLF(t *testing.T) {
	if got := writeDot("a\r", "\n.b"); got != "a\r\n..b\r\n.\r\n" {
		t.Fatalf("got %q", got)
	}
	if got := writeDot("a\r", "", "\n"); got != "a\r\n.\r\n" {
		t.Fatalf("got %q", got)
	}
}

func TestDotWriterReset(t *testing.T) {
	var a, b bytes.Buffer
	w := NewDotWriter(&a)
	w.Write([]byte("x"))
	w.Close()
	w.Reset(&b)
	w.Write([]byte(".y\r\n"))
	w.Close()
	if a.String() != "x\r\n.\r\n" || b.String() != "..y\r\n.\r\n" {
		t.Fatalf("got %q and %q", a.String(), b.String())
	}
}

func TestDotWriterWriteAfterClose(t *testing.T) {
	w := NewDotWriter(&bytes.Buffer{})
	w.Close()
	if _, err := w.Write([]byte("x")); err != ErrWriterClosed {
		t.Fatalf("got %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

// normalise is the reference model of what survives a round trip: bare
// CR and bare LF become CRLF and the last line gets a CRLF.
func normalise(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n':
			b.WriteString("\r\n")
			i++
		case s[i] == '\r' || s[i] == '\n':
			b.WriteString("\r\n")
		default:
			b.WriteByte(s[i])
		}
	}
	if b.Len() > 0 && !strings.HasSuffix(b.String(), "\r\n") {
		b.WriteString("\r\n")
	}
	return b.String()
}

func roundTrip(t testing.TB, chunks []string, bufSize int) {
	t.Helper()
	var wire bytes.Buffer
	w := NewDotWriter(&wire)
	for _, c := range chunks {
		w.Write([]byte(c))
	}
	w.Close()
	wire.WriteString("NEXT\r\n")
	br := bufio.NewReaderSize(bytes.NewReader(wire.Bytes()), bufSize)
	d := NewDotReader(br, DotReaderOptions{})
	got, err := readAll(d, 4096)
	want := normalise(strings.Join(chunks, ""))
	if err != nil || string(got) != want {
		t.Fatalf("round trip of %q: got %q, %v; want %q", chunks, got, err, want)
	}
	if l, err := ReadLine(br, 0); string(l) != "NEXT" || err != nil {
		t.Fatalf("round trip of %q: reader stopped at the wrong place (%q, %v)", chunks, l, err)
	}
}

func TestDotRoundTripProperty(t *testing.T) {
	alphabet := []string{"a", "b", ".", "\r", "\n", "\r\n", ".\r\n", "\r\n.\r\n", "..", " "}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 5000; i++ {
		var chunks []string
		var cur strings.Builder
		for j := rng.IntN(40); j > 0; j-- {
			cur.WriteString(alphabet[rng.IntN(len(alphabet))])
			if rng.IntN(5) == 0 {
				chunks = append(chunks, cur.String())
				cur.Reset()
			}
		}
		chunks = append(chunks, cur.String())
		roundTrip(t, chunks, 16+rng.IntN(32))
	}
}
