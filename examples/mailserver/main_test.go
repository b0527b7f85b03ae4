package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mailwire/mailwire/smtp"
)

// loopbackArgs puts every service on a free 127.0.0.1 port.
func loopbackArgs(dataDir string, extra ...string) []string {
	args := []string{"-data", dataDir}
	for _, s := range []string{"smtp", "submission", "smtps", "imap", "imaps", "pop3", "pop3s"} {
		args = append(args, "-"+s, "127.0.0.1:0")
	}
	return append(args, extra...)
}

// running is the server program run in-process, as `mailserver ARGS`.
type running struct {
	cancel context.CancelFunc
	done   chan error
	out    *syncBuffer
	errOut *syncBuffer
}

func runServer(t *testing.T, args ...string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan error, 1), out: &syncBuffer{}, errOut: &syncBuffer{}}
	go func() { r.done <- run(ctx, args, r.out, r.errOut) }()
	t.Cleanup(func() { r.stop(t) })
	waitFor(t, "the server banner", func() bool {
		select {
		case err := <-r.done:
			r.done <- err
			t.Fatalf("server exited: %v\n%s", err, r.errOut.String())
		default:
		}
		return strings.Contains(r.out.String(), "Ctrl-C stops the server")
	})
	return r
}

// stop is SIGINT: it cancels run's context and waits for a clean exit.
func (r *running) stop(t *testing.T) {
	t.Helper()
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("server exit: %v", err)
		}
	case <-time.After(testTimeout):
		t.Error("server did not stop")
	}
}

