package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailwire/mailwire/examples/internal/mstest"
	"github.com/mailwire/mailwire/examples/mailserver/server"
)

const testMessage = "From: alice@localhost\r\nTo: bob@localhost\r\nSubject: from sendmail\r\n\r\nHello through the sendmail example.\r\n"

func sendmail(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), mstest.Timeout)
	defer cancel()
	err := run(ctx, args, strings.NewReader(stdin), &out, &errOut)
	return out.String() + errOut.String(), err
}

func TestSubmit(t *testing.T) {
	srv := mstest.Start(t, nil)
	srv.AddUser(t, "alice", "alice-pw")
	srv.AddUser(t, "bob", "bob-pw")
	common := []string{"-insecure", "-user", "alice", "-password", "alice-pw", "-from", "alice@localhost"}

	// STARTTLS on the submission port, message on stdin.
	out, err := sendmail(t, testMessage, append([]string{"-server", srv.Addrs["submission"]}, append(common, "bob@localhost")...)...)
	if err != nil || !strings.Contains(out, "bob@localhost: accepted") {
		t.Fatalf("starttls: %v\n%s", err, out)
	}
	// Implicit TLS, message from a file, AUTH PLAIN.
	file := filepath.Join(t.TempDir(), "msg.eml")
	os.WriteFile(file, []byte(testMessage), 0o600)
	args := append([]string{"-server", srv.Addrs["smtps"], "-tls", "implicit", "-f", file, "-auth", "plain"}, common...)
	if out, err := sendmail(t, "", append(args, "bob@localhost", "alice@localhost")...); err != nil {
		t.Fatalf("implicit TLS: %v\n%s", err, out)
	}
	mstest.WaitFor(t, "two messages for bob", func() bool { return srv.Count(t, "bob", "INBOX") == 2 })
	if srv.Count(t, "alice", "INBOX") != 1 {
		t.Fatal("alice's copy missing")
	}

	// Refusals are reported and make the command fail.
	out, err = sendmail(t, testMessage, append([]string{"-server", srv.Addrs["submission"]}, append(common, "nobody@localhost")...)...)
	if err == nil || !strings.Contains(out+err.Error(), "550") {
		t.Fatalf("unknown recipient: %v\n%s", err, out)
	}
	bad := []string{"-server", srv.Addrs["submission"], "-insecure", "-user", "alice", "-password", "wrong", "-from", "alice@localhost", "bob@localhost"}
	if _, err := sendmail(t, testMessage, bad...); err == nil || !strings.Contains(err.Error(), "AUTH") {
		t.Fatalf("wrong password: %v", err)
	}
	// Without -insecure the self-signed certificate is refused.
	strict := []string{"-server", srv.Addrs["submission"], "-user", "alice", "-password", "alice-pw", "-from", "alice@localhost", "bob@localhost"}
	if _, err := sendmail(t, testMessage, strict...); err == nil {
		t.Fatal("self-signed certificate accepted without -insecure")
	}
}

func TestFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-from", "a@b"},                       // no recipient
		{"x@y"},                                // no -from
		{"-from", "a@b", "-tls", "ssl", "x@y"}, // bad mode
	} {
		if _, err := sendmail(t, "", args...); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

// TestDirectToMX: -mx looks up the recipient domain's MX (a real DNS
// server, dnsmasq) and delivers there without a submission server.
func TestDirectToMX(t *testing.T) {
	srv := mstest.Start(t, func(c *server.Config) {
		c.Domains, c.Hostname = []string{"d.test"}, "mx.d.test"
	})
	srv.AddUser(t, "dora", "dora-pw")
	dns := mstest.StartDnsmasq(t, "--mx-host=d.test,mx.d.test,10", "--host-record=mx.d.test,127.0.0.1")
	_, port, _ := net.SplitHostPort(srv.Addrs["smtp"])
	msg := strings.ReplaceAll(testMessage, "bob@localhost", "dora@d.test")
	out, err := sendmail(t, msg, "-mx", "-dns", dns, "-mx-port", port, "-from", "someone@elsewhere.test", "dora@d.test", "ghost@d.test")
	if err == nil || !strings.Contains(out, "dora@d.test: delivered to mx.d.test") || !strings.Contains(out, "ghost@d.test: permanent") {
		t.Fatalf("-mx: %v\n%s", err, out)
	}
	if n := srv.Count(t, "dora", "INBOX"); n != 1 {
		t.Fatalf("dora has %d messages", n)
	}
	out, err = sendmail(t, msg, "-mx", "-dns", dns, "-mx-port", port, "-from", "someone@elsewhere.test", "x@nowhere.test")
	if err == nil || !strings.Contains(out, "permanent") {
		t.Fatalf("NXDOMAIN: %v\n%s", err, out)
	}
}
