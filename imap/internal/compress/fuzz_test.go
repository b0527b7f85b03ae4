package compress

import (
	"bytes"
	"compress/flate"
	"io"
	"net"
	"testing"
	"time"
)

// readerConn is a net.Conn that reads from a fixed byte slice.
type readerConn struct {
	net.Conn
	r *bytes.Reader
}

func (c readerConn) Read(p []byte) (int, error)       { return c.r.Read(p) }
func (c readerConn) Write(p []byte) (int, error)      { return len(p), nil }
func (c readerConn) Close() error                     { return nil }
func (c readerConn) SetReadDeadline(time.Time) error  { return nil }
func (c readerConn) SetWriteDeadline(time.Time) error { return nil }

func seedStream(parts ...string) []byte {
	var b bytes.Buffer
	fw, _ := flate.NewWriter(&b, 1)
	for _, p := range parts {
		io.WriteString(fw, p)
		fw.Flush()
	}
	return b.Bytes()
}

// FuzzReader feeds arbitrary bytes to the decompressing side: it must end
// with data or an error, never panic or hang, and never return more than
// the stream holds.
func FuzzReader(f *testing.F) {
	f.Add(seedStream("* OK ready\r\n", "a OK done\r\n"))
	f.Add(seedStream(""))
	f.Add([]byte{0, 0, 0xff, 0xff})
	f.Add([]byte{1, 0, 0, 0xff, 0xff})
	f.Add([]byte{0xff})
	f.Fuzz(func(t *testing.T, in []byte) {
		z, err := NewConn(readerConn{r: bytes.NewReader(in)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer z.Close()
		z.SetReadDeadline(time.Now().Add(10 * time.Second))
		// DEFLATE expands at most ~1032:1.
		n, err := io.Copy(io.Discard, io.LimitReader(z, int64(len(in))*1100+1))
		if IsTimeout(err) {
			t.Fatal("reader hung on a finite input")
		}
		if n > int64(len(in))*1100 {
			t.Fatalf("expanded %d bytes to more than %d", len(in), n)
		}
	})
}
