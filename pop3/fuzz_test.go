package pop3

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/mailwire/mailwire/internal/textwire"
)

// fakeConn is a net.Conn that reads a fixed input and discards writes.
type fakeConn struct {
	r io.Reader
	w io.Writer
}

func (f *fakeConn) Read(p []byte) (int, error)  { return f.r.Read(p) }
func (f *fakeConn) Write(p []byte) (int, error) { return f.w.Write(p) }
func (f *fakeConn) Close() error                { return nil }
func (f *fakeConn) LocalAddr() net.Addr         { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 110} }
func (f *fakeConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
}
func (f *fakeConn) SetDeadline(t time.Time) error      { return nil }
func (f *fakeConn) SetReadDeadline(t time.Time) error  { return nil }
func (f *fakeConn) SetWriteDeadline(t time.Time) error { return nil }

// FuzzCommandParser runs the whole server session over arbitrary client
// input: it must never panic, and it must release the maildrop.
func FuzzCommandParser(f *testing.F) {
	for _, s := range []string{
		"USER alice\r\nPASS secret\r\nSTAT\r\nLIST\r\nUIDL\r\nRETR 1\r\nTOP 2 1\r\nDELE 1\r\nRSET\r\nNOOP\r\nQUIT\r\n",
		"CAPA\r\nAUTH\r\nAUTH PLAIN AGFsaWNlAHNlY3JldA==\r\nLIST 1\r\nUIDL 2\r\nTOP 1 0\r\nQUIT\r\n",
		"AUTH PLAIN\r\n*\r\nAUTH PLAIN\r\nAGFsaWNlAHNlY3JldA==\r\nDELE 2\r\nQUIT\r\n",
		"APOP alice 0123456789abcdef0123456789abcdef\r\nSTLS\r\nUTF8\r\n",
		"user alice\npass secret\nretr 99999999999\ntop 1 -1\nlist x\n",
		"USER \xff\xfe\r\nPASS \x00\r\n\r\n\r\n",
		"USER alice\r\nPASS secret\r\nDELE 1\r\nDELE 1\r\nDELE 2\r\nSTAT\r\nQUIT\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		b := testBackend()
		b.add("alice", ".dot\r\n..\r\nno crlf")
		srv := &Server{Backend: b, AllowInsecureAuth: true, AuthFailureDelay: -1, EnableUTF8: true,
			MaxErrors: 1000, MaxAuthFailures: 1000, Logger: testLogger(t)}
		var out bytes.Buffer
		srv.serveConn(&fakeConn{r: bytes.NewReader(in), w: &out})
		if b.isLocked("alice") || b.openSessions() != 0 {
			t.Fatal("maildrop or session not released")
		}
		if !bytes.HasPrefix(out.Bytes(), []byte("+OK ")) {
			t.Fatalf("no greeting: %q", out.Bytes())
		}
		// Every response line is CRLF-terminated and bounded (RFC 2449 §4).
		for _, l := range bytes.SplitAfter(out.Bytes(), []byte("\r\n")) {
			if len(l) > 0 && !bytes.HasSuffix(l, []byte("\r\n")) {
				t.Fatalf("unterminated output line %q", l)
			}
		}
	})
}

// FuzzClientResponse feeds arbitrary server output to the client's
// command sequence: no panic, no hang, errors only.
func FuzzClientResponse(f *testing.F) {
	for _, s := range []string{
		"+OK ready <1.2@x>\r\n+OK capability list follows\r\nTOP\r\nPIPELINING\r\n.\r\n+OK\r\n+OK 2 messages\r\n+OK 2 300\r\n+OK\r\n1 100\r\n2 200\r\n.\r\n+OK\r\n1 a\r\n2 b\r\n.\r\n+OK\r\n..x\r\nbody\r\n.\r\n+OK\r\nh\r\n\r\n.\r\n",
		"+OK\r\n-ERR [SYS/TEMP] later\r\n",
		"+OK\r\n+OK\r\n.\r\n-ERR [IN-USE] locked\r\n-ERR\r\n",
		"+OK\r\n+ \r\n+ dGVzdA==\r\n+OK\r\n",
		"+ok hi\r\n-err [AUTH\r\n+OK 1\r\n",
		"garbage\r\n",
		"+OK\r\n+OK\r\n.\r\n+OK\r\n+OK\r\n+OK x y\r\n+OK\r\n1\r\n.\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		ctx := context.Background()
		c, err := NewClient(ctx, &fakeConn{r: bytes.NewReader(in), w: io.Discard}, nil)
		if err != nil {
			return
		}
		c.Capabilities(ctx)
		c.Login(ctx, "u", "p")
		c.Stat(ctx)
		c.List(ctx)
		c.UIDL(ctx)
		c.ListOne(ctx, 1)
		if r, err := c.Retr(ctx, 1); err == nil {
			io.Copy(io.Discard, r)
		}
		if r, err := c.Top(ctx, 1, 0); err == nil {
			r.Close()
		}
		c.Auth(ctx, NewPlainClient("", "u", "p"))
		c.RetrMany(ctx, []int{1, 2, 3}, func(int, io.Reader) error { return nil })
		c.Quit(ctx)

		// The status parser: code and text round-trip.
		if ok, text, err := parseStatusLine(in); err == nil && !ok {
			code, msg := parseRespCode(text)
			if code != "" && !bytes.Contains(in, []byte("["+code+"]")) {
				t.Fatalf("code %q not in %q", code, in)
			}
			_ = msg
		}
	})
}

