package smtp

import (
	"bufio"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func clientNormalize(t testing.TB, in string, bufSize int) string {
	t.Helper()
	var x clientCRLFReader
	x.reset(bufio.NewReaderSize(iotest.HalfReader(strings.NewReader(in)), bufSize))
	out, err := io.ReadAll(&x)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestClientCRLFReader(t *testing.T) {
	for in, want := range map[string]string{
		"":                      "",
		"a\r\nb\r\n":            "a\r\nb\r\n",
		"a\nb\n":                "a\r\nb\r\n",
		"a\rb\r":                "a\r\nb\r\n",
		"a\r\r\nb":              "a\r\n\r\nb\r\n",
		"\n\n":                  "\r\n\r\n",
		"\r":                    "\r\n",
		"x\r\n\ry\n\rz":         "x\r\n\r\ny\r\n\r\nz\r\n",
		strings.Repeat("é", 40): strings.Repeat("é", 40) + "\r\n",
		"long line " + strings.Repeat("y", 50) + "\r\n" + strings.Repeat("z", 31) + "\r": "long line " + strings.Repeat("y", 50) + "\r\n" + strings.Repeat("z", 31) + "\r\n",
	} {
		for _, size := range []int{16, 17, 4096} {
			if got := clientNormalize(t, in, size); got != want {
				t.Errorf("%q (buffer %d) = %q, want %q", in, size, got, want)
			}
		}
	}
}

// FuzzClientCRLFReader checks that normalisation leaves no bare CR or LF,
// keeps every other octet in order, and does not depend on buffering.
func FuzzClientCRLFReader(f *testing.F) {
	for _, s := range []string{"a\r\nb", "a\nb\r", "\r\r\n\n", "x\ry", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		a := clientNormalize(t, in, 16)
		if b := clientNormalize(t, in, 4096); a != b {
			t.Fatalf("buffer size changes output: %q vs %q", a, b)
		}
		for i := 0; i < len(a); i++ {
			if a[i] == '\r' && (i+1 == len(a) || a[i+1] != '\n') || a[i] == '\n' && (i == 0 || a[i-1] != '\r') {
				t.Fatalf("bare line ending at %d in %q", i, a)
			}
		}
		strip := func(s string) string { return strings.NewReplacer("\r", "", "\n", "").Replace(s) }
		if len(a) > 0 && !strings.HasSuffix(a, "\r\n") {
			t.Fatalf("output %q does not end in CRLF", a)
		}
		if strip(a) != strip(in) {
			t.Fatalf("content changed: %q → %q", in, a)
		}
	})
}
