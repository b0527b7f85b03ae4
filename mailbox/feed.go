package mailbox

import "sync"

// EventKind tells what happened to a mailbox.
type EventKind uint8

const (
	EventAppend   EventKind = iota + 1 // a message was added (UID, ModSeq, Flags)
	EventFlags                         // a message's flags changed (UID, ModSeq, Flags)
	EventExpunge                       // a message was removed (UID, ModSeq)
	EventOverflow                      // events were lost: re-list the mailbox
	EventGone                          // the mailbox was deleted or renamed
)

func (k EventKind) String() string {
	switch k {
	case EventAppend:
		return "append"
	case EventFlags:
		return "flags"
	case EventExpunge:
		return "expunge"
	case EventOverflow:
		return "overflow"
	case EventGone:
		return "gone"
	}
	return "unknown"
}

// Event is one change of a mailbox, in MODSEQ order.
type Event struct {
	Kind   EventKind
	UID    uint32
	ModSeq uint64
	Flags  []string // read-only; for EventAppend and EventFlags
}

// Feed fans the changes of one mailbox out to subscriptions. Publish never
// blocks: a subscriber whose buffer is full loses the events and sees one
// EventOverflow instead. Store implementations outside this package can use
// it to build Watch.
type Feed struct {
	mu   sync.Mutex
	subs map[*Subscription]struct{}
}

// Subscribe returns a subscription with room for capacity pending events
// (default 1024 when capacity <= 0).
func (f *Feed) Subscribe(capacity int) *Subscription {
	if capacity <= 0 {
		capacity = 1024
	}
	s := &Subscription{feed: f}
	s.q.max = capacity
	f.mu.Lock()
	if f.subs == nil {
		f.subs = make(map[*Subscription]struct{})
	}
	f.subs[s] = struct{}{}
	f.mu.Unlock()
	return s
}

// Publish delivers events to every subscription. Callers publish in MODSEQ
// order (typically while holding the mailbox's write lock).
func (f *Feed) Publish(evs ...Event) {
	if len(evs) == 0 {
		return
	}
	f.mu.Lock()
	for s := range f.subs {
		s.push(evs)
	}
	f.mu.Unlock()
}

// Len returns the number of live subscriptions.
func (f *Feed) Len() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs)
}

// Subscription receives the events of one mailbox. Wait on Ready, then call
// Drain.
type Subscription struct {
	feed *Feed
	q    eventQueue[Event]
}

func (s *Subscription) push(evs []Event) {
	// After an overflow the mailbox's removal must still be seen.
	s.q.push(evs, func(e Event) bool { return e.Kind == EventGone })
}

// OnReady makes the subscription call fn, besides signalling Ready,
// whenever events arrive, and at once if some are already pending; nil
// stops it. fn runs on the publisher's goroutine with the feed locked: it
// must return quickly and must not call into the feed. It lets a waiter
// such as an IMAP session in IDLE wait without a goroutine of its own
// (memory per idle connection).
func (s *Subscription) OnReady(fn func()) { s.q.setOnReady(fn) }

// Ready is signalled (with capacity one: several events may be behind one
// signal) when Drain has something to return.
//
// The channel is made on the first call (a subscriber woken through
// OnReady never needs one), already signalled if events are pending.
func (s *Subscription) Ready() <-chan struct{} { return s.q.readyChan() }

// Drain appends the pending events to dst and returns it. After an
// overflow it returns a single EventOverflow (followed by EventGone if the
// mailbox went away); the subscriber must then re-list the mailbox.
func (s *Subscription) Drain(dst []Event) []Event {
	return s.q.drain(dst, Event{Kind: EventOverflow})
}

// Close ends the subscription.
func (s *Subscription) Close() error {
	if s.q.close() {
		s.feed.mu.Lock()
		delete(s.feed.subs, s)
		s.feed.mu.Unlock()
	}
	return nil
}
