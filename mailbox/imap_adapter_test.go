package mailbox

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/mailwire/mailwire/imap/imapserver"
	"github.com/mailwire/mailwire/internal/sasl"
)

// imapStores runs fn over a memory store and a Maildir store, both with the
// IMAP analyzer plugged in.
func imapStores(t *testing.T, fn func(t *testing.T, st Store)) {
	t.Run("memory", func(t *testing.T) {
		st := NewMemory(Options{Analyze: IMAPAnalyze})
		defer st.Close()
		fn(t, st)
	})
	t.Run("maildir", func(t *testing.T) {
		st, err := OpenMaildir(t.TempDir(), Options{Analyze: IMAPAnalyze})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		fn(t, st)
	})
}

func startIMAP(t *testing.T, st Store) string {
	t.Helper()
	if err := st.CreateUser(context.Background(), "user", "pass"); err != nil {
		t.Fatal(err)
	}
	srv := &imapserver.Server{Backend: NewIMAPBackend(st), AllowInsecureAuth: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

type imapTestClient struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func dialIMAP(t *testing.T, addr string) *imapTestClient {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	cl := &imapTestClient{t: t, c: c, r: bufio.NewReader(c)}
	cl.line()
	return cl
}

func (c *imapTestClient) line() string {
	c.t.Helper()
	c.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	l, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return strings.TrimRight(l, "\r\n")
}

// do sends a command (with inline literal+ data) and returns the whole
// response text; it fails unless the tagged response starts with want.
func (c *imapTestClient) do(cmd, want string) string {
	c.t.Helper()
	io.WriteString(c.c, cmd+"\r\n")
	tag := strings.Fields(cmd)[0]
	var b strings.Builder
	for {
		l := c.line()
		if i := strings.LastIndexByte(l, '{'); i >= 0 && strings.HasSuffix(l, "}") {
			var n int
			fmt.Sscanf(l[i+1:], "%d", &n)
			buf := make([]byte, n)
			io.ReadFull(c.r, buf)
			l += "\n" + string(buf)
		}
		b.WriteString(l + "\n")
		if strings.HasPrefix(l, tag+" ") {
			if !strings.HasPrefix(l, tag+" "+want) {
				c.t.Fatalf("%s: want %s, got:\n%s", cmd, want, b.String())
			}
			return b.String()
		}
	}
}

func mustHave(t *testing.T, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Fatalf("missing %q in:\n%s", w, out)
		}
	}
}

const adapterMsg = "From: Alice <alice@example.org>\r\nTo: bob@example.com\r\nSubject: hello\r\nMessage-ID: <m1@example.org>\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>hello</p>\r\n--b--\r\n"

