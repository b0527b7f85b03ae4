package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"github.com/mailwire/mailwire/examples/internal/mstest"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailwire/mailwire/pop3"
	"github.com/mailwire/mailwire/smtp"
)

// testTimeout bounds every network operation and every wait for an
// asynchronous delivery: generous, because other tests load the machine.
const testTimeout = 60 * time.Second

// syncBuffer collects the instance's log; it is printed if the test fails.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testConfig is a configuration on ip with every service on a free port.
func testConfig(t *testing.T, ip, domain string) Config {
	cfg := DefaultConfig()
	cfg.DataDir = filepath.Join(t.TempDir(), domain)
	cfg.Hostname = "mx." + domain
	cfg.Domains = []string{domain}
	any := ip + ":0"
	cfg.SMTP, cfg.Submission, cfg.SMTPS = any, any, any
	cfg.IMAP, cfg.IMAPS, cfg.POP3, cfg.POP3S = any, any, any, any
	cfg.FirstUser = ""
	cfg.RetryMin, cfg.RetryMax = time.Hour, 2*time.Hour // tests flush the queue explicitly
	return cfg
}

// startInstance starts a server and stops it at the end of the test.
func startInstance(t *testing.T, cfg Config) *Instance {
	t.Helper()
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	in, err := Start(context.Background(), cfg, logger)
	if err != nil {
		t.Fatalf("Start %s: %v", cfg.Hostname, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		if err := in.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown %s: %v", cfg.Hostname, err)
		}
		if t.Failed() {
			t.Logf("log of %s:\n%s", cfg.Hostname, logs.String())
		}
	})
	return in
}

// addUser creates a user in a running instance.
func addUser(t *testing.T, in *Instance, name, password string) {
	t.Helper()
	if err := in.Store.CreateUser(context.Background(), name, password); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond until it holds or testTimeout passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for delay := time.Millisecond; !cond(); delay = min(2*delay, 100*time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(delay) // polling an asynchronous delivery, not a fixed wait
	}
}

// waitMessages waits until user's mailbox holds n messages.
func waitMessages(t *testing.T, in *Instance, user, mailbox string, n uint32) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d message(s) in %s's %s", n, user, mailbox), func() bool {
		st, err := in.Store.Status(context.Background(), user, mailbox)
		return err == nil && st.Messages == n
	})
}

var insecureTLS = &tls.Config{InsecureSkipVerify: true}

// submit sends one message through the submission port with STARTTLS and
// AUTH PLAIN.
func submit(t *testing.T, addr, user, password, from string, to []string, msg string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	c, err := smtp.Dial(ctx, addr, &smtp.ClientOptions{TLSConfig: insecureTLS, LocalName: "client.test"})
	if err != nil {
		t.Fatalf("dial submission %s: %v", addr, err)
	}
	defer c.Close()
	if err := c.StartTLS(nil); err != nil {
		t.Fatalf("STARTTLS: %v", err)
	}
	if err := c.Auth(smtp.PlainAuth("", user, password)); err != nil {
		t.Fatalf("AUTH: %v", err)
	}
	if _, err := c.Send(ctx, from, to, strings.NewReader(msg), nil); err != nil {
		return err
	}
	return c.Quit()
}

func message(from, to, subject, body string, extra ...string) string {
	h := fmt.Sprintf("From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%d.%s>\r\n",
		from, to, subject, time.Now().Format(time.RFC1123Z), time.Now().UnixNano(), from)
	for _, e := range extra {
		h += e + "\r\n"
	}
	return h + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n"
}

// popDial logs in over POP3 with STLS.
func popDial(t *testing.T, addr, user, password string) *pop3.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	c, err := pop3.Dial(ctx, addr, &pop3.DialOptions{TLSConfig: insecureTLS, Timeout: testTimeout})
	if err != nil {
		t.Fatalf("pop3 dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.StartTLS(ctx, insecureTLS); err != nil {
		t.Fatalf("STLS: %v", err)
	}
	if err := c.Login(ctx, user, password); err != nil {
		t.Fatalf("pop3 login: %v", err)
	}
	return c
}

