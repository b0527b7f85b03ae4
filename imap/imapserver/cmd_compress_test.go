package imapserver

import (
	"bufio"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailwire/mailwire/imap/internal/compress"
)

// startCompression turns on DEFLATE on the test client's side after the
// server's OK (RFC 4978 §3).
func (c *client) startCompression() {
	c.t.Helper()
	if c.r.Buffered() > 0 {
		c.t.Fatal("server sent data after the COMPRESS OK")
	}
	zc, err := compress.NewConn(c.nc, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	c.nc = zc
	c.r = bufio.NewReader(zc)
}

// The RFC 4978 §3 example, after login: c COMPRESS DEFLATE, then the
// session continues compressed in both directions.
func TestCompressTranscript(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.dial(t)
	// COMPRESS is an authenticated-state command.
	c.expect("c0 COMPRESS DEFLATE", "c0 BAD")
	c.login()
	if capsRegistered(c.cmd("c1 CAPABILITY")) {
		mustContain(t, c.cmd("c1b CAPABILITY"), "COMPRESS=DEFLATE")
	}
	c.expect("c2 COMPRESS", "c2 BAD")
	c.expect("c3 COMPRESS LZW", "c3 BAD")
	c.expect("c4 COMPRESS DEFLATE extra", "c4 BAD")
	out := c.mustOK("c5 compress deflate")
	if last(out) != "c5 OK DEFLATE active" {
		t.Fatalf("got %q", out)
	}
	c.startCompression()
	out = c.mustOK("c6 CAPABILITY")
	mustNotContain(t, out, "COMPRESS=DEFLATE")
	// RFC 4978 §3: BAD for COMPRESS while compression is active.
	c.expect("c7 COMPRESS DEFLATE", "c7 BAD")
	ts.b.appendMsg("INBOX", simpleMsg)
	mustContain(t, c.selectBox("INBOX"), "* 1 EXISTS")
	out = c.mustOK("c8 FETCH 1 (BODY[])")
	mustContain(t, out, "how are you?")
	c.mustOK("c9 LOGOUT")
}

// IDLE over COMPRESS: an EXISTS pushed while the client waits arrives at
// once, which proves that the server flushes the compressor at every
// protocol flush point (RFC 4978 §4) and that its reader does not wait for
// more than the client sent.
func TestCompressIdlePush(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.dial(t).login()
	c.mustOK("z COMPRESS DEFLATE")
	c.startCompression()
	c.selectBox("INBOX")
	c.send("i IDLE\r\n")
	if l := c.readLine(); !strings.HasPrefix(l, "+") {
		t.Fatalf("got %q", l)
	}
	for i := 1; i <= 3; i++ {
		ts.b.appendMsg("INBOX", simpleMsg)
		c.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		l, err := c.r.ReadString('\n')
		for err == nil && strings.HasSuffix(l, " RECENT\r\n") {
			l, err = c.r.ReadString('\n')
		}
		if err != nil {
			t.Fatalf("push %d not received: %v", i, err)
		}
		if want := "* " + string(rune('0'+i)) + " EXISTS\r\n"; l != want {
			t.Fatalf("got %q want %q", l, want)
		}
	}
	c.send("DONE\r\n")
	if out := c.readUntilTag("i"); last(out) != "i OK IDLE terminated" {
		t.Fatalf("got %q", out)
	}
	c.mustOK("n NOOP")
}

// Large literals in both directions over COMPRESS.
func TestCompressAppendAndFetchLarge(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.dial(t).login()
	c.mustOK("z COMPRESS DEFLATE")
	c.startCompression()
	body := simpleMsg + strings.Repeat("0123456789abcdef\r\n", 20000)
	c.send("a APPEND INBOX {" + strconv.Itoa(len(body)) + "}\r\n")
	if l := c.readLine(); !strings.HasPrefix(l, "+") {
		t.Fatalf("got %q", l)
	}
	c.send(body + "\r\n")
	out := c.readUntilTag("a")
	if !strings.HasPrefix(last(out), "a OK [APPENDUID") {
		t.Fatalf("got %q", out)
	}
	c.selectBox("INBOX")
	out = c.mustOK("f FETCH 1 BODY.PEEK[]")
	if !strings.Contains(out[0], body) {
		t.Fatal("body differs after a compressed round trip")
	}
}

// capsRegistered reports whether the CAPABILITY response lists the
// extensions of ext.go (the registration in conn.go).
func capsRegistered(lines []string) bool { return contains(lines, " QUOTA") }
