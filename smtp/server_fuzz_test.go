package smtp

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// srvFakeConn is an in-memory net.Conn: reads come from r, writes go to w.
type srvFakeConn struct {
	r io.Reader
	w io.Writer
}

func (c *srvFakeConn) Read(p []byte) (int, error)  { return c.r.Read(p) }
func (c *srvFakeConn) Write(p []byte) (int, error) { return c.w.Write(p) }
func (c *srvFakeConn) Close() error                { return nil }
func (c *srvFakeConn) LocalAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 25}
}
func (c *srvFakeConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}
}
func (c *srvFakeConn) SetDeadline(time.Time) error      { return nil }
func (c *srvFakeConn) SetReadDeadline(time.Time) error  { return nil }
func (c *srvFakeConn) SetWriteDeadline(time.Time) error { return nil }

// srvPanicDetector is a slog handler that remembers whether a panic was
// logged (the connection recovers panics; the fuzzers must still see them).
type srvPanicDetector struct{ panicked atomic.Bool }

func (h *srvPanicDetector) Enabled(context.Context, slog.Level) bool { return true }
func (h *srvPanicDetector) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, "panic") {
		h.panicked.Store(true)
	}
	return nil
}
func (h *srvPanicDetector) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *srvPanicDetector) WithGroup(string) slog.Handler      { return h }

// srvServeBytes runs one whole connection over input and returns what the
// server wrote.
func srvServeBytes(t testing.TB, s *Server, input []byte) []byte {
	det := &srvPanicDetector{}
	s.Logger = slog.New(det)
	if s.Hostname == "" {
		s.Hostname = "mx.test"
	}
	s.AuthFailureDelay = -1
	s.init()
	var out bytes.Buffer
	c := newConn(s, &srvFakeConn{r: bytes.NewReader(input), w: &out})
	s.mu.Lock()
	s.conns[c] = struct{}{}
	s.connWG.Add(1)
	s.nconns.Add(1)
	s.mu.Unlock()
	c.serve()
	if det.panicked.Load() {
		t.Fatalf("panic serving %q", input)
	}
	return out.Bytes()
}

func FuzzCommandParser(f *testing.F) {
	seeds := []string{
		"EHLO a.test\r\nMAIL FROM:<a@b.c> SIZE=10 BODY=8BITMIME\r\nRCPT TO:<d@e.f> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;d@e.f\r\nDATA\r\nhi\r\n.\r\nQUIT\r\n",
		"HELO x\r\nRSET\r\nNOOP\r\nVRFY x\r\nEXPN y\r\nHELP\r\nFOO\r\n\r\n",
		"EHLO a.test\r\nAUTH PLAIN AGFsaWNlAHNlY3JldA==\r\nAUTH LOGIN\r\n*\r\nAUTH PLAIN\r\nAGFsaWNlAHNlY3JldA==\r\n",
		"EHLO a.test\r\nMAIL FROM:<> RET=HDRS ENVID=x+2B SMTPUTF8\r\nRCPT TO:<Postmaster>\r\nBDAT 3\r\nabcBDAT 0 LAST\r\n",
		"LHLO a\r\nMAIL FROM:<@r.t,@s.t:a@[1.2.3.4]>\r\nRCPT TO:<\"q \\\" x\"@b.c>\r\nBDAT 99999999999999999999\r\n",
		"EHLO a\r\nSTARTTLS\r\nMAIL FROM:<ü@例え.jp> SMTPUTF8\r\nRCPT TO:<a@b.c>\r\nDATA\r\n.\r\n",
		"EHLO a\r\nMAIL FROM:<a@b.c> AUTH=<>\r\nRCPT TO:<x@y.z>\r\nBDAT 5 LAST\r\n12345RSET\r\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s), uint8(0))
		f.Add([]byte(s), uint8(0xff))
	}
	f.Fuzz(func(t *testing.T, input []byte, flags uint8) {
		s := &Server{
			Backend:           &srvBackend{users: map[string]string{"alice": "secret"}},
			LMTP:              flags&1 != 0,
			Submission:        flags&2 != 0,
			AllowInsecureAuth: flags&4 != 0,
			EnableSMTPUTF8:    flags&8 != 0,
			EnableDSN:         flags&16 != 0,
			EnableBINARYMIME:  flags&32 != 0,
			MaxMessageBytes:   1000,
			MaxRecipients:     5,
			MaxErrors:         1000,
		}
		out := srvServeBytes(t, s, input)
		// Every reply line is well formed: three digits then ' ' or '-'.
		for _, line := range bytes.Split(bytes.TrimSuffix(out, []byte("\r\n")), []byte("\r\n")) {
			if len(line) < 4 || line[0] < '2' || line[0] > '5' || (line[3] != ' ' && line[3] != '-') {
				t.Fatalf("malformed reply line %q", line)
			}
		}
	})
}