// addr returns the address printed in the banner for a service description.
func (r *running) addr(t *testing.T, what string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^\s+(\S+)\s+` + regexp.QuoteMeta(what) + `$`).FindStringSubmatch(r.out.String())
	if m == nil {
		t.Fatalf("banner has no %q:\n%s", what, r.out.String())
	}
	return m[1]
}

func TestRunFirstStartAndRestart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	r := runServer(t, loopbackArgs(dir)...)
	banner := r.out.String()
	for _, want := range []string{"data directory: " + dir, "generated a self-signed development certificate", "mailwire mailserver for localhost"} {
		if !strings.Contains(banner, want) {
			t.Fatalf("banner lacks %q:\n%s", want, banner)
		}
	}
	m := regexp.MustCompile(`created user "postmaster" with password (\S+)`).FindStringSubmatch(banner)
	if m == nil {
		t.Fatalf("no first user in banner:\n%s", banner)
	}
	// The printed password works, over IMAP with STARTTLS.
	im := imapDial(t, r.addr(t, "IMAP (STARTTLS)"), "postmaster", m[1])
	im.ok("SELECT INBOX")
	im.c.Close()
	cert, err := os.ReadFile(filepath.Join(dir, "selfsigned-cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	r.stop(t)

	// A restart keeps the certificate and the user, and prints no password.
	r = runServer(t, loopbackArgs(dir)...)
	if b := r.out.String(); strings.Contains(b, "created user") || strings.Contains(b, "generated a self-signed") {
		t.Fatalf("restart banner:\n%s", b)
	}
	cert2, _ := os.ReadFile(filepath.Join(dir, "selfsigned-cert.pem"))
	if string(cert) != string(cert2) {
		t.Fatal("certificate regenerated on restart")
	}
	im = imapDial(t, r.addr(t, "IMAP (STARTTLS)"), "postmaster", m[1])
	im.ok("LOGOUT")
}

func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	badCert := filepath.Join(dir, "bad.pem")
	os.WriteFile(badCert, []byte("not a certificate"), 0o600)

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"-nope"}, "flag provided but not defined"},
		{"bad address", loopbackArgs(dir, "-smtp", "nonsense"), "-smtp"},
		{"port in use", loopbackArgs(dir, "-imap", busy.Addr().String()), "-imap: cannot listen on " + busy.Addr().String()},
		{"missing certificate", loopbackArgs(dir, "-cert", filepath.Join(dir, "none.pem"), "-key", filepath.Join(dir, "none.key")), "loading certificate"},
		{"unreadable certificate", loopbackArgs(dir, "-cert", badCert, "-key", badCert), "loading certificate"},
		{"cert without key", loopbackArgs(dir, "-cert", badCert), "-cert and -key must be given together"},
		{"bad log level", loopbackArgs(dir, "-log-level", "loud"), "-log-level"},
		{"bad relay policy", loopbackArgs(dir, "-relay-tls", "maybe"), "relay-tls"},
		{"no domains", loopbackArgs(dir, "-domains", ","), "domains"},
		{"stray argument", loopbackArgs(dir, "serve"), `unexpected argument "serve"`},
		{"missing config file", loopbackArgs(dir, "-config", filepath.Join(dir, "none.conf")), "config file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut syncBuffer
			err := run(context.Background(), tc.args, &out, &errOut)
			if err == nil || !strings.Contains(err.Error()+errOut.String(), tc.want) {
				t.Fatalf("got %v (stderr %q), want an error mentioning %q", err, errOut.String(), tc.want)
			}
		})
	}

	t.Run("data directory in use", func(t *testing.T) {
		in := startInstance(t, testConfig(t, "127.0.0.1", "localhost"))
		err := run(context.Background(), loopbackArgs(in.Config.DataDir), &syncBuffer{}, &syncBuffer{})
		if !errors.Is(err, errDataDirInUse) {
			t.Fatalf("got %v", err)
		}
	})
}

func TestConfigFile(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "mailserver.conf")
	text := "# test configuration\ndomains = x.test, Y.test\nhostname mail.x.test\nsend-limit = 7\nsmtp = \"127.0.0.1:0\"\n"
	os.WriteFile(conf, []byte(text), 0o600)
	cfg := DefaultConfig()
	if err := parseConfig(&cfg, []string{"-config", conf, "-send-limit", "9"}, &syncBuffer{}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(cfg.Domains, ",") != "x.test,y.test" || cfg.Hostname != "mail.x.test" || cfg.SMTP != "127.0.0.1:0" {
		t.Fatalf("config: %+v", cfg)
	}
	if cfg.SendLimit != 9 {
		t.Fatalf("command line must win over the file: send-limit %d", cfg.SendLimit)
	}
	os.WriteFile(conf, []byte("colour = blue\n"), 0o600)
	cfg = DefaultConfig()
	if err := parseConfig(&cfg, []string{"-config", conf}, &syncBuffer{}); err == nil || !strings.Contains(err.Error(), `unknown setting "colour"`) {
		t.Fatalf("got %v", err)
	}
}

// sub runs a subcommand in-process and returns its output.
func sub(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut syncBuffer
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	err := run(ctx, args, &out, &errOut)
	return out.String(), err
}

func TestSubcommands(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	os.MkdirAll(dir, 0o700)

	// Offline: the store is changed directly.
	if out, err := sub(t, "useradd", "erin", "-password", "erin-pw", "-data", dir); err != nil || !strings.Contains(out, "created user erin") {
		t.Fatalf("useradd: %q %v", out, err)
	}
	if out, err := sub(t, "useradd", "-data", dir, "frank"); err != nil || !regexp.MustCompile(`password for frank: \S{20}`).MatchString(out) {
		t.Fatalf("useradd without password: %q %v", out, err)
	}
	if _, err := sub(t, "useradd", "erin", "-data", dir); err == nil {
		t.Fatal("duplicate user accepted")
	}
	if _, err := sub(t, "useradd", "erin@x.test", "-data", dir); err == nil || !strings.Contains(err.Error(), "local parts") {
		t.Fatalf("address as user name: %v", err)
	}
	if _, err := sub(t, "queue", "list", "-data", dir); err == nil || !strings.Contains(err.Error(), "start it") {
		t.Fatalf("offline queue list: %v", err)
	}
	if _, err := sub(t, "frobnicate", "-data", dir); err == nil {
		t.Fatal("unknown subcommand accepted")
	}
	if _, err := sub(t, "userdel", "-data", dir); err == nil {
		t.Fatal("userdel without a name accepted")
	}

	// Online: through the running server's control socket, effective at once.
	r := runServer(t, loopbackArgs(dir)...)
	if strings.Contains(r.out.String(), "created user") {
		t.Fatal("first user created although users exist")
	}
	if out, err := sub(t, "users", "-data", dir); err != nil || out != "erin\nfrank\n" {
		t.Fatalf("users: %q %v", out, err)
	}
	if _, err := sub(t, "useradd", "gina", "-password", "gina-pw", "-data", dir); err != nil {
		t.Fatal(err)
	}
	imapAddr := r.addr(t, "IMAP (STARTTLS)")
	imapDial(t, imapAddr, "gina", "gina-pw").ok("LOGOUT")
	if _, err := sub(t, "passwd", "gina", "-password", "new-pw", "-data", dir); err != nil {
		t.Fatal(err)
	}
	imapDial(t, imapAddr, "gina", "new-pw").ok("LOGOUT")
	if _, err := sub(t, "userdel", "frank", "-data", dir); err != nil {
		t.Fatal(err)
	}
	if out, _ := sub(t, "users", "-data", dir); out != "erin\ngina\n" {
		t.Fatalf("users after userdel: %q", out)
	}
	if out, err := sub(t, "queue", "list", "-data", dir); err != nil || !strings.Contains(out, "queue is empty") {
		t.Fatalf("queue list: %q %v", out, err)
	}
	if out, err := sub(t, "queue", "flush", "-data", dir); err != nil || !strings.Contains(out, "0 message(s)") {
		t.Fatalf("queue flush: %q %v", out, err)
	}
	if _, err := sub(t, "queue", "remove", "no-such-id", "-data", dir); err == nil {
		t.Fatal("queue remove of an unknown id succeeded")
	}
}

// TestQueueSubcommands: a message for an unreachable domain shows up in
// "queue list", "queue flush" retries it and "queue remove" drops it.
func TestQueueSubcommands(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	os.MkdirAll(dir, 0o700)
	if _, err := sub(t, "useradd", "hal", "-password", "hal-pw", "-data", dir); err != nil {
		t.Fatal(err)
	}
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	deadAddr := dead.Addr().String()
	dead.Close() // nothing listens there: every attempt fails temporarily
	r := runServer(t, loopbackArgs(dir, "-smarthost", deadAddr, "-retry-min", "1h", "-retry-max", "2h")...)
	msg := message("hal@localhost", "someone@far.example", "stuck", "waiting in the queue")
	if err := submit(t, r.addr(t, "submission (STARTTLS, AUTH required)"), "hal", "hal-pw", "hal@localhost", []string{"someone@far.example"}, msg); err != nil {
		t.Fatal(err)
	}
	var id string
	waitFor(t, "a failed attempt in queue list", func() bool {
		out, err := sub(t, "queue", "list", "-data", dir)
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`(?m)^(\S+)\s.*someone@far\.example\s+temporary\s+1\s`).FindStringSubmatch(out)
		if m == nil {
			m = regexp.MustCompile(`(?m)^(\S+)\s.*someone@far\.example\s+\S+\s+1\s`).FindStringSubmatch(out)
		}
		if m != nil {
			id = m[1]
		}
		return m != nil
	})
	if out, err := sub(t, "queue", "flush", "-data", dir); err != nil || !strings.Contains(out, "1 message(s)") {
		t.Fatalf("flush: %q %v", out, err)
	}
	waitFor(t, "the second attempt", func() bool {
		out, _ := sub(t, "queue", "list", "-data", dir)
		return regexp.MustCompile(`someone@far\.example\s+\S+\s+2\s`).MatchString(out)
	})
	if _, err := sub(t, "queue", "remove", id, "-data", dir); err != nil {
		t.Fatal(err)
	}
	if out, _ := sub(t, "queue", "list", "-data", dir); !strings.Contains(out, "queue is empty") {
		t.Fatalf("after remove: %s", out)
	}
}

// TestShutdownLosesNoAcknowledgedMessage: messages arrive on the MX while
// the server shuts down; after a restart every message that got its 250
// is in the mailbox.
func TestShutdownLosesNoAcknowledgedMessage(t *testing.T) {
	cfg := testConfig(t, "127.0.0.1", "localhost")
	in := startInstance(t, cfg)
	addUser(t, in, "ivy", "ivy-pw")
	mx := in.Addrs["smtp"]
	var acked atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
				err := mxSend(ctx, mx, "sender@example.org", "ivy@localhost",
					message("sender@example.org", "ivy@localhost", fmt.Sprintf("w%d-%d", w, i), strings.Repeat("x", 10000)))
				cancel()
				if err != nil {
					return // the server is going away
				}
				acked.Add(1)
			}
		}()
	}
	var failed atomic.Bool
	go func() { wg.Wait(); failed.Store(true) }()
	waitFor(t, "some deliveries", func() bool {
		if failed.Load() {
			t.Fatal("every sender failed before the shutdown")
		}
		return acked.Load() >= 8
	})
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	if err := in.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()

	in2 := startInstance(t, cfg)
	st, err := in2.Store.Status(ctx, "ivy", "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	if int64(st.Messages) < acked.Load() {
		t.Fatalf("%d messages acknowledged, %d in the mailbox after restart", acked.Load(), st.Messages)
	}
}

// mxSend delivers one message to an MX in cleartext.
func mxSend(ctx context.Context, addr, from, to, msg string) error {
	c, err := smtp.Dial(ctx, addr, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.Send(ctx, from, []string{to}, strings.NewReader(msg), nil); err != nil {
		return err
	}
	return c.Quit()
}
