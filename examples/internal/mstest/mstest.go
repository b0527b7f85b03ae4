// Package mstest runs examples/mailserver in-process for the tests of the
// client examples: free 127.0.0.1 ports, a fresh data directory, and a
// real DNS server (dnsmasq) when a test needs MX records.
package mstest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/mailwire/mailwire/dnsmx"
	"github.com/mailwire/mailwire/examples/mailserver/server"
)

// Timeout bounds every wait: generous, the machine may be loaded.
const Timeout = 90 * time.Second

// Server is a mailserver running in this process.
type Server struct {
	*server.Instance
}

// Start runs the mailserver with every service on a free 127.0.0.1 port
// and a fresh data directory; configure may change the configuration. It
// is shut down when the test ends.
func Start(t *testing.T, configure func(*server.Config)) *Server {
	t.Helper()
	cfg := server.DefaultConfig()
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	cfg.FirstUser = ""
	for _, addr := range []*string{&cfg.SMTP, &cfg.Submission, &cfg.SMTPS, &cfg.IMAP, &cfg.IMAPS, &cfg.POP3, &cfg.POP3S} {
		*addr = "127.0.0.1:0"
	}
	if configure != nil {
		configure(&cfg)
	}
	logs := &syncBuffer{}
	in, err := server.Start(context.Background(), cfg, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatalf("start mailserver: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), Timeout)
		defer cancel()
		if err := in.Shutdown(ctx); err != nil {
			t.Errorf("mailserver shutdown: %v", err)
		}
		if t.Failed() {
			t.Logf("mailserver log:\n%s", logs.String())
		}
	})
	return &Server{in}
}

// AddUser creates an account.
func (s *Server) AddUser(t *testing.T, name, password string) {
	t.Helper()
	if err := s.Store.CreateUser(context.Background(), name, password); err != nil {
		t.Fatal(err)
	}
}

// Count returns the number of messages in a user's mailbox.
func (s *Server) Count(t *testing.T, user, mailbox string) int {
	t.Helper()
	st, err := s.Store.Status(context.Background(), user, mailbox)
	if err != nil {
		t.Fatal(err)
	}
	return int(st.Messages)
}

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

// WaitFor polls cond until it holds or Timeout passes.
func WaitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(Timeout)
	for delay := time.Millisecond; !cond(); delay = min(2*delay, 100*time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(delay)
	}
}

// StartDnsmasq runs dnsmasq on a free 127.0.0.1 port, authoritative for
// "test", with the given record options; it skips without dnsmasq.
func StartDnsmasq(t *testing.T, records ...string) string {
	t.Helper()
	bin, err := exec.LookPath("dnsmasq")
	if err != nil {
		if bin, err = exec.LookPath("/usr/sbin/dnsmasq"); err != nil {
			t.Skip("dnsmasq not installed (apt-get install dnsmasq-base)")
		}
	}
	var lastErr error
	for range 10 {
		port := freePort(t)
		args := []string{"--keep-in-foreground", "--no-resolv", "--no-hosts", "--no-daemon",
			"--conf-file=/dev/null", "--pid-file=", "--log-facility=-",
			"--listen-address=127.0.0.1", "--bind-interfaces", fmt.Sprintf("--port=%d", port), "--local=/test/"}
		if os.Geteuid() == 0 {
			args = append(args, "--user=root")
		}
		cmd := exec.Command(bin, append(args, records...)...)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		if dnsReady(addr, exited) {
			t.Cleanup(func() { cmd.Process.Kill(); <-exited })
			return addr
		}
		cmd.Process.Kill()
		// Usually the port was taken meanwhile ("in use"): try another.
		lastErr = fmt.Errorf("%v: %s", <-exited, out.String())
	}
	t.Fatalf("dnsmasq did not start: %v", lastErr)
	return ""
}

func dnsReady(addr string, exited chan error) bool {
	c := &dnsmx.DNSClient{Server: addr, Timeout: 200 * time.Millisecond, Attempts: 1}
	for range 100 {
		select {
		case err := <-exited:
			exited <- err
			return false
		default:
		}
		_, err := c.LookupTXT(context.Background(), "ready.test")
		var de *net.DNSError
		if err == nil || errors.As(err, &de) && de.IsNotFound {
			return true
		}
	}
	return false
}

func freePort(t *testing.T) int {
	t.Helper()
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		p, err := net.ListenPacket("udp", l.Addr().String())
		l.Close()
		if err == nil {
			p.Close()
			return port
		}
	}
	t.Fatal("no free port")
	return 0
}