func FuzzAddressParams(f *testing.F) {
	for _, s := range []string{
		"<a@b.c>", "<> SIZE=100", " <a.b@c-d.e> BODY=8BITMIME RET=FULL", "<@a.b,@c.d:x@y.z>",
		"<\"a b\\\"c\"@[IPv6:::1]>", "<ü@例え.jp> SMTPUTF8", "<postmaster>", "<a@b.c> NOTIFY=NEVER ORCPT=rfc822;a+40b.c",
		"<a@b.c> ENVID=+2B+3D", "<a@@b>", "<.a@b>", "<a@b.c>x",
	} {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, arg []byte, utf8 bool) {
		addr, params, perr := parsePathArg(arg, utf8, true)
		if perr == pathOK {
			if len(addr) > maxPath {
				t.Fatalf("path too long accepted: %q", addr)
			}
			if len(addr) > 0 {
				// What was accepted parses again, alone, to the same mailbox.
				got, err := ParsePath("<"+string(addr)+">", utf8)
				if err != nil || got != string(addr) {
					t.Fatalf("re-parse of %q: %q %v", addr, got, err)
				}
			}
			for {
				key, val, rest, ok, bad := nextParam(params)
				if bad || !ok {
					break
				}
				if len(key) == 0 {
					t.Fatal("empty keyword")
				}
				decodeXtext(val, utf8)
				parseSize(val)
				var o RcptOptions
				parseNotify(val, &o)
				params = rest
			}
		}
		ParsePath(string(arg), utf8)
	})
}

// FuzzServerData checks the DATA path against a reference: the message
// ends at the first <CRLF>.<CRLF> only; a body with a bare CR or LF is
// refused; otherwise the backend gets exactly the unstuffed body.
func FuzzServerData(f *testing.F) {
	for _, s := range []string{
		"hello\r\n.\r\n", ".\r\n", "..x\r\n.\r\n", "a\n.\nb\r\n.\r\n", "a\r.\rb\r\n.\r\n",
		"a\r\n.\nMAIL FROM:<x@y.z>\r\n.\r\n", "line\r\n..\r\n...\r\n.\r\n", "no end\r\n", "\r\n.\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		b := &srvBackend{}
		s := &Server{Backend: b, MaxMessageBytes: 1 << 20}
		pre := "EHLO a.test\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\n"
		out := srvServeBytes(t, s, append([]byte(pre), body...))

		stream := "\r\n" + string(body)
		end := strings.Index(stream, "\r\n.\r\n")
		msgs := b.messages()
		if end < 0 {
			for _, m := range msgs {
				if m.err == nil {
					t.Fatalf("message accepted without a terminator: %q", body)
				}
			}
			if bytes.Contains(out, []byte("Message accepted")) {
				t.Fatalf("250 without a terminator: %q", body)
			}
			return
		}
		content := stream[2 : end+2]
		bare := strings.Count(content, "\n") != strings.Count(content, "\r\n") ||
			strings.Count(content, "\r") != strings.Count(content, "\r\n")
		if bare {
			if bytes.Contains(out, []byte("Message accepted")) {
				t.Fatalf("body with bare CR/LF accepted: %q", body)
			}
			return
		}
		var want strings.Builder
		for _, line := range strings.SplitAfter(content, "\r\n") {
			want.WriteString(strings.TrimPrefix(line, "."))
		}
		if len(msgs) != 1 || msgs[0].err != nil || msgs[0].body != want.String() {
			t.Fatalf("body %q: got %+v, want %q", body, msgs, want.String())
		}
		if !bytes.Contains(out, []byte("250 2.0.0 Message accepted")) {
			t.Fatalf("no 250 for %q: %q", body, out)
		}
	})
}
