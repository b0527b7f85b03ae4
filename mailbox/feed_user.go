package mailbox

import (
	"context"
	"sync"
)

// This file is the per-user feed of mailbox-list changes: mailboxes
// created, deleted and renamed, subscriptions changed, and METADATA
// entries set or deleted (RFC 5465 §5.6, §5.7). Store.Watch
// reports what happens inside one mailbox; IMAP NOTIFY (RFC 5465 §5.4,
// §5.5) also needs to know when the list of mailboxes itself changes.
//
// The feed lives in this process only: changes another process makes to a
// shared Maildir are not reported (their messages are, through Watch, once
// the mailbox is touched).

// ListEventKind tells what happened to a user's mailbox list.
type ListEventKind uint8

const (
	ListCreate      ListEventKind = iota + 1 // Name was created
	ListDelete                               // Name was deleted
	ListRename                               // OldName (and its children) became Name
	ListSubscribe                            // Name was subscribed
	ListUnsubscribe                          // Name was unsubscribed
	ListOverflow                             // events were lost: re-read the list
	// ListMetadata: metadata entry Entry of mailbox Name was set or
	// deleted. Name "" is the user's server metadata: the store keeps
	// server entries per user (GetMetadata(user, "")), so only that
	// user's watchers hear of them.
	ListMetadata
)

func (k ListEventKind) String() string {
	switch k {
	case ListCreate:
		return "create"
	case ListDelete:
		return "delete"
	case ListRename:
		return "rename"
	case ListSubscribe:
		return "subscribe"
	case ListUnsubscribe:
		return "unsubscribe"
	case ListOverflow:
		return "overflow"
	case ListMetadata:
		return "metadata"
	}
	return "unknown"
}

// ListEvent is one change of a user's mailbox list.
type ListEvent struct {
	Kind    ListEventKind
	Name    string
	OldName string // ListRename
	Entry   string // ListMetadata
	// origin is the Done channel of the context of the call that caused
	// the event (nil for contexts that are never cancelled).
	origin <-chan struct{}
}

// MailboxListWatcher is implemented by stores that report mailbox-list
// changes (both stores of this package do). It is separate from Store so
// that other Store implementations keep compiling.
type MailboxListWatcher interface {
	// WatchMailboxList subscribes to the list changes of user. When ctx
	// can be cancelled, changes caused by calls made with that same ctx
	// are not delivered: a session is not told about its own CREATE
	// (RFC 5465 §5 SHOULD). capacity bounds the pending events (default
	// 1024 when <= 0); beyond it the subscriber sees one ListOverflow.
	WatchMailboxList(ctx context.Context, user string, capacity int) (*ListSubscription, error)
}

var _ MailboxListWatcher = (*engine)(nil)

// ListSubscription receives one user's list changes. Wait on Ready, then
// call Drain; Close when done.
type ListSubscription struct {
	hub    *listHub
	origin <-chan struct{}
	q      eventQueue[ListEvent]
}

// OnReady makes the subscription call fn, besides signalling Ready,
// whenever events arrive, and at once if some are pending; nil stops it.
// fn runs on the publisher's goroutine: it must return quickly and must
// not call into the store.
func (s *ListSubscription) OnReady(fn func()) { s.q.setOnReady(fn) }

// Ready is signalled (capacity one) when Drain has something to return.
func (s *ListSubscription) Ready() <-chan struct{} { return s.q.readyChan() }

// Drain appends the pending events to dst. After an overflow it returns a
// single ListOverflow first.
func (s *ListSubscription) Drain(dst []ListEvent) []ListEvent {
	return s.q.drain(dst, ListEvent{Kind: ListOverflow})
}

// Close ends the subscription.
func (s *ListSubscription) Close() error {
	if s.q.close() {
		s.hub.remove(s)
	}
	return nil
}

// push queues the events not caused by the subscriber's own calls.
func (s *ListSubscription) push(evs []ListEvent) {
	if s.origin != nil {
		own := 0
		for _, ev := range evs {
			if ev.origin == s.origin {
				own++
			}
		}
		if own > 0 {
			others := make([]ListEvent, 0, len(evs)-own)
			for _, ev := range evs {
				if ev.origin != s.origin {
					others = append(others, ev)
				}
			}
			evs = others
		}
	}
	s.q.push(evs, nil)
}

// listHub is the set of list subscriptions of one user of one engine.
type listHub struct {
	key  listHubKey
	mu   sync.Mutex
	subs map[*ListSubscription]struct{}
}

type listHubKey struct {
	e    *engine
	user string
}

// listHubs holds a hub only while it has subscribers, so that publishing
// for a user nobody watches costs one map lookup. It is keyed by engine
// so that several stores in one process stay apart.
var listHubs sync.Map // listHubKey → *listHub

func (h *listHub) remove(s *ListSubscription) {
	h.mu.Lock()
	delete(h.subs, s)
	if len(h.subs) == 0 {
		listHubs.CompareAndDelete(h.key, h)
	}
	h.mu.Unlock()
}

// WatchMailboxList implements MailboxListWatcher.
func (e *engine) WatchMailboxList(ctx context.Context, user string, capacity int) (*ListSubscription, error) {
	u, err := e.user(user)
	if err != nil {
		return nil, err
	}
	if capacity <= 0 {
		capacity = 1024
	}
	key := listHubKey{e, u.name}
	for {
		v, _ := listHubs.LoadOrStore(key, &listHub{key: key, subs: map[*ListSubscription]struct{}{}})
		h := v.(*listHub)
		h.mu.Lock()
		if cur, _ := listHubs.Load(key); cur != h {
			// The hub emptied and was dropped meanwhile: take a new one.
			h.mu.Unlock()
			continue
		}
		s := &ListSubscription{hub: h, origin: ctx.Done()}
		s.q.max = capacity
		h.subs[s] = struct{}{}
		h.mu.Unlock()
		return s, nil
	}
}

// publishList delivers list events of user (a normalised name) to its
// subscribers. It never blocks and takes no store lock, so the hooks may
// call it with any lock held.
func (e *engine) publishList(ctx context.Context, user string, evs ...ListEvent) {
	if len(evs) == 0 {
		return
	}
	v, ok := listHubs.Load(listHubKey{e, user})
	if !ok {
		return
	}
	origin := ctx.Done()
	for i := range evs {
		evs[i].origin = origin
	}
	h := v.(*listHub)
	h.mu.Lock()
	for s := range h.subs {
		s.push(evs)
	}
	h.mu.Unlock()
}
