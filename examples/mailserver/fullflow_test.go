package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/mailwire/mailwire/smtp"
)

// sharedMXPort finds a port free on every given loopback address, so that
// several instances can use it as their MX port and one -relay-port
// reaches them all.
func sharedMXPort(t *testing.T, ips ...string) int {
	t.Helper()
	for range 50 {
		l, err := net.Listen("tcp", ips[0]+":0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		ok := true
		for _, ip := range ips[1:] {
			l2, err := net.Listen("tcp", fmt.Sprintf("%s:%d", ip, port))
			if err != nil {
				ok = false
				break
			}
			l2.Close()
		}
		l.Close()
		if ok {
			return port
		}
	}
	t.Fatal("no port free on all addresses")
	return 0
}

// TestFullFlow runs the whole life of an email between two servers
// through a real DNS server: a.test on 127.0.0.2, b.test on 127.0.0.3,
// dnsmasq answering MX for both.
func TestFullFlow(t *testing.T) {
	if !loopbackUsable("127.0.0.2") || !loopbackUsable("127.0.0.3") {
		t.Skip("127.0.0.2 and 127.0.0.3 are not usable on this system")
	}
	dns := startDnsmasq(t,
		"--mx-host=a.test,mx.a.test,10", "--host-record=mx.a.test,127.0.0.2",
		"--mx-host=b.test,mx.b.test,10", "--host-record=mx.b.test,127.0.0.3")
	port := sharedMXPort(t, "127.0.0.2", "127.0.0.3")

	cfgA := testConfig(t, "127.0.0.2", "a.test")
	cfgB := testConfig(t, "127.0.0.3", "b.test")
	for _, c := range []*Config{&cfgA, &cfgB} {
		c.SMTP = fmt.Sprintf("%s:%d", strings.TrimSuffix(c.SMTP, ":0"), port)
		c.RelayPort = port
		c.DNSServer = dns
	}
	cfgA.SendLimit = 4 // alice sends four messages below, the fifth is over the limit
	a := startInstance(t, cfgA)
	b := startInstance(t, cfgB)
	addUser(t, a, "alice", "alice-secret")
	addUser(t, b, "bob", "bob-secret")
	ctx := context.Background()

	// 1. alice submits (STARTTLS + AUTH) → a.test relays to b.test's MX.
	first := message("alice@a.test", "bob@b.test", "Hello Bob", "First message over the wire.")
	if err := submit(t, a.Addrs["submission"], "alice", "alice-secret", "alice@a.test", []string{"bob@b.test"}, first); err != nil {
		t.Fatalf("submit: %v", err)
	}
	waitMessages(t, b, "bob", "INBOX", 1)

	// 2. bob reads it over IMAP: structure first, then the body; flags it;
	// moves it to Archive.
	im := imapDial(t, b.Addrs["imap"], "bob", "bob-secret")
	if sel := im.ok("SELECT INBOX"); !strings.Contains(sel, "* 1 EXISTS") {
		t.Fatalf("SELECT: %s", sel)
	}
	bs := im.ok("FETCH 1 (UID BODYSTRUCTURE FLAGS)")
	if !strings.Contains(strings.ToUpper(bs), `("TEXT" "PLAIN"`) || strings.Contains(bs, `\Seen`) {
		t.Fatalf("BODYSTRUCTURE: %s", bs)
	}
	body := im.ok("FETCH 1 BODY[]")
	for _, want := range []string{"Subject: Hello Bob", "First message over the wire.",
		"by mx.a.test (mailwire) with ESMTPSA", // submitted over TLS with AUTH
		"by mx.b.test (mailwire) with ESMTPS",  // relayed over STARTTLS
	} {
		if !strings.Contains(body, want) {
			t.Fatalf("body lacks %q:\n%s", want, body)
		}
	}
	if fl := im.ok(`STORE 1 +FLAGS (\Flagged)`); !strings.Contains(fl, `\Flagged`) || !strings.Contains(fl, `\Seen`) {
		t.Fatalf("STORE: %s", fl)
	}
	if mv := im.ok("MOVE 1 Archive"); !strings.Contains(mv, "* 1 EXPUNGE") {
		t.Fatalf("MOVE: %s", mv)
	}
	if st := im.ok("STATUS Archive (MESSAGES)"); !strings.Contains(st, "MESSAGES 1") {
		t.Fatalf("STATUS Archive: %s", st)
	}
	im.ok("SELECT Archive")
	if fl := im.ok("FETCH 1 FLAGS"); !strings.Contains(fl, `\Flagged`) {
		t.Fatalf("moved message lost its flag: %s", fl)
	}

	// 3. A second message: bob downloads and deletes it over POP3 while an
	// IMAP session has INBOX selected; that session sees the expunge.
	second := message("alice@a.test", "bob@b.test", "Second", "Fetch me with POP3.")
	if err := submit(t, a.Addrs["submission"], "alice", "alice-secret", "alice@a.test", []string{"bob@b.test"}, second); err != nil {
		t.Fatalf("submit: %v", err)
	}
	waitMessages(t, b, "bob", "INBOX", 1)
	watcher := imapDial(t, b.Addrs["imap"], "bob", "bob-secret")
	if sel := watcher.ok("SELECT INBOX"); !strings.Contains(sel, "* 1 EXISTS") {
		t.Fatalf("SELECT: %s", sel)
	}
	pc := popDial(t, b.Addrs["pop3"], "bob", "bob-secret")
	list, err := pc.List(ctx)
	if err != nil || len(list) != 1 {
		t.Fatalf("LIST: %v %v", list, err)
	}
	rc, err := pc.Retr(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if !strings.Contains(string(got), "Fetch me with POP3.") {
		t.Fatalf("RETR: %s", got)
	}
	if err := pc.Dele(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if err := pc.Quit(ctx); err != nil {
		t.Fatal(err)
	}
	var seen bool
	waitFor(t, "the IMAP session to see the POP3 deletion", func() bool {
		u := watcher.ok("NOOP")
		seen = seen || strings.Contains(u, "* 1 EXPUNGE")
		return seen
	})

	// 4. bob's reply travels back to alice.
	reply := message("bob@b.test", "alice@a.test", "Re: Hello Bob", "Got both, thanks!", "In-Reply-To: <x@a.test>")
	if err := submit(t, b.Addrs["submission"], "bob", "bob-secret", "bob@b.test", []string{"alice@a.test"}, reply); err != nil {
		t.Fatalf("reply: %v", err)
	}
	waitMessages(t, a, "alice", "INBOX", 1)
	ai := imapDial(t, a.Addrs["imap"], "alice", "alice-secret")
	ai.ok("SELECT INBOX")
	if r := ai.ok("FETCH 1 BODY.PEEK[]"); !strings.Contains(r, "Got both, thanks!") || !strings.Contains(r, "Return-Path: <bob@b.test>") {
		t.Fatalf("reply as read by alice:\n%s", r)
	}

	// 5. Mail to an unknown b.test user bounces into alice's INBOX.
	lost := message("alice@a.test", "nobody@b.test", "Lost", "Nobody reads this.")
	if err := submit(t, a.Addrs["submission"], "alice", "alice-secret", "alice@a.test", []string{"nobody@b.test"}, lost); err != nil {
		t.Fatalf("submit to unknown user: %v", err)
	}
	waitMessages(t, a, "alice", "INBOX", 2)
	ai.ok("NOOP") // the session learns about the new message
	bounce := ai.ok("FETCH 2 BODY.PEEK[]")
	for _, want := range []string{"Return-Path: <>", "message/delivery-status", "nobody@b.test", "5.1.1", "Subject: Lost"} {
		if !strings.Contains(bounce, want) {
			t.Fatalf("bounce lacks %q:\n%s", want, bounce)
		}
	}

	// 6. b.test goes down: the message waits in a.test's queue and is
	// delivered when b.test is back.
	for k, v := range b.Addrs { // restart on the same addresses
		switch k {
		case "smtp":
			cfgB.SMTP = v
		case "submission":
			cfgB.Submission = v
		case "smtps":
			cfgB.SMTPS = v
		case "imap":
			cfgB.IMAP = v
		case "imaps":
			cfgB.IMAPS = v
		case "pop3":
			cfgB.POP3 = v
		case "pop3s":
			cfgB.POP3S = v
		}
	}
	sctx, cancel := context.WithTimeout(ctx, testTimeout)
	if err := b.Shutdown(sctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	late := message("alice@a.test", "bob@b.test", "While you were down", "Queued, then delivered.")
	if err := submit(t, a.Addrs["submission"], "alice", "alice-secret", "alice@a.test", []string{"bob@b.test"}, late); err != nil {
		t.Fatalf("submit while b.test is down: %v", err)
	}
	waitFor(t, "a failed delivery attempt", func() bool {
		for _, e := range a.Queue.List() {
			for _, r := range e.Rcpts {
				if r.Addr == "bob@b.test" && r.Attempts > 0 {
					return true
				}
			}
		}
		return false
	})
	if out := formatQueue(a); !strings.Contains(out, "bob@b.test") {
		t.Fatalf("queue list: %s", out)
	}
	b2 := startInstance(t, cfgB)
	if n := a.FlushQueue(); n != 1 {
		t.Fatalf("flush scheduled %d messages", n)
	}
	waitMessages(t, b2, "bob", "INBOX", 1)
	waitFor(t, "the queue to empty", func() bool { return len(a.Queue.List()) == 0 })
	if st, _ := b2.Store.Status(ctx, "bob", "Archive"); st.Messages != 1 {
		t.Fatalf("Archive after restart: %d messages", st.Messages)
	}

	// 7. alice has used her four messages of the hour: the fifth gets a 4xx.
	extra := message("alice@a.test", "bob@b.test", "One too many", "Over the limit.")
	err = submit(t, a.Addrs["submission"], "alice", "alice-secret", "alice@a.test", []string{"bob@b.test"}, extra)
	var se *smtp.Error
	if !errors.As(err, &se) || se.Code/100 != 4 {
		t.Fatalf("fifth message: got %v, want a 4xx refusal", err)
	}
}

// TestSendingLimit: an account over its hourly sending limit gets a
// temporary 4xx refusal (the smtp package's per-account rate limit).
func TestSendingLimit(t *testing.T) {
	cfg := testConfig(t, "127.0.0.1", "c.test")
	cfg.SendLimit = 2
	in := startInstance(t, cfg)
	addUser(t, in, "alice", "pw-alice")
	for i := range 2 {
		msg := message("alice@c.test", "alice@c.test", fmt.Sprintf("note %d", i), "to self")
		if err := submit(t, in.Addrs["submission"], "alice", "pw-alice", "alice@c.test", []string{"alice@c.test"}, msg); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
	}
	msg := message("alice@c.test", "alice@c.test", "one too many", "to self")
	err := submit(t, in.Addrs["submission"], "alice", "pw-alice", "alice@c.test", []string{"alice@c.test"}, msg)
	var se *smtp.Error
	if !errors.As(err, &se) || se.Code/100 != 4 {
		t.Fatalf("third message: got %v, want a 4xx refusal", err)
	}
	waitMessages(t, in, "alice", "INBOX", 2)
}
