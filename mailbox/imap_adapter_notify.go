package mailbox

import (
	"context"
	"errors"
	"sync"

	"github.com/mailwire/mailwire/imap/imapserver"
)

// This file makes the IMAP adapter an imapserver.NotifyUser (RFC 5465
// NOTIFY): message changes in watched mailboxes come from Store.Watch, one
// subscription per mailbox; mailbox-list changes from the per-user list
// feed (feed_user.go) when the store offers one, METADATA changes too.

var _ imapserver.NotifyUser = (*imapUser)(nil)

// Notify implements imapserver.NotifyUser.
func (u *imapUser) Notify(ctx context.Context, queueSize int) (imapserver.Notifier, error) {
	n := &imapNotifier{
		user:  u,
		ready: make(chan struct{}, 1),
		subs:  map[string]*Subscription{},
	}
	if w, ok := u.store.(MailboxListWatcher); ok {
		ls, err := w.WatchMailboxList(ctx, u.name, queueSize)
		if err != nil {
			return nil, imapErr(err)
		}
		ls.OnReady(n.signal)
		n.list = ls
	}
	return n, nil
}

// imapNotifier merges the signals of its subscriptions into one channel
// through their OnReady callbacks: no goroutine, whatever the number of
// watched mailboxes.
type imapNotifier struct {
	user  *imapUser
	ready chan struct{}

	mu     sync.Mutex
	subs   map[string]*Subscription
	list   *ListSubscription
	closed bool
	evBuf  []Event
	lsBuf  []ListEvent
}

// signal runs on the publishers' goroutines: it never blocks.
func (n *imapNotifier) signal() {
	select {
	case n.ready <- struct{}{}:
	default:
	}
}

// Watch implements imapserver.Notifier.
func (n *imapNotifier) Watch(ctx context.Context, names []string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return ErrClosed
	}
	want := make(map[string]bool, len(names))
	for _, name := range names {
		want[name] = true
		if n.subs[name] != nil {
			continue
		}
		sub, err := n.user.store.Watch(ctx, n.user.name, name)
		if errors.Is(err, ErrNoSuchMailbox) {
			continue // RFC 5465 §3.1: ignore names that do not exist
		}
		if err != nil {
			return imapErr(err)
		}
		sub.OnReady(n.signal)
		n.subs[name] = sub
	}
	for name, sub := range n.subs {
		if !want[name] {
			sub.Close()
			delete(n.subs, name)
		}
	}
	return nil
}

// Updates implements imapserver.Notifier.
func (n *imapNotifier) Updates() <-chan struct{} { return n.ready }

// Events implements imapserver.Notifier. Message events are coalesced to
// one per mailbox and kind: the server answers them with one STATUS.
func (n *imapNotifier) Events() ([]imapserver.NotifyEvent, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []imapserver.NotifyEvent
	overflow := false
	if n.list != nil {
		n.lsBuf = n.list.Drain(n.lsBuf[:0])
		for _, ev := range n.lsBuf {
			var k imapserver.NotifyEventKind
			switch ev.Kind {
			case ListCreate:
				k = imapserver.NotifyCreate
			case ListDelete:
				k = imapserver.NotifyDelete
			case ListRename:
				k = imapserver.NotifyRename
			case ListSubscribe:
				k = imapserver.NotifySubscribe
			case ListUnsubscribe:
				k = imapserver.NotifyUnsubscribe
			case ListMetadata:
				out = append(out, imapserver.NotifyEvent{Kind: imapserver.NotifyMetadata, Name: ev.Name, Entry: ev.Entry})
				continue
			case ListOverflow:
				overflow = true
				continue
			default:
				continue
			}
			out = append(out, imapserver.NotifyEvent{Kind: k, Name: ev.Name, OldName: ev.OldName})
		}
		clear(n.lsBuf)
	}
	for name, sub := range n.subs {
		n.evBuf = sub.Drain(n.evBuf[:0])
		var app, exp, fl bool
		for _, ev := range n.evBuf {
			switch ev.Kind {
			case EventAppend:
				app = true
			case EventExpunge:
				exp = true
			case EventFlags:
				fl = true
			case EventOverflow:
				// Lost events of one mailbox: its STATUS is a summary,
				// so reporting every kind once loses nothing.
				app, exp, fl = true, true, true
			}
		}
		clear(n.evBuf)
		add := func(ok bool, k imapserver.ChangeKind) {
			if ok {
				out = append(out, imapserver.NotifyEvent{Kind: imapserver.NotifyMessages, Name: name, Change: k})
			}
		}
		add(app, imapserver.ChangeAppend)
		add(exp, imapserver.ChangeExpunge)
		add(fl, imapserver.ChangeFlags)
	}
	return out, overflow
}

// Close implements imapserver.Notifier.
func (n *imapNotifier) Close() error {
	n.mu.Lock()
	if n.closed {
		n.mu.Unlock()
		return nil
	}
	n.closed = true
	for name, sub := range n.subs {
		sub.Close()
		delete(n.subs, name)
	}
	if n.list != nil {
		n.list.Close()
	}
	n.mu.Unlock()
	return nil
}
