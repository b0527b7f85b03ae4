package pop3

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func dialClient(t *testing.T, addr string) *Client {
	t.Helper()
	c, err := Dial(context.Background(), addr, &DialOptions{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func readAllT(t *testing.T, r io.ReadCloser, err error) string {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	return string(b)
}

func TestClientAgainstServer(t *testing.T) {
	ctx := context.Background()
	b := testBackend()
	b.add("alice", "Subject: dots\r\n\r\n.leading dot\r\n..two\r\n.\r\nend")
	addr := startServer(t, newTestServer(t, b))
	c := dialClient(t, addr)
	if !strings.HasPrefix(c.Greeting(), "POP3 server ready <") {
		t.Fatalf("greeting %q", c.Greeting())
	}
	caps, err := c.Capabilities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range []string{"TOP", "UIDL", "USER", "PIPELINING", "RESP-CODES", "SASL"} {
		if _, ok := caps[tag]; !ok {
			t.Errorf("CAPA lacks %s: %v", tag, caps)
		}
	}
	err = c.Login(ctx, "alice", "wrong")
	var pe *Error
	if !errors.As(err, &pe) || pe.Code != CodeAuth {
		t.Fatalf("wrong password: %v", err)
	}
	if err := c.Login(ctx, "alice", "secret"); err != nil {
		t.Fatal(err)
	}
	n, size, err := c.Stat(ctx)
	if err != nil || n != 3 {
		t.Fatalf("STAT %d %d %v", n, size, err)
	}
	list, err := c.List(ctx)
	if err != nil || len(list) != 3 || list[0].Size != 23 {
		t.Fatalf("LIST %v %v", list, err)
	}
	var sum int64
	for _, e := range list {
		sum += e.Size
	}
	if sum != size {
		t.Fatalf("LIST sizes %d != STAT %d", sum, size)
	}
	uids, err := c.UIDL(ctx)
	if err != nil || len(uids) != 3 || uids[2].UID != "uid-3" {
		t.Fatalf("UIDL %v %v", uids, err)
	}
	if e, err := c.UIDLOne(ctx, 2); err != nil || e.UID != "uid-2" {
		t.Fatalf("UIDL 2: %v %v", e, err)
	}
	if e, err := c.ListOne(ctx, 1); err != nil || e.Size != 23 {
		t.Fatalf("LIST 1: %v %v", e, err)
	}
	r, err := c.Retr(ctx, 3)
	got := readAllT(t, r, err)
	want := "Subject: dots\r\n\r\n.leading dot\r\n..two\r\n.\r\nend\r\n"
	if got != want {
		t.Fatalf("RETR 3 = %q, want %q", got, want)
	}
	if int64(len(got)) != list[2].Size {
		t.Fatalf("RETR sent %d octets, LIST said %d", len(got), list[2].Size)
	}
	r, err = c.Top(ctx, 2, 1)
	if got := readAllT(t, r, err); got != "Subject: two\r\nX: y\r\n\r\nline 1\r\n" {
		t.Fatalf("TOP 2 1 = %q", got)
	}
	// A body left unread is drained by the next command.
	if _, err := c.Retr(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if err := c.Noop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.Dele(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Retr(ctx, 1); !errors.As(err, &pe) {
		t.Fatalf("RETR of deleted: %v", err)
	}
	if err := c.Rset(ctx); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleMany(ctx, []int{1, 2}); err != nil {
		t.Fatal(err)
	}
	if err := c.Quit(ctx); err != nil {
		t.Fatal(err)
	}
	if n := b.count("alice"); n != 1 {
		t.Fatalf("after QUIT %d messages remain, want 1", n)
	}
}

func TestClientAPOPAndAuth(t *testing.T) {
	ctx := context.Background()
	addr := startServer(t, newTestServer(t, testBackend()))

	c := dialClient(t, addr)
	if err := c.APOP(ctx, "alice", "wrong"); err == nil {
		t.Fatal("APOP with a wrong secret succeeded")
	}
	if err := c.APOP(ctx, "alice", "secret"); err != nil {
		t.Fatal(err)
	}
	if n, _, err := c.Stat(ctx); err != nil || n != 2 {
		t.Fatalf("STAT %d %v", n, err)
	}
	c.Quit(ctx)

	c = dialClient(t, addr)
	if err := c.Auth(ctx, NewPlainClient("", "alice", "nope")); err == nil {
		t.Fatal("AUTH PLAIN with a wrong password succeeded")
	}
	if err := c.Auth(ctx, NewPlainClient("", "alice", "secret")); err != nil {
		t.Fatal(err)
	}
	c.Quit(ctx)
}

func TestClientRetrManyPipelined(t *testing.T) {
	ctx := context.Background()
	b := newMemBackend()
	b.addUser("u", "p")
	var want []string
	for i := range 40 {
		body := "Subject: " + strings.Repeat("x", i) + "\r\n\r\nbody\r\n"
		want = append(want, body)
		b.add("u", body)
	}
	addr := startServer(t, newTestServer(t, b))
	c := dialClient(t, addr)
	if err := c.Login(ctx, "u", "p"); err != nil {
		t.Fatal(err)
	}
	nums := []int{}
	for i := range 40 {
		nums = append(nums, i+1)
	}
	nums = append(nums, 99) // one -ERR in the middle of the pipeline
	var got []string
	err := c.RetrMany(ctx, nums, func(n int, r io.Reader) error {
		b, err := io.ReadAll(r)
		got = append(got, string(b))
		return err
	})
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("RetrMany error = %v, want the -ERR for message 99", err)
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("RetrMany bodies differ")
	}
	if err := c.Noop(ctx); err != nil {
		t.Fatalf("connection out of step after pipeline: %v", err)
	}
}

func TestFetchNewLeavesMessagesOnServer(t *testing.T) {
	ctx := context.Background()
	b := testBackend()
	addr := startServer(t, newTestServer(t, b))
	now := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)
	seen := map[string]time.Time{}

	fetch := func() FetchResult {
		c := dialClient(t, addr)
		if err := c.Login(ctx, "alice", "secret"); err != nil {
			t.Fatal(err)
		}
		res, err := c.FetchNew(ctx, FetchOptions{Seen: seen, DeleteOlderThan: 7 * 24 * time.Hour, Now: func() time.Time { return now }},
			func(uid string, body io.Reader) error {
				_, err := io.Copy(io.Discard, body)
				return err
			})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range res.Fetched {
			seen[u] = now
		}
		if err := c.Quit(ctx); err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := fetch(); len(res.Fetched) != 2 || len(res.Deleted) != 0 {
		t.Fatalf("first fetch: %+v", res)
	}
	if b.count("alice") != 2 {
		t.Fatal("messages were not left on the server")
	}
	b.add("alice", "Subject: three\r\n\r\nnew\r\n")
	if res := fetch(); len(res.Fetched) != 1 || res.Fetched[0] != "uid-3" {
		t.Fatalf("second fetch: %+v", res)
	}
	now = now.Add(8 * 24 * time.Hour)
	seen["uid-3"] = now // seen recently
	if res := fetch(); len(res.Fetched) != 0 || strings.Join(res.Deleted, ",") != "uid-1,uid-2" {
		t.Fatalf("third fetch: %+v", res)
	}
	if b.count("alice") != 1 {
		t.Fatalf("old messages not deleted: %d left", b.count("alice"))
	}
}