func TestIMAPAdapterSession(t *testing.T) {
	imapStores(t, func(t *testing.T, st Store) {
		addr := startIMAP(t, st)
		a := dialIMAP(t, addr)
		a.do("1 LOGIN user wrong", "NO [AUTHENTICATIONFAILED]")
		a.do("2a AUTHENTICATE PLAIN AHVzZXIAd3Jvbmc=", "NO [AUTHENTICATIONFAILED]")
		mustHave(t, a.do("2b CAPABILITY", "OK"), "AUTH=SCRAM-SHA-256")
		a.do("2 AUTHENTICATE PLAIN AHVzZXIAcGFzcw==", "OK")
		mustHave(t, a.do(`3 LIST "" *`, "OK"), `"/" INBOX`, `\Sent) "/" Sent`, `\Trash) "/" Trash`)
		out := a.do(fmt.Sprintf("4 APPEND INBOX (\\Flagged) {%d+}\r\n%s", len(adapterMsg), adapterMsg), "OK [APPENDUID")
		_ = out
		mustHave(t, a.do("5 SELECT INBOX", "OK [READ-WRITE]"), "* 1 EXISTS", "[UIDNEXT 2]", "[HIGHESTMODSEQ")
		out = a.do("6 FETCH 1 (UID FLAGS RFC822.SIZE ENVELOPE BODYSTRUCTURE)", "OK")
		mustHave(t, out, `FLAGS (\Flagged)`, fmt.Sprintf("RFC822.SIZE %d", len(adapterMsg)),
			`ENVELOPE (NIL "hello" (("Alice" NIL "alice" "example.org"))`,
			`BODYSTRUCTURE (("TEXT" "PLAIN" NIL NIL NIL "7BIT" 5 1 NIL NIL NIL NIL)("TEXT" "HTML"`,
			`"ALTERNATIVE" ("BOUNDARY" "b")`)
		mustHave(t, a.do("7 FETCH 1 BODY[]", "OK"), `FLAGS (\Flagged \Seen)`, "<p>hello</p>")
		mustHave(t, a.do("8 FETCH 1 BODY.PEEK[2]", "OK"), "BODY[2] {12}\n<p>hello</p>")

		// A second session sees appends, flag changes and expunges
		// through the store's change feed.
		b := dialIMAP(t, addr)
		b.do("1 LOGIN user pass", "OK")
		b.do("2 SELECT INBOX", "OK")
		io.WriteString(b.c, "3 IDLE\r\n")
		if l := b.line(); !strings.HasPrefix(l, "+") {
			t.Fatalf("IDLE: %q", l)
		}
		a.do(fmt.Sprintf("9 APPEND INBOX {%d+}\r\n%s", len(adapterMsg), adapterMsg), "OK")
		if l := b.line(); l != "* 2 EXISTS" {
			t.Fatalf("IDLE got %q", l)
		}
		b.line() // RECENT
		a.do(`10 STORE 1 +FLAGS (\Deleted)`, "OK")
		if l := b.line(); !strings.Contains(l, `* 1 FETCH (UID 1 FLAGS (\Deleted \Flagged \Seen))`) {
			t.Fatalf("IDLE got %q", l)
		}
		mustHave(t, a.do("11 EXPUNGE", "OK"), "* 1 EXPUNGE")
		if l := b.line(); l != "* 1 EXPUNGE" {
			t.Fatalf("IDLE got %q", l)
		}
		io.WriteString(b.c, "DONE\r\n")
		b.line()
		mustHave(t, a.do("12 UID MOVE 2 Trash", "OK"), "[COPYUID", "* 1 EXPUNGE")
		mustHave(t, b.do("4 NOOP", "OK"), "* 1 EXPUNGE")
		mustHave(t, a.do("13 STATUS Trash (MESSAGES SIZE)", "OK"), fmt.Sprintf("(MESSAGES 1 SIZE %d)", len(adapterMsg)))
		a.do("14 CREATE Work/Projects", "OK")
		mustHave(t, a.do(`15 LIST "" Work/%`, "OK"), `"/" Work/Projects`)
		a.do("16 LOGOUT", "OK")
	})
}

func TestIMAPAdapterPythonAndCurl(t *testing.T) {
	py, pyErr := exec.LookPath("python3")
	curl, curlErr := exec.LookPath("curl")
	if pyErr != nil && curlErr != nil {
		t.Skip("neither python3 nor curl installed")
	}
	st, err := OpenMaildir(t.TempDir(), Options{Analyze: IMAPAnalyze})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	addr := startIMAP(t, st)
	host, port, _ := net.SplitHostPort(addr)
	if pyErr == nil {
		cmd := exec.Command(py, "../imap/imapserver/testdata/imaplib_client.py", host, port)
		stdout, _ := cmd.StdoutPipe()
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stdout)
		var lines []string
		for sc.Scan() {
			lines = append(lines, sc.Text())
			if sc.Text() == "IDLING" {
				if _, err := st.Append(context.Background(), "user", "INBOX", strings.NewReader(adapterMsg), nil, time.Time{}); err != nil {
					t.Error(err)
				}
			}
		}
		if err := cmd.Wait(); err != nil || len(lines) == 0 || lines[len(lines)-1] != "OK" {
			t.Fatalf("imaplib: %v %q\n%s", err, lines, stderr.String())
		}
	} else {
		t.Log("python3 not installed: imaplib part skipped")
	}
	if curlErr == nil {
		out, err := exec.Command(curl, "-sS", "--max-time", "10", "-u", "user:pass", "imap://"+addr+"/INBOX;UID=2").CombinedOutput()
		if err != nil || string(out) != adapterMsg {
			t.Fatalf("curl: %v\n%s", err, out)
		}
	} else {
		t.Log("curl not installed: curl part skipped")
	}
}

