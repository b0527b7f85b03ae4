package imapclient_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/mailwire/mailwire/imap"
	"github.com/mailwire/mailwire/imap/imapclient"
	"github.com/mailwire/mailwire/imap/imapserver"
	"github.com/mailwire/mailwire/mailbox"
)

// startStoreServer is startServer returning the store too.
func startStoreServer(t *testing.T) (string, mailbox.Store) {
	t.Helper()
	store := mailbox.NewMemory(mailbox.Options{Analyze: mailbox.IMAPAnalyze})
	if err := store.CreateUser(context.Background(), "alice", "secret"); err != nil {
		t.Fatal(err)
	}
	srv := &imapserver.Server{Backend: mailbox.NewIMAPBackend(store), AllowInsecureAuth: true,
		AuthFailureDelay: time.Millisecond}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), store
}

// QUOTA against the server (RFC 9208).
func TestQuotaAgainstServer(t *testing.T) {
	addr, store := startStoreServer(t)
	c := login(t, addr, nil)
	needCap(t, c, "QUOTA")
	gq := c.GetQuotaRoot("INBOX")
	if q, err := gq.Wait(); err != nil || len(q) != 0 || gq.Roots() == nil || len(gq.Roots()) != 0 {
		t.Fatalf("no limits: %v %v %v", q, gq.Roots(), err)
	}
	if err := store.SetQuota(context.Background(), "alice", 10<<20, 100); err != nil {
		t.Fatal(err)
	}
	msg := "From: a@b\r\nSubject: q\r\n\r\n" + strings.Repeat("q", 3000) + "\r\n"
	if _, err := c.Append("INBOX", int64(len(msg)), strings.NewReader(msg), nil).Wait(); err != nil {
		t.Fatal(err)
	}
	gq = c.GetQuotaRoot("INBOX")
	qs, err := gq.Wait()
	if err != nil || len(gq.Roots()) != 1 || gq.Roots()[0] != "" || len(qs) != 1 {
		t.Fatalf("GETQUOTAROOT %v %v %v", qs, gq.Roots(), err)
	}
	s, ok1 := qs[0].Resource("STORAGE")
	m, ok2 := qs[0].Resource("message")
	if !ok1 || !ok2 || s.Usage != 3 || s.Limit != 10<<10 || m.Usage != 1 || m.Limit != 100 {
		t.Fatalf("resources %+v", qs[0])
	}
	qs, err = c.GetQuota("").Wait()
	if err != nil || len(qs) != 1 || qs[0].Root != "" {
		t.Fatalf("GETQUOTA %v %v", qs, err)
	}
	var ie *imap.Error
	if _, err := c.GetQuota("other").Wait(); !errors.As(err, &ie) || ie.Code != imap.CodeNonExistent {
		t.Fatalf("GETQUOTA other: %v", err)
	}
	if _, err := c.SetQuota("", []imapclient.QuotaResource{{Name: "STORAGE", Limit: 1}}).Wait(); !errors.As(err, &ie) || ie.Code != imap.CodeNoPerm {
		t.Fatalf("SETQUOTA: %v", err)
	}
	// [OVERQUOTA] on APPEND (RFC 9208 §4.3.1).
	store.SetQuota(context.Background(), "alice", 0, 1)
	if _, err := c.Append("INBOX", int64(len(msg)), strings.NewReader(msg), nil).Wait(); !errors.As(err, &ie) || ie.Code != imap.CodeOverQuota {
		t.Fatalf("APPEND over quota: %v", err)
	}
}

// METADATA against the server (RFC 5464): values with CRLF travel as
// literals, MAXSIZE reports LONGENTRIES, NIL deletes.
func TestMetadataAgainstServer(t *testing.T) {
	addr, _ := startStoreServer(t)
	c := login(t, addr, nil)
	needCap(t, c, "METADATA")
	multi := []byte("line one\r\nline two")
	if err := c.SetMetadata("", map[string][]byte{"/private/vendor/x/note": multi, "/shared/comment": []byte("hi")}).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.SetMetadata("INBOX", map[string][]byte{"/private/color": []byte("red")}).Wait(); err != nil {
		t.Fatal(err)
	}
	g := c.GetMetadata("", []string{"/private/vendor/x/note", "/shared/comment", "/shared/missing"}, nil)
	md, err := g.Wait()
	if err != nil || string(md.Entries["/private/vendor/x/note"]) != string(multi) || string(md.Entries["/shared/comment"]) != "hi" {
		t.Fatalf("GETMETADATA %+v %v", md, err)
	}
	if v, ok := md.Entries["/shared/missing"]; !ok || v != nil {
		t.Fatalf("missing entry: %q %v", v, ok)
	}
	if g.LongEntries() != -1 {
		t.Fatal("LONGENTRIES without MAXSIZE")
	}
	g = c.GetMetadata("", []string{"/private", "/shared"}, &imapclient.MetadataOptions{MaxSize: 5, Depth: -1})
	md, err = g.Wait()
	if err != nil || g.LongEntries() != int64(len(multi)) || string(md.Entries["/shared/comment"]) != "hi" {
		t.Fatalf("MAXSIZE: %+v %d %v", md, g.LongEntries(), err)
	}
	if _, ok := md.Entries["/private/vendor/x/note"]; ok {
		t.Fatal("long value returned despite MAXSIZE")
	}
	if err := c.SetMetadata("INBOX", map[string][]byte{"/private/color": nil}).Wait(); err != nil {
		t.Fatal(err)
	}
	md, err = c.GetMetadata("INBOX", []string{"/private/color"}, nil).Wait()
	if err != nil || md.Mailbox != "INBOX" || md.Entries["/private/color"] != nil {
		t.Fatalf("after delete: %+v %v", md, err)
	}
	var ie *imap.Error
	if _, err := c.GetMetadata("nosuch", []string{"/private/x"}, nil).Wait(); !errors.As(err, &ie) || ie.Type != imap.StatusNO {
		t.Fatalf("unknown mailbox: %v", err)
	}
	if err := c.SetMetadata("INBOX", map[string][]byte{"/bad/name": []byte("x")}).Wait(); !errors.As(err, &ie) || ie.Type != imap.StatusBAD {
		t.Fatalf("bad entry name: %v", err)
	}
	if err := c.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
}
