package mailbox_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mailwire/mailwire/mailbox"
	"github.com/mailwire/mailwire/smtp"
)

// TestLMTPConcurrentDeliveriesGroupCommit: deliveries arriving at the same
// time over separate LMTP connections are flushed and committed in groups;
// every one that got its 250 is in the INBOX exactly once, byte for byte,
// as a file in new/, nothing is left in tmp/, and all of it is still there
// after the store is reopened.
func TestLMTPConcurrentDeliveriesGroupCommit(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := mailbox.OpenMaildir(dir, mailbox.Options{Analyze: mailbox.IMAPAnalyze})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Close() }()
	if err := s.CreateUser(ctx, "alice", "pw"); err != nil {
		t.Fatal(err)
	}
	s.AddDomain(ctx, "example.org")
	srv := &smtp.Server{Backend: mailbox.NewMXBackend(s), Hostname: "mx.example.org", LMTP: true}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	defer srv.Close()

	const conns, perConn = 16, 4
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := map[string]bool{}
	for c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl, err := smtp.DialLMTP(ctx, "tcp", l.Addr().String(), &smtp.ClientOptions{LocalName: "client.test"})
			if err != nil {
				t.Error(err)
				return
			}
			defer cl.Close()
			for i := range perConn {
				body := fmt.Sprintf("Subject: group %d/%d\r\n\r\n%s\r\n", c, i, strings.Repeat(fmt.Sprintf("line of connection %d message %d\r\n", c, i), 100))
				res, err := cl.Send(ctx, "s@remote.test", []string{"alice@example.org"}, strings.NewReader(body), nil)
				if err != nil || res.Rcpts[0].Err != nil {
					t.Errorf("delivery %d/%d: %v %+v", c, i, err, res)
					continue
				}
				mu.Lock()
				acked[body] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	check := func(s mailbox.Store, when string) {
		t.Helper()
		msgs := inbox(t, s, "alice")
		if len(msgs) != conns*perConn || len(acked) != conns*perConn {
			t.Fatalf("%s: %d messages in INBOX, %d acknowledged, want %d", when, len(msgs), len(acked), conns*perConn)
		}
		seen := map[string]bool{}
		for _, m := range msgs {
			i := strings.Index(m, "Subject: group ")
			if i < 0 || !acked[m[i:]] || seen[m[i:]] {
				t.Fatalf("%s: unexpected or duplicate message %.80q", when, m[max(i, 0):])
			}
			seen[m[i:]] = true
		}
	}
	check(s, "after delivery")
	box := filepath.Join(dir, "alice", "Maildir")
	if n := countFiles(t, filepath.Join(box, "new")); n != conns*perConn {
		t.Errorf("new/ holds %d files, want %d", n, conns*perConn)
	}
	if n := countFiles(t, filepath.Join(box, "tmp")); n != 0 {
		t.Errorf("tmp/ holds %d files after the deliveries", n)
	}
	srv.Close()
	s.Close()
	s, err = mailbox.OpenMaildir(dir, mailbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	check(s, "after reopening")
}

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}
