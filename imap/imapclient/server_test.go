package imapclient_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailwire/mailwire/imap"
	"github.com/mailwire/mailwire/imap/imapclient"
	"github.com/mailwire/mailwire/imap/imapserver"
	"github.com/mailwire/mailwire/mailbox"
)

// startServer runs the module's IMAP server over an in-memory store with
// user alice / secret.
func startServer(t *testing.T) string {
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
	return ln.Addr().String()
}

func login(t *testing.T, addr string, opts *imapclient.Options) *imapclient.Client {
	t.Helper()
	c, err := imapclient.Dial(t.Context(), addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login("alice", "secret").Wait(); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAgainstServer(t *testing.T) {
	addr := startServer(t)
	c := login(t, addr, nil)
	if _, err := c.Capability().Wait(); err != nil {
		t.Fatal(err)
	}

	// Wrong password: an *imap.Error with AUTHENTICATIONFAILED.
	bad, err := imapclient.Dial(t.Context(), addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer bad.Close()
	var ie *imap.Error
	if err := bad.Login("alice", "nope").Wait(); !errors.As(err, &ie) || ie.Type != imap.StatusNO {
		t.Fatalf("bad login: %v", err)
	}

	if err := c.Create("Work/Projects").Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Create("Work/Projects").Wait(); !errors.As(err, &ie) || ie.Type != imap.StatusNO {
		t.Fatalf("second CREATE: %v", err)
	}
	lists, err := c.List("", "*", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range lists {
		names = append(names, l.Mailbox)
	}
	if !slices.Contains(names, "INBOX") || !slices.Contains(names, "Work/Projects") {
		t.Fatalf("LIST: %v", names)
	}

	// APPEND the structure test messages; bodies stream from files.
	files := []string{"01-simple", "07-message-rfc822", "11-rfc2231", "04-multipart-alternative"}
	var msgs [][]byte
	for _, f := range files {
		b, err := os.ReadFile("../testdata/structure/" + f + ".eml")
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, b)
		au, err := c.Append("INBOX", int64(len(b)), bytes.NewReader(b), &imapclient.AppendOptions{Flags: []imap.Flag{"$Test"}}).Wait()
		if err != nil {
			t.Fatalf("APPEND %s: %v", f, err)
		}
		if au != nil && au.UID == 0 {
			t.Errorf("APPENDUID with UID 0")
		}
	}

	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.NumMessages != uint32(len(files)) {
		t.Fatalf("SELECT: %d messages", sel.NumMessages)
	}

	// FETCH: structure must match what the shared parser computes, and
	// BODY[] must be byte-exact.
	whole := &imap.FetchItemBodySection{Peek: true}
	fetched, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true, RFC822Size: true, Envelope: true,
		BodyStructure: &imap.FetchItemBodyStructure{Extended: true}, BodySection: []*imap.FetchItemBodySection{whole}}, nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if len(fetched) != len(files) {
		t.Fatalf("FETCH returned %d messages", len(fetched))
	}
	for i, m := range fetched {
		want, _ := imap.ParseStructure(bytes.NewReader(msgs[i]), nil)
		if !bytes.Equal(m.Body(whole), msgs[i]) {
			t.Errorf("%s: BODY[] differs", files[i])
		}
		bs := m.BodyStructure
		if m.RFC822Size != int64(len(msgs[i])) || m.Envelope.Subject != want.Envelope.Subject ||
			!slices.Contains(m.Flags, "$Test") || bs.Subtype != want.Body.Subtype || len(bs.Children) != len(want.Body.Children) ||
			(len(bs.Children) == 0 && bs.Size != want.Body.Size) {
			t.Errorf("%s: size %d subject %q flags %v structure %s/%s %d parts", files[i], m.RFC822Size, m.Envelope.Subject, m.Flags, bs.Type, bs.Subtype, len(bs.Children))
		}
	}

	// Streamed sections.
	part := &imap.FetchItemBodySection{Part: []int{2}, Specifier: imap.PartSpecifierText, Peek: true}
	var streamed string
	_, err = c.Fetch(imap.SeqSetNum(2), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{part}},
		&imapclient.FetchOptions{BodyHandler: func(_ *imapclient.FetchMessage, name string, size int64, r io.Reader) error {
			b, err := io.ReadAll(r)
			streamed = string(b)
			return err
		}}).Wait()
	if err != nil || streamed != "Hi Alice,\r\nhow are you?" {
		t.Fatalf("BODY[2.TEXT] = %q, %v", streamed, err)
	}

	// SEARCH, STORE, COPY, MOVE, EXPUNGE, pipelined.
	search := c.Search(false, &imap.SearchCriteria{Header: []imap.SearchHeaderField{{Key: "Subject", Value: "hello"}}}, nil)
	store := c.Store(imap.SeqSetNum(1), &imapclient.StoreFlags{Op: imapclient.StoreAdd, Flags: []imap.Flag{imap.FlagDeleted}})
	cp := c.Copy(imap.SeqSetNum(2), "Work/Projects")
	res, err := search.Wait()
	if err != nil || !slices.Equal(res.AllNums(), []uint32{2}) {
		t.Fatalf("SEARCH: %v %v", res.AllNums(), err)
	}
	stored, err := store.Wait()
	if err != nil || len(stored) != 1 || !slices.Contains(stored[0].Flags, imap.FlagDeleted) {
		t.Fatalf("STORE: %+v %v", stored, err)
	}
	if _, err := cp.Wait(); err != nil {
		t.Fatal(err)
	}
	seqs, _, err := c.Expunge().Wait()
	if err != nil || !slices.Equal(seqs, []uint32{1}) {
		t.Fatalf("EXPUNGE: %v %v", seqs, err)
	}
	if _, err := c.Move(imap.SeqSetNum(1), "Work/Projects").Wait(); err != nil {
		t.Fatal(err)
	}
	if n := c.Mailbox().NumMessages; n != 2 {
		t.Errorf("after EXPUNGE and MOVE: %d messages", n)
	}
	st, err := c.Status("Work/Projects", &imap.StatusOptions{NumMessages: true, UIDNext: true}).Wait()
	if err != nil || *st.NumMessages != 2 {
		t.Fatalf("STATUS: %+v %v", st, err)
	}
	if err := c.Logout().Wait(); err != nil {
		t.Fatal(err)
	}
}

// IDLE: a second session's APPEND reaches the idling client as EXISTS.
func TestIdleAgainstServer(t *testing.T) {
	addr := startServer(t)
	exists := make(chan uint32, 4)
	c := login(t, addr, &imapclient.Options{Handler: &imapclient.UnilateralHandler{Exists: func(n uint32) { exists <- n }}})
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	idle, err := c.Idle()
	if err != nil {
		t.Fatal(err)
	}
	other := login(t, addr, nil)
	msg := "From: a@b\r\nSubject: ping\r\n\r\nhi\r\n"
	if _, err := other.Append("INBOX", int64(len(msg)), strings.NewReader(msg), nil).Wait(); err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-exists:
		if n != 1 {
			t.Errorf("EXISTS %d", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no EXISTS during IDLE")
	}
	if err := idle.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
}
