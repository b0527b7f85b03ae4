package dnsmx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// startDnsmasq runs a real DNS server, dnsmasq, on 127.0.0.1 at a free port,
// authoritative for the "test" domain and serving the records given as
// dnsmasq options (--mx-host, --host-record, --cname, --txt-record). It
// returns the server's address. The test skips when dnsmasq is missing (CI
// installs the Debian package dnsmasq-base).
func startDnsmasq(t *testing.T, records ...string) string {
	t.Helper()
	bin, err := exec.LookPath("dnsmasq")
	if err != nil {
		if bin, err = exec.LookPath("/usr/sbin/dnsmasq"); err != nil {
			t.Skip("dnsmasq not installed (apt-get install dnsmasq-base); skipping the real-DNS test")
		}
	}
	for attempt := 0; attempt < 10; attempt++ {
		port := freePort(t)
		args := []string{
			"--keep-in-foreground", "--no-resolv", "--no-hosts", "--no-daemon",
			"--conf-file=/dev/null", "--pid-file=", "--log-facility=-",
			"--listen-address=127.0.0.1", "--bind-interfaces",
			fmt.Sprintf("--port=%d", port),
			"--local=/test/", // authoritative: NXDOMAIN and NODATA for the zone
		}
		if os.Geteuid() == 0 {
			args = append(args, "--user=root")
		}
		args = append(args, records...)
		cmd := exec.Command(bin, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		cmd.Stdout = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatalf("start dnsmasq: %v", err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		if waitDNS(addr, exited) {
			t.Cleanup(func() {
				_ = cmd.Process.Kill()
				<-exited
			})
			return addr
		}
		_ = cmd.Process.Kill()
		werr := <-exited
		// A port taken in the meantime says "in use"; an exit without a
		// word (seen under load in CI) is retried too. Anything else is a
		// real failure.
		if out := stderr.String(); out != "" && !strings.Contains(out, "in use") {
			t.Fatalf("dnsmasq did not start: %v: %s", werr, out)
		}
		t.Logf("dnsmasq attempt %d on port %d: %v %s", attempt+1, port, werr, stderr.String())
	}
	t.Fatal("dnsmasq: no free port")
	return ""
}

// waitDNS polls addr with a query until dnsmasq answers or exits.
func waitDNS(addr string, exited chan error) bool {
	c := &DNSClient{Server: addr, Timeout: 100 * time.Millisecond, Attempts: 1}
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

// freePort returns a port that was free for TCP and UDP a moment ago.
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