// Example_imapServer serves a mailwire store over IMAP: the adapter makes
// the store an imapserver.Backend, and IMAPAnalyze caches each message's
// structure when it is stored.
func Example_imapServer() {
	store := NewMemory(Options{Analyze: IMAPAnalyze}) // or OpenMaildir(dir, ...)
	defer store.Close()
	ctx := context.Background()
	store.CreateUser(ctx, "alice", "secret")
	store.Append(ctx, "alice", "INBOX", strings.NewReader("Subject: hi\r\n\r\nHello\r\n"), nil, time.Time{})

	srv := &imapserver.Server{
		Backend:           NewIMAPBackend(store),
		AllowInsecureAuth: true, // loopback demo only: use TLSConfig in production
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(ln)
	defer srv.Close()

	c, _ := net.Dial("tcp", ln.Addr().String())
	defer c.Close()
	r := bufio.NewReader(c)
	r.ReadString('\n') // greeting
	for _, cmd := range []string{"a LOGIN alice secret", "b SELECT INBOX", "c FETCH 1 (FLAGS ENVELOPE)", "d LOGOUT"} {
		fmt.Fprintf(c, "%s\r\n", cmd)
		tag := strings.Fields(cmd)[0]
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				return
			}
			if strings.Contains(l, "FETCH") || strings.HasPrefix(l, tag+" ") {
				fmt.Println(strings.Split(strings.TrimRight(l, "\r\n"), " [")[0])
			}
			if strings.HasPrefix(l, tag+" ") {
				break
			}
		}
	}
	// Output:
	// a OK
	// b OK
	// * 1 FETCH (FLAGS () ENVELOPE (NIL "hi" NIL NIL NIL NIL NIL NIL NIL NIL))
	// c OK FETCH completed
	// d OK LOGOUT completed
}

// TestIMAPAdapterScram authenticates with SCRAM-SHA-256 (RFC 7677) against
// the store's salted keys.
func TestIMAPAdapterScram(t *testing.T) {
	st := NewMemory(Options{Analyze: IMAPAnalyze})
	defer st.Close()
	addr := startIMAP(t, st)
	for _, pass := range []string{"wrong", "pass"} {
		c := dialIMAP(t, addr)
		cl := sasl.NewScramSHA256Client("", "user", pass)
		_, ir, err := cl.Start()
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(c.c, "a AUTHENTICATE SCRAM-SHA-256 "+base64.StdEncoding.EncodeToString(ir)+"\r\n")
		var final string
		for {
			l := c.line()
			if !strings.HasPrefix(l, "+ ") {
				final = l
				break
			}
			ch, _ := base64.StdEncoding.DecodeString(l[2:])
			resp, err := cl.Next(ch)
			if err != nil {
				io.WriteString(c.c, "*\r\n")
				continue
			}
			io.WriteString(c.c, base64.StdEncoding.EncodeToString(resp)+"\r\n")
		}
		want := "a OK"
		if pass == "wrong" {
			want = "a NO [AUTHENTICATIONFAILED]"
		}
		if !strings.HasPrefix(final, want) {
			t.Fatalf("password %q: got %q", pass, final)
		}
	}
}
