// Package mstest runs examples/mailserver for the tests of the client
// examples: it builds the program, starts it on free 127.0.0.1 ports with
// a fresh data directory and reads the addresses from its banner.
package mstest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mailwire/mailwire/dnsmx"
)

// Timeout bounds every wait: generous, the machine may be loaded.
const Timeout = 90 * time.Second

// Server is a running mailserver process.
type Server struct {
	Bin     string
	DataDir string
	// Addrs maps smtp, submission, smtps, imap, imaps, pop3, pop3s to
	// the addresses the server listens on.
	Addrs map[string]string
	cmd   *exec.Cmd
	log   *bytes.Buffer
}

var descriptions = map[string]string{
	"SMTP (MX, incoming mail for local domains)": "smtp",
	"submission (STARTTLS, AUTH required)":       "submission",
	"submission over implicit TLS":               "smtps",
	"IMAP (STARTTLS)":                            "imap",
	"IMAP over implicit TLS":                     "imaps",
	"POP3 (STLS)":                                "pop3",
	"POP3 over implicit TLS":                     "pop3s",
}

var build struct {
	sync.Mutex
	dir, bin string
	err      error
}

// Main is TestMain for packages that use Start: it runs the tests and
// removes the mailserver binary built for them.
func Main(m *testing.M) {
	code := m.Run()
	if build.dir != "" {
		os.RemoveAll(build.dir)
	}
	os.Exit(code)
}

// Build compiles examples/mailserver once per test binary.
func Build(t *testing.T) string {
	t.Helper()
	build.Lock()
	defer build.Unlock()
	if build.bin == "" && build.err == nil {
		build.dir, build.err = os.MkdirTemp("", "mstest-")
		if build.err == nil {
			bin := filepath.Join(build.dir, "mailserver")
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			defer cancel()
			out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/mailwire/mailwire/examples/mailserver").CombinedOutput()
			if err != nil {
				build.err = fmt.Errorf("go build mailserver: %v\n%s", err, out)
			} else {
				build.bin = bin
			}
		}
	}
	if build.err != nil {
		t.Fatal(build.err)
	}
	return build.bin
}

// Start runs the mailserver with every service on a free 127.0.0.1 port
// and extra flags; it is stopped with SIGINT when the test ends.
func Start(t *testing.T, extra ...string) *Server {
	t.Helper()
	s := &Server{Bin: Build(t), DataDir: filepath.Join(t.TempDir(), "data"), Addrs: map[string]string{}, log: &bytes.Buffer{}}
	args := []string{"-data", s.DataDir, "-first-user", ""}
	for _, name := range descriptions {
		args = append(args, "-"+name, "127.0.0.1:0")
	}
	s.cmd = exec.Command(s.Bin, append(args, extra...)...)
	s.cmd.Stderr = s.log
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Stop(t) })
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		re := regexp.MustCompile(`^\s+(\S+)\s+(.+)$`)
		for sc.Scan() {
			line := sc.Text()
			if m := re.FindStringSubmatch(line); m != nil {
				if name, ok := descriptions[m[2]]; ok {
					s.Addrs[name] = m[1]
				}
			}
			if strings.Contains(line, "Ctrl-C stops the server") {
				ready <- nil
				io.Copy(io.Discard, stdout)
				return
			}
		}
		ready <- errors.New("mailserver exited before its banner")
	}()
	select {
	case err := <-ready:
		if err != nil {
			s.cmd.Wait()
			t.Fatalf("%v\n%s", err, s.log.String())
		}
	case <-time.After(Timeout):
		t.Fatal("mailserver did not start")
	}
	return s
}

// Stop sends SIGINT and waits for a clean exit.
func (s *Server) Stop(t *testing.T) {
	if s.cmd == nil {
		return
	}
	cmd := s.cmd
	s.cmd = nil
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("mailserver exit: %v\n%s", err, s.log.String())
		}
	case <-time.After(Timeout):
		cmd.Process.Kill()
		t.Error("mailserver did not stop on SIGINT")
	}
	if t.Failed() {
		t.Logf("mailserver log:\n%s", s.log.String())
	}
}

// Admin runs a subcommand (useradd, users, queue ...) on the server.
func (s *Server) Admin(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command(s.Bin, append(args, "-data", s.DataDir)...).CombinedOutput()
	if err != nil {
		t.Fatalf("mailserver %v: %v\n%s", args, err, out)
	}
	return string(out)
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
		<-exited
		if !bytes.Contains(out.Bytes(), []byte("in use")) {
			t.Fatalf("dnsmasq did not start: %s", out.String())
		}
	}
	t.Fatal("dnsmasq: no free port")
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
