package mailbox

import "sync"

// eventQueue is the pending-event buffer of a subscription (Subscription,
// ListSubscription): bounded, never blocking the publisher (an overflow
// flag replaces the events it cannot hold), waking the subscriber through
// a channel or a callback.
type eventQueue[E any] struct {
	max      int
	ready    chan struct{} // made by the first Ready
	mu       sync.Mutex
	pending  []E // allocated on the first event, released when drained large
	overflow bool
	closed   bool
	onReady  func() // see Subscription.OnReady
}

// keptPending is the capacity of the pending buffer a subscription keeps
// after Drain; a burst beyond it (up to the subscription's capacity, 1024
// events by default) is released, so that an idle subscriber holds at most
// this much.
const keptPending = 32

// push adds evs. Past the capacity everything pending is dropped and the
// overflow reported instead; keep (if not nil) picks the events that
// survive an overflow.
func (q *eventQueue[E]) push(evs []E, keep func(E) bool) {
	if len(evs) == 0 {
		return
	}
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return
	}
	if q.overflow || len(q.pending)+len(evs) > q.max {
		q.overflow = true
		q.release()
		if keep != nil {
			for _, e := range evs {
				if keep(e) {
					q.pending = append(q.pending, e)
				}
			}
		}
	} else {
		q.pending = append(q.pending, evs...)
	}
	fn, ready := q.onReady, q.ready
	q.mu.Unlock()
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

// release empties pending, giving a large buffer back (q.mu held).
func (q *eventQueue[E]) release() {
	if cap(q.pending) > keptPending {
		q.pending = nil
	} else {
		clear(q.pending)
		q.pending = q.pending[:0]
	}
}

func (q *eventQueue[E]) setOnReady(fn func()) {
	q.mu.Lock()
	q.onReady = fn
	pending := len(q.pending) > 0 || q.overflow
	q.mu.Unlock()
	if fn != nil && pending {
		fn()
	}
}

func (q *eventQueue[E]) readyChan() <-chan struct{} {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.ready == nil {
		q.ready = make(chan struct{}, 1)
		if len(q.pending) > 0 || q.overflow {
			q.ready <- struct{}{}
		}
	}
	return q.ready
}

// drain appends the pending events to dst, after overflowEv if events
// were lost.
func (q *eventQueue[E]) drain(dst []E, overflowEv E) []E {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.overflow {
		dst = append(dst, overflowEv)
		q.overflow = false
	}
	dst = append(dst, q.pending...)
	q.release()
	return dst
}

// close reports whether the queue was open.
func (q *eventQueue[E]) close() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return false
	}
	q.closed = true
	q.pending = nil
	q.onReady = nil
	return true
}