// FuzzMessageSize checks that MessageSize is exactly the number of octets
// RETR sends without stuffing, however the input is split into reads.
func FuzzMessageSize(f *testing.F) {
	for _, s := range []string{"", "a", "a\r\nb", "\r", "\n", "\r\r\n\n", ".\r\n..x\n", "x\r\n\r\n\ry"} {
		f.Add([]byte(s), uint8(1))
	}
	f.Fuzz(func(t *testing.T, in []byte, step uint8) {
		var out bytes.Buffer
		dw := textwire.NewDotWriter(&out)
		dw.Write(in)
		dw.Close()
		dr := textwire.NewDotReader(bufio.NewReader(&out), textwire.DotReaderOptions{})
		sent, err := io.Copy(io.Discard, dr)
		if err != nil {
			t.Fatalf("DotWriter output does not read back: %v", err)
		}
		got, _ := MessageSize(bytes.NewReader(in))
		if got != sent {
			t.Fatalf("MessageSize(%q) = %d, RETR sends %d", in, got, sent)
		}
		var sc sizeCounter
		for i := 0; i < len(in); i += int(step%8) + 1 {
			sc.Write(in[i:min(len(in), i+int(step%8)+1)])
		}
		if sc.Size() != sent {
			t.Fatalf("split every %d: %d, want %d", step%8+1, sc.Size(), sent)
		}
	})
}

// FuzzRetrStream checks that RETR sends exactly what textwire's DotWriter
// makes of the message (the fast path for clean lines changes nothing),
// whatever the backend's read sizes and line lengths.
func FuzzRetrStream(f *testing.F) {
	f.Add([]byte("A: b\r\n\r\nclean\r\n.dot\r\n"), uint16(3), false)
	f.Add([]byte("bare\nlf\rcr\r\n"), uint16(1), true)
	f.Add([]byte(".\r\n"), uint16(1000), true)
	f.Fuzz(func(t *testing.T, in []byte, step uint16, long bool) {
		if long { // a line longer than the read buffer, and clean lines around it
			in = append(append(append([]byte("x\r\n"), bytes.Repeat([]byte("y"), chunkSize+10)...), in...), "\r\nz\r\n"...)
		}
		var want bytes.Buffer
		dw := textwire.NewDotWriter(&want)
		dw.Write(in)
		dw.Close()

		b := newMemBackend()
		b.addUser("u", "p")
		b.add("u", "x")
		b.drops["u"][0].open = func() io.ReadCloser {
			return io.NopCloser(&stepReader{b: in, step: int(step)%70000 + 1})
		}
		var out bytes.Buffer
		srv := &Server{Backend: b, Logger: testLogger(t)}
		c := &Conn{srv: srv, nc: &fakeConn{w: &out}}
		s, _ := b.NewSession(context.Background(), c)
		c.sess = s
		c.drop, _ = s.Maildrop(context.Background(), "u")
		c.msgs, _ = c.drop.List(context.Background())
		if err := c.sendMessage(0, -1); err != nil {
			t.Fatal(err)
		}
		c.flush()
		_, got, _ := bytes.Cut(out.Bytes(), []byte("\r\n")) // skip the +OK line
		if !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("RETR sent %q, want %q", trunc(got), trunc(want.Bytes()))
		}
	})
}

// stepReader returns at most step octets per Read.
type stepReader struct {
	b    []byte
	step int
}

func (s *stepReader) Read(p []byte) (int, error) {
	if len(s.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), s.step)], s.b)
	s.b = s.b[n:]
	return n, nil
}

func trunc(b []byte) []byte {
	if len(b) > 200 {
		return b[:200]
	}
	return b
}
