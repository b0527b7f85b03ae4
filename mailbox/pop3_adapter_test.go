package mailbox

import (
	"context"
	"errors"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailwire/mailwire/pop3"
)

// pop3Fixture serves a memory store over POP3 on 127.0.0.1:0.
func pop3Fixture(t *testing.T, policy pop3.Policy) (Store, *POP3Backend, string) {
	t.Helper()
	ctx := context.Background()
	st := NewMemory(Options{ScramIterations: 4096})
	t.Cleanup(func() { st.Close() })
	if err := st.CreateUser(ctx, "alice", "secret"); err != nil {
		t.Fatal(err)
	}
	b := NewPOP3Backend(st)
	b.MaildropPolicy = policy
	srv := &pop3.Server{Backend: b, AllowInsecureAuth: true, AuthFailureDelay: -1}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return st, b, l.Addr().String()
}

func pop3Login(t *testing.T, addr string) *pop3.Client {
	t.Helper()
	c, err := pop3.Dial(context.Background(), addr, &pop3.DialOptions{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(context.Background(), "Alice", "secret"); err != nil {
		t.Fatal(err)
	}
	return c
}

func appendT(t *testing.T, st Store, body string) uint32 {
	t.Helper()
	uid, err := st.Append(context.Background(), "alice", "INBOX", strings.NewReader(body), nil, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return uid
}

func TestPOP3AdapterSizesAndUIDLs(t *testing.T) {
	ctx := context.Background()
	st, _, addr := pop3Fixture(t, pop3.Policy{})
	bodies := []string{
		"Subject: crlf\r\n\r\nclean\r\n",
		"Subject: lf\n\n.dot\nno final newline",
		"Subject: empty body\r\n\r\n",
	}
	for _, b := range bodies {
		appendT(t, st, b)
	}
	status, err := st.Status(ctx, "alice", "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	c := pop3Login(t, addr)
	list, err := c.List(ctx)
	if err != nil || len(list) != 3 {
		t.Fatalf("LIST %v %v", list, err)
	}
	uidl, err := c.UIDL(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i := range list {
		r, err := c.Retr(ctx, i+1)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(got)) != list[i].Size {
			t.Errorf("message %d: LIST size %d, RETR sent %d octets", i+1, list[i].Size, len(got))
		}
		want := strings.NewReplacer("\r\n", "\r\n", "\n", "\r\n").Replace(bodies[i])
		if !strings.HasSuffix(want, "\r\n") {
			want += "\r\n"
		}
		if string(got) != want {
			t.Errorf("message %d = %q, want %q", i+1, got, want)
		}
		wantUID := strconv.FormatUint(uint64(status.UIDValidity), 10) + "." + strconv.Itoa(i+1)
		if uidl[i].UID != wantUID {
			t.Errorf("UIDL %d = %q, want %q", i+1, uidl[i].UID, wantUID)
		}
	}
	if err := c.Quit(ctx); err != nil {
		t.Fatal(err)
	}
	// Stable across sessions, and never reused after deletion.
	c = pop3Login(t, addr)
	again, _ := c.UIDL(ctx)
	if !slices.Equal(again, uidl) {
		t.Fatalf("UIDLs changed between sessions: %v vs %v", again, uidl)
	}
	if err := c.Dele(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if err := c.Quit(ctx); err != nil {
		t.Fatal(err)
	}
	appendT(t, st, "Subject: new\r\n\r\nx\r\n")
	c = pop3Login(t, addr)
	after, _ := c.UIDL(ctx)
	if len(after) != 3 || after[2].UID == uidl[2].UID {
		t.Fatalf("UIDL of a deleted message reused: %v", after)
	}
}

// TestPOP3AdapterQuitExpunges: deletions are committed at QUIT only, as
// store expunges that a concurrent watcher (an IMAP session) sees.
func TestPOP3AdapterQuitExpunges(t *testing.T) {
	ctx := context.Background()
	st, b, addr := pop3Fixture(t, pop3.Policy{})
	u1 := appendT(t, st, "Subject: 1\r\n\r\n1\r\n")
	appendT(t, st, "Subject: 2\r\n\r\n2\r\n")
	sub, err := st.Watch(ctx, "alice", "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()

	c := pop3Login(t, addr)
	if err := c.Dele(ctx, 1); err != nil {
		t.Fatal(err)
	}
	// A dropped connection deletes nothing.
	c.Close()
	waitPOP3Unlocked(t, b, "alice")
	c = pop3Login(t, addr)
	if n, _, _ := c.Stat(ctx); n != 2 {
		t.Fatalf("after a drop STAT says %d messages, want 2", n)
	}
	if err := c.Dele(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if evs := sub.Drain(nil); len(evs) != 0 {
		t.Fatalf("events before QUIT: %v", evs)
	}
	if err := c.Quit(ctx); err != nil {
		t.Fatal(err)
	}
	msgs, _ := st.List(ctx, "alice", "INBOX")
	if len(msgs) != 1 || msgs[0].UID == u1 {
		t.Fatalf("after QUIT: %v", msgs)
	}
	select {
	case <-sub.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("no change-feed event for the POP3 expunge")
	}
	evs := sub.Drain(nil)
	if len(evs) != 1 || evs[0].Kind != EventExpunge || evs[0].UID != u1 {
		t.Fatalf("events %v, want one expunge of UID %d", evs, u1)
	}
}

func TestPOP3AdapterInUse(t *testing.T) {
	ctx := context.Background()
	_, _, addr := pop3Fixture(t, pop3.Policy{})
	first := pop3Login(t, addr)
	c, err := pop3.Dial(ctx, addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.Login(ctx, "alice", "secret")
	var pe *pop3.Error
	if !errors.As(err, &pe) || pe.Code != pop3.CodeInUse {
		t.Fatalf("second login: %v, want [IN-USE]", err)
	}
	if err := first.Quit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Login(ctx, "alice", "secret"); err != nil {
		t.Fatalf("login after the first session quit: %v", err)
	}
}

func TestPOP3AdapterAuth(t *testing.T) {
	ctx := context.Background()
	_, _, addr := pop3Fixture(t, pop3.Policy{})
	for _, tc := range []struct {
		name string
		auth func(c *pop3.Client) error
		ok   bool
	}{
		{"wrong password", func(c *pop3.Client) error { return c.Login(ctx, "alice", "nope") }, false},
		{"unknown user", func(c *pop3.Client) error { return c.Login(ctx, "nobody", "secret") }, false},
		{"SCRAM-SHA-256", func(c *pop3.Client) error {
			return c.Auth(ctx, pop3.NewScramSHA256Client("", "alice", "secret"))
		}, true},
		{"SCRAM wrong password", func(c *pop3.Client) error {
			return c.Auth(ctx, pop3.NewScramSHA256Client("", "alice", "bad"))
		}, false},
		{"PLAIN", func(c *pop3.Client) error { return c.Auth(ctx, pop3.NewPlainClient("", "alice", "secret")) }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := pop3.Dial(ctx, addr, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			err = tc.auth(c)
			var pe *pop3.Error
			if tc.ok && err != nil {
				t.Fatal(err)
			}
			if !tc.ok && (!errors.As(err, &pe) || pe.Code != pop3.CodeAuth) {
				t.Fatalf("got %v, want -ERR [AUTH]", err)
			}
			c.Quit(ctx)
		})
	}
}

func TestPOP3AdapterRetentionKeep(t *testing.T) {
	ctx := context.Background()
	st, _, addr := pop3Fixture(t, pop3.Policy{Retention: pop3.RetentionKeep, Expire: pop3.ExpireNever})
	appendT(t, st, "Subject: 1\r\n\r\n1\r\n")
	c := pop3Login(t, addr)
	caps, err := c.Capabilities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := caps["EXPIRE"]; len(got) != 1 || got[0] != "NEVER" {
		t.Fatalf("EXPIRE capability %v", got)
	}
	c.Dele(ctx, 1)
	if err := c.Quit(ctx); err != nil {
		t.Fatal(err)
	}
	msgs, _ := st.List(ctx, "alice", "INBOX")
	if len(msgs) != 1 || !slices.Contains(msgs[0].Flags, FlagSeen) {
		t.Fatalf("kept message: %+v", msgs)
	}
}

// waitPOP3Unlocked waits until the server noticed a dropped connection and
// released the maildrop.
func waitPOP3Unlocked(t *testing.T, b *POP3Backend, user string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		b.mu.Lock()
		locked := b.locks[user]
		b.mu.Unlock()
		if !locked {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("maildrop still locked after the connection dropped")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestPOP3AdapterConcurrentExpunge: another session (IMAP) expunges a
// message the POP3 session listed: RETR says so, the rest keeps working,
// and QUIT's deletions skip what is already gone.
func TestPOP3AdapterConcurrentExpunge(t *testing.T) {
	ctx := context.Background()
	st, _, addr := pop3Fixture(t, pop3.Policy{})
	u1 := appendT(t, st, "Subject: 1\r\n\r\n1\r\n")
	appendT(t, st, "Subject: 2\r\n\r\n2\r\n")
	c := pop3Login(t, addr)
	if _, err := st.Expunge(ctx, "alice", "INBOX", []uint32{u1}); err != nil {
		t.Fatal(err)
	}
	_, err := c.Retr(ctx, 1)
	var pe *pop3.Error
	if !errors.As(err, &pe) {
		t.Fatalf("RETR of a message expunged meanwhile: %v", err)
	}
	r, err := c.Retr(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, r)
	if err := c.DeleMany(ctx, []int{1, 2}); err != nil {
		t.Fatal(err)
	}
	if err := c.Quit(ctx); err != nil {
		t.Fatal(err)
	}
	if msgs, _ := st.List(ctx, "alice", "INBOX"); len(msgs) != 0 {
		t.Fatalf("left %v", msgs)
	}
}
