package imapclient_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mailwire/mailwire/imap"
	"github.com/mailwire/mailwire/imap/imapclient"
)

// needCap skips a test against the server until the server announces an
// extension (the command-table hookup of the server's extension files).
func needCap(t *testing.T, c *imapclient.Client, name string) {
	t.Helper()
	if _, err := c.Capability().Wait(); err != nil {
		t.Fatal(err)
	}
	if !c.HasCap(name) {
		t.Skipf("server does not announce %s yet", name)
	}
}

// COMPRESS end to end: both sides compress; commands, large literals in
// both directions and IDLE pushes work (RFC 4978 §3, §4).
func TestCompressAgainstServer(t *testing.T) {
	addr := startServer(t)
	exists := make(chan uint32, 4)
	c := login(t, addr, &imapclient.Options{Handler: &imapclient.UnilateralHandler{Exists: func(n uint32) { exists <- n }}})
	needCap(t, c, "COMPRESS=DEFLATE")
	if err := c.Compress(); err != nil {
		t.Fatal(err)
	}
	if !c.Compressed() {
		t.Fatal("Compressed() is false after Compress")
	}
	// A second COMPRESS is refused locally (RFC 4978 §3 makes it a BAD).
	if err := c.Compress(); !errors.Is(err, imapclient.ErrCompressionActive) {
		t.Fatalf("second Compress: %v", err)
	}
	caps, err := c.Capability().Wait()
	if err != nil {
		t.Fatal(err)
	}
	for _, cp := range caps {
		if strings.EqualFold(cp, "COMPRESS=DEFLATE") {
			t.Error("COMPRESS=DEFLATE still announced while active")
		}
	}
	body := "From: a@b\r\nSubject: big\r\n\r\n" + strings.Repeat("The quick brown fox jumps over the lazy dog.\r\n", 30000)
	if _, err := c.Append("INBOX", int64(len(body)), strings.NewReader(body), nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{{Peek: true}}}, nil).Collect()
	if err != nil || len(msgs) != 1 || len(msgs[0].BodySections) != 1 {
		t.Fatalf("FETCH: %v %v", msgs, err)
	}
	if b := msgs[0].BodySections[0].Data; string(b) != body {
		t.Fatalf("body of %d bytes differs after a compressed round trip", len(b))
	}

	for len(exists) > 0 { // EXISTS of the APPEND and SELECT, if any
		<-exists
	}
	idle, err := c.Idle()
	if err != nil {
		t.Fatal(err)
	}
	other := login(t, addr, nil)
	msg := "From: a@b\r\nSubject: ping\r\n\r\nhi\r\n"
	for want := uint32(2); want <= 3; want++ {
		if _, err := other.Append("INBOX", int64(len(msg)), strings.NewReader(msg), nil).Wait(); err != nil {
			t.Fatal(err)
		}
		select {
		case n := <-exists:
			if n != want {
				t.Errorf("EXISTS %d, want %d", n, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no EXISTS during IDLE over COMPRESS: a flush is missing")
		}
	}
	if err := idle.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Logout().Wait(); err != nil {
		t.Fatal(err)
	}
}
