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

// notifyEvents collects what the unilateral handler receives.
type notifyEvents struct {
	status chan *imap.StatusData
	list   chan *imap.ListData
	exists chan uint32
	fetch  chan *imapclient.FetchMessage
	codes  chan *imapclient.StatusResponse
}

func newNotifyEvents() (*notifyEvents, *imapclient.UnilateralHandler) {
	e := &notifyEvents{
		status: make(chan *imap.StatusData, 16),
		list:   make(chan *imap.ListData, 16),
		exists: make(chan uint32, 16),
		fetch:  make(chan *imapclient.FetchMessage, 16),
		codes:  make(chan *imapclient.StatusResponse, 16),
	}
	return e, &imapclient.UnilateralHandler{
		MailboxStatus: func(d *imap.StatusData) { e.status <- d },
		List:          func(d *imap.ListData) { e.list <- d },
		Exists:        func(n uint32) { e.exists <- n },
		Fetch:         func(m *imapclient.FetchMessage) { e.fetch <- m },
		Status:        func(s *imapclient.StatusResponse) { e.codes <- s },
	}
}

func recv[T any](t *testing.T, ch chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatal("no notification")
	}
	var zero T
	return zero
}

// TestNotifyAgainstServer: Notify's STATUS results, then notifications
// between commands at the handler while another session changes the store.
func TestNotifyAgainstServer(t *testing.T) {
	addr := startServer(t)
	ev, h := newNotifyEvents()
	a := login(t, addr, &imapclient.Options{Handler: h})
	b := login(t, addr, nil)
	if err := b.Create("Lists/A").Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	st, err := a.Notify(&imapclient.NotifyOptions{Status: true, Groups: []imapclient.NotifyGroup{
		{Filter: imapclient.NotifySelected,
			Events: []imapclient.NotifyEvent{imapclient.NotifyMessageNew, imapclient.NotifyMessageExpunge},
			Fetch:  &imap.FetchOptions{UID: true, Envelope: true}},
		{Filter: imapclient.NotifySubtree, Mailboxes: []string{"Lists"},
			Events: []imapclient.NotifyEvent{imapclient.NotifyMessageNew, imapclient.NotifyMessageExpunge, imapclient.NotifyMailboxName}},
	}}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if len(st) != 2 || st[0].Mailbox != "Lists" || st[1].Mailbox != "Lists/A" || st[1].NumMessages == nil || *st[1].NumMessages != 0 {
		t.Fatalf("STATUS results: %+v", st)
	}

	msg := "From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n"
	if _, err := b.Append("Lists/A", int64(len(msg)), strings.NewReader(msg), nil).Wait(); err != nil {
		t.Fatal(err)
	}
	s := recv(t, ev.status)
	if s.Mailbox != "Lists/A" || s.NumMessages == nil || *s.NumMessages != 1 || s.UIDNext != 2 {
		t.Fatalf("STATUS: %+v", s)
	}

	if _, err := b.Append("INBOX", int64(len(msg)), strings.NewReader(msg), nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if n := recv(t, ev.exists); n != 1 {
		t.Fatalf("EXISTS %d", n)
	}
	m := recv(t, ev.fetch)
	if m.UID != 1 || m.Envelope == nil || m.Envelope.Subject != "hi" {
		t.Fatalf("FETCH: %+v", m)
	}

	if err := b.Create("Lists/B").Wait(); err != nil {
		t.Fatal(err)
	}
	l := recv(t, ev.list)
	if l.Mailbox != "Lists/B" {
		t.Fatalf("LIST: %+v", l)
	}
	if l = recv(t, ev.list); l.Mailbox != "Lists" {
		t.Fatalf("parent LIST: %+v", l)
	}
	if err := b.Rename("Lists/B", "Lists/C").Wait(); err != nil {
		t.Fatal(err)
	}
	if l = recv(t, ev.list); l.Mailbox != "Lists/C" || l.OldName != "Lists/B" {
		t.Fatalf("rename LIST: %+v", l)
	}

	if _, err := a.Notify(nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := a.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
}

// TestNotifyErrors: BADEVENT is an *imap.Error with the supported events,
// a grammar violation is BAD, and NOTIFY SET with no group is refused by
// the client.
func TestNotifyErrors(t *testing.T) {
	addr := startServer(t)
	c := login(t, addr, nil)
	_, err := c.Notify(&imapclient.NotifyOptions{Groups: []imapclient.NotifyGroup{
		{Filter: imapclient.NotifyPersonal, Events: []imapclient.NotifyEvent{imapclient.NotifyMessageNew, imapclient.NotifyMessageExpunge, imapclient.NotifyAnnotationChange}},
	}}).Wait()
	var ie *imap.Error
	if !errors.As(err, &ie) || ie.Code != imap.CodeBadEvent || !strings.Contains(ie.CodeArg, "MessageNew") {
		t.Fatalf("BADEVENT: %v", err)
	}
	_, err = c.Notify(&imapclient.NotifyOptions{Groups: []imapclient.NotifyGroup{
		{Filter: imapclient.NotifyPersonal, Events: []imapclient.NotifyEvent{imapclient.NotifyMessageNew}},
	}}).Wait()
	if !errors.As(err, &ie) || ie.Type != imap.StatusBAD {
		t.Fatalf("MessageNew alone: %v", err)
	}
	if _, err := c.Notify(&imapclient.NotifyOptions{}).Wait(); err == nil {
		t.Fatal("empty NOTIFY SET accepted")
	}
	if err := c.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
}

// TestNotifyOverflowAgainstServer: an overflow arrives at the handler as
// OK [NOTIFICATIONOVERFLOW].
func TestNotifyOverflowAgainstServer(t *testing.T) {
	store := mailbox.NewMemory(mailbox.Options{})
	if err := store.CreateUser(context.Background(), "alice", "secret"); err != nil {
		t.Fatal(err)
	}
	srv := &imapserver.Server{Backend: mailbox.NewIMAPBackend(store), AllowInsecureAuth: true,
		AuthFailureDelay: time.Millisecond, MaxNotifyMailboxes: 7}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	addr := ln.Addr().String()
	ev, h := newNotifyEvents()
	a := login(t, addr, &imapclient.Options{Handler: h})
	b := login(t, addr, nil)
	// INBOX and the five default folders: six of seven.
	if _, err := a.Notify(&imapclient.NotifyOptions{Groups: []imapclient.NotifyGroup{
		{Filter: imapclient.NotifyPersonal, Events: []imapclient.NotifyEvent{imapclient.NotifyMessageNew, imapclient.NotifyMessageExpunge, imapclient.NotifyMailboxName}},
	}}).Wait(); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"one", "two"} {
		if err := b.Create(n).Wait(); err != nil {
			t.Fatal(err)
		}
	}
	recv(t, ev.list) // "one": seven watched
	for {
		select {
		case <-ev.list: // "two" is still reported before the overflow
			continue
		case s := <-ev.codes:
			if s.Code != imap.CodeNotificationOverflow {
				t.Fatalf("got %+v", s)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no overflow")
		}
		break
	}
	_, err = a.Notify(&imapclient.NotifyOptions{Groups: []imapclient.NotifyGroup{
		{Filter: imapclient.NotifyPersonal, Events: []imapclient.NotifyEvent{imapclient.NotifyMessageNew, imapclient.NotifyMessageExpunge}},
	}}).Wait()
	var ie *imap.Error
	if !errors.As(err, &ie) || ie.Code != imap.CodeNotificationOverflow {
		t.Fatalf("too many mailboxes: %v", err)
	}
}