// imapConn is a minimal IMAP test client (the library's imapclient is
// exercised elsewhere): tagged commands, responses with literals inlined.
type imapConn struct {
	t   *testing.T
	c   net.Conn
	r   *bufio.Reader
	tag int
}

// imapDial connects to the STARTTLS port, upgrades and logs in.
func imapDial(t *testing.T, addr, user, password string) *imapConn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, testTimeout)
	if err != nil {
		t.Fatalf("imap dial: %v", err)
	}
	c := &imapConn{t: t, c: nc, r: bufio.NewReader(nc)}
	t.Cleanup(func() { c.c.Close() })
	if g := c.readLine(); !strings.HasPrefix(g, "* OK") {
		t.Fatalf("imap greeting %q", g)
	}
	c.ok("STARTTLS")
	tc := tls.Client(nc, insecureTLS)
	c.c, c.r = tc, bufio.NewReader(tc)
	c.ok("LOGIN %s %s", user, password)
	return c
}

func (c *imapConn) readLine() string {
	c.t.Helper()
	c.c.SetReadDeadline(time.Now().Add(testTimeout))
	line, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("imap read: %v (got %q)", err, line)
	}
	return strings.TrimRight(line, "\r\n")
}

var literalRE = regexp.MustCompile(`\{(\d+)\}$`)

// readResponse reads one response line with its literals.
func (c *imapConn) readResponse() string {
	c.t.Helper()
	var sb strings.Builder
	for {
		line := c.readLine()
		sb.WriteString(line)
		m := literalRE.FindStringSubmatch(line)
		if m == nil {
			return sb.String()
		}
		n, _ := strconv.Atoi(m[1])
		buf := make([]byte, n)
		if _, err := io.ReadFull(c.r, buf); err != nil {
			c.t.Fatalf("imap literal: %v", err)
		}
		sb.WriteString("\n")
		sb.Write(buf)
	}
}

// cmd sends a command and returns its untagged responses and the tagged
// status line.
func (c *imapConn) cmd(format string, args ...any) (untagged []string, status string) {
	c.t.Helper()
	c.tag++
	tag := fmt.Sprintf("T%d", c.tag)
	c.c.SetWriteDeadline(time.Now().Add(testTimeout))
	if _, err := fmt.Fprintf(c.c, "%s %s\r\n", tag, fmt.Sprintf(format, args...)); err != nil {
		c.t.Fatalf("imap write: %v", err)
	}
	for {
		r := c.readResponse()
		if strings.HasPrefix(r, tag+" ") {
			return untagged, strings.TrimPrefix(r, tag+" ")
		}
		untagged = append(untagged, r)
	}
}

// ok runs a command that must succeed and returns its untagged responses
// joined by newlines.
func (c *imapConn) ok(format string, args ...any) string {
	c.t.Helper()
	u, st := c.cmd(format, args...)
	if !strings.HasPrefix(st, "OK") {
		c.t.Fatalf("IMAP %s: %s\n%s", strings.Fields(fmt.Sprintf(format, args...))[0], st, strings.Join(u, "\n"))
	}
	return strings.Join(u, "\n")
}

// startDnsmasq runs a real DNS server on 127.0.0.1 at a free port,
// authoritative for "test", serving the given dnsmasq record options. It
// skips when dnsmasq is missing; .ci/run installs dnsmasq-base.
func startDnsmasq(t *testing.T, records ...string) string {
	t.Helper()
	return mstest.StartDnsmasq(t, records...)
}

// loopbackUsable reports whether ip (e.g. 127.0.0.2) can be bound.
func loopbackUsable(ip string) bool {
	l, err := net.Listen("tcp", ip+":0")
	if err != nil {
		return false
	}
	l.Close()
	return true
}
