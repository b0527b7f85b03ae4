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
	s := &Subscription{feed: f, max: capacity}
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
	feed     *Feed
	max      int
	ready    chan struct{}
	mu       sync.Mutex
	pending  []Event // allocated on the first event, released when drained large
	overflow bool
	closed   bool
	onReady  func() // see OnReady
}

// keptPending is the capacity of the pending buffer a subscription keeps
// after Drain; a burst beyond it (up to the subscription's capacity, 1024
// events by default) is released, so that an idle subscriber holds at most
// this much.
const keptPending = 32

func (s *Subscription) push(evs []Event) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	if s.overflow || len(s.pending)+len(evs) > s.max {
		// Never block the writer: drop what is buffered and report it.
		s.overflow = true
		if cap(s.pending) > keptPending {
			s.pending = nil
		} else {
			s.pending = s.pending[:0]
		}
		for _, e := range evs {
			if e.Kind == EventGone {
				s.pending = append(s.pending, e)
			}
		}
	} else {
		s.pending = append(s.pending, evs...)
	}
	fn, ready := s.onReady, s.ready
	s.mu.Unlock()
	if ready != nil {
		select {
		case ready <- struct{}{}:
		default:
		}
	}
	if fn != nil {
		fn()
	}
}

// OnReady makes the subscription call fn, besides signalling Ready,
// whenever events arrive, and at once if some are already pending; nil
// stops it. fn runs on the publisher's goroutine with the feed locked: it
// must return quickly and must not call into the feed. It lets a waiter
// such as an IMAP session in IDLE wait without a goroutine of its own
// (memory per idle connection).
func (s *Subscription) OnReady(fn func()) {
	s.mu.Lock()
	s.onReady = fn
	pending := len(s.pending) > 0 || s.overflow
	s.mu.Unlock()
	if fn != nil && pending {
		fn()
	}
}

// Ready is signalled (with capacity one: several events may be behind one
// signal) when Drain has something to return.
//
// The channel is made on the first call (a subscriber woken through
// OnReady never needs one), already signalled if events are pending.
func (s *Subscription) Ready() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ready == nil {
		s.ready = make(chan struct{}, 1)
		if len(s.pending) > 0 || s.overflow {
			s.ready <- struct{}{}
		}
	}
	return s.ready
}

// Drain appends the pending events to dst and returns it. After an
// overflow it returns a single EventOverflow (followed by EventGone if the
// mailbox went away); the subscriber must then re-list the mailbox.
func (s *Subscription) Drain(dst []Event) []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.overflow {
		dst = append(dst, Event{Kind: EventOverflow})
		s.overflow = false
	}
	dst = append(dst, s.pending...)
	if cap(s.pending) > keptPending {
		s.pending = nil
	} else {
		clear(s.pending)
		s.pending = s.pending[:0]
	}
	return dst
}

// Close ends the subscription.
func (s *Subscription) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.pending = nil
	s.onReady = nil
	s.mu.Unlock()
	s.feed.mu.Lock()
	delete(s.feed.subs, s)
	s.feed.mu.Unlock()
	return nil
}
