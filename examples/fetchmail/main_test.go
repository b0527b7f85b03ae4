package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailwire/mailwire/examples/internal/mstest"
	"github.com/mailwire/mailwire/smtp"
)

// deliver puts n messages into user's INBOX through the server's MX.
func deliver(t *testing.T, srv *mstest.Server, user string, n int, size int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), mstest.Timeout)
	defer cancel()
	c, err := smtp.Dial(ctx, srv.Addrs["smtp"], &smtp.ClientOptions{TLSConfig: &tls.Config{InsecureSkipVerify: true}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for i := range n {
		msg := fmt.Sprintf("From: sender@example.org\r\nTo: %s@localhost\r\nSubject: message %d\r\n\r\n%s\r\n", user, i, strings.Repeat("body line\r\n", size/11))
		if _, err := c.Send(ctx, "sender@example.org", []string{user + "@localhost"}, strings.NewReader(msg), nil); err != nil {
			t.Fatal(err)
		}
	}
	c.Quit()
}

func fetch(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), mstest.Timeout)
	defer cancel()
	if err := run(ctx, args, &out, &errOut); err != nil {
		t.Fatalf("fetchmail %v: %v\n%s%s", args, err, out.String(), errOut.String())
	}
	return out.String() + errOut.String()
}

// local counts the messages in a Maildir's new/ and checks each is whole.
func local(t *testing.T, dir string) int {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, "new"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(dir, "new", e.Name()))
		if !bytes.Contains(b, []byte("Subject: message ")) || !bytes.HasSuffix(b, []byte("\r\n")) {
			t.Fatalf("%s is not a whole message:\n%s", e.Name(), b)
		}
	}
	if tmp, _ := os.ReadDir(filepath.Join(dir, "tmp")); len(tmp) != 0 {
		t.Fatalf("%d files left in tmp/", len(tmp))
	}
	return len(entries)
}

func inboxCount(t *testing.T, srv *mstest.Server, user string) int {
	return srv.Count(t, user, "INBOX")
}

func TestFetch(t *testing.T) {
	srv := mstest.Start(t, nil)
	srv.AddUser(t, "kim", "kim-pw")
	for _, tc := range []struct {
		proto, service string
		tls            string
	}{
		{"pop3", "pop3", "starttls"},
		{"pop3", "pop3s", "implicit"},
		{"imap", "imap", "starttls"},
		{"imap", "imaps", "implicit"},
	} {
		t.Run(tc.proto+"-"+tc.tls, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "Maildir")
			common := []string{"-proto", tc.proto, "-server", srv.Addrs[tc.service], "-tls", tc.tls, "-insecure", "-user", "kim", "-password", "kim-pw", "-maildir", dir}

			// Leave on server: only new messages are downloaded each time.
			deliver(t, srv, "kim", 3, 2000)
			if out := fetch(t, append(common, "-keep")...); !strings.Contains(out, "3 new message(s)") || !strings.Contains(out, "fetched 3/3 messages") {
				t.Fatalf("first run: %s", out)
			}
			if out := fetch(t, append(common, "-keep")...); !strings.Contains(out, "0 new message(s)") {
				t.Fatalf("second run: %s", out)
			}
			deliver(t, srv, "kim", 2, 500)
			if out := fetch(t, append(common, "-keep", "-quiet")...); !strings.Contains(out, "2 new message(s)") || strings.Contains(out, "fetched") {
				t.Fatalf("third run: %s", out)
			}
			if n := inboxCount(t, srv, "kim"); n != 5 {
				t.Fatalf("-keep removed mail: %d left on the server", n)
			}
			// Default: download what is new and delete everything fetched.
			deliver(t, srv, "kim", 1, 100)
			if out := fetch(t, common...); !strings.Contains(out, "1 new message(s)") {
				t.Fatalf("delete run: %s", out)
			}
			if n := local(t, dir); n != 6 {
				t.Fatalf("%d messages in the local Maildir, want 6", n)
			}
			// The 5 kept messages were already fetched: a plain run without the
			// state file takes them (and deletes them); then the server is empty.
			os.Remove(filepath.Join(dir, ".fetchmail-state.json"))
			fetch(t, common...)
			mstest.WaitFor(t, "an empty INBOX", func() bool { return inboxCount(t, srv, "kim") == 0 })
		})
	}
}

func TestFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-user", "x"},
		{"-maildir", "d"},
		{"-proto", "nntp", "-user", "x", "-maildir", "d"},
		{"-user", "x", "-maildir", "d", "-tls", "ssl"},
	} {
		var out bytes.Buffer
		if err := run(context.Background(), args, &out, &out); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}
