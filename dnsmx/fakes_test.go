package dnsmx

import (
	"context"
	"io"
	"sync"
	"testing"
	"time"
)

// fakeClock is a Clock that moves only when the test says so.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []fakeWaiter
}

type fakeWaiter struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, fakeWaiter{at: c.now.Add(d), ch: ch})
	return ch
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(c.now) {
			w.ch <- c.now
		} else {
			kept = append(kept, w)
		}
	}
	c.waiters = kept
}

// scriptTransport answers deliveries with a test-supplied function and
// records what it was given.
type scriptTransport struct {
	mu                    sync.Mutex
	answer                func(d *Delivery, body string) []Result
	calls                 []transportCall
	inFlight, maxInFlight map[string]int
}

type transportCall struct {
	Domain string
	Rcpts  []string
	Body   string
}

func (s *scriptTransport) Deliver(ctx context.Context, d *Delivery) []Result {
	b, _ := io.ReadAll(d.Body())
	s.mu.Lock()
	var rcpts []string
	for _, r := range d.Rcpts {
		rcpts = append(rcpts, r.Addr)
	}
	s.calls = append(s.calls, transportCall{d.Domain, rcpts, string(b)})
	if s.inFlight == nil {
		s.inFlight, s.maxInFlight = map[string]int{}, map[string]int{}
	}
	s.inFlight[d.Domain]++
	s.maxInFlight[d.Domain] = max(s.maxInFlight[d.Domain], s.inFlight[d.Domain])
	answer := s.answer
	s.mu.Unlock()
	res := answer(d, string(b))
	s.mu.Lock()
	s.inFlight[d.Domain]--
	s.mu.Unlock()
	return res
}

func (s *scriptTransport) Calls() []transportCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]transportCall(nil), s.calls...)
}

// all gives every recipient of d the same status and reply.
func all(d *Delivery, st Status, code int, enh [3]int, msg string) []Result {
	var reply = localReply(code, enh, msg)
	if st == StatusDelivered {
		reply = nil
	}
	return resultsFor(d, st, reply, "mx."+d.Domain)
}

// dsnCapture collects DSNs handed to Queue.SendDSN.
type dsnCapture struct {
	mu   sync.Mutex
	dsns []capturedDSN
}

type capturedDSN struct {
	From string
	To   []string
	Body string
}

func (c *dsnCapture) send(ctx context.Context, from string, to []string, body io.Reader) error {
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.dsns = append(c.dsns, capturedDSN{from, to, string(b)})
	c.mu.Unlock()
	return nil
}

func (c *dsnCapture) All() []capturedDSN {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]capturedDSN(nil), c.dsns...)
}

// queueHarness is a Queue on a temp dir with fakes and an event stream.
type queueHarness struct {
	t      *testing.T
	q      *Queue
	clock  *fakeClock
	tr     *scriptTransport
	dsn    *dsnCapture
	events chan Event
}

func newQueueHarness(t *testing.T, dir string, answer func(d *Delivery, body string) []Result, tune func(q *Queue)) *queueHarness {
	t.Helper()
	h := &queueHarness{t: t, clock: newFakeClock(), tr: &scriptTransport{answer: answer}, dsn: &dsnCapture{}, events: make(chan Event, 10000)}
	h.q = &Queue{
		Dir:       dir,
		Transport: h.tr,
		SendDSN:   h.dsn.send,
		Hostname:  "relay.test",
		Clock:     h.clock,
		Rand:      func() float64 { return 0.5 }, // jitter factor exactly 1
		Logger:    discardLogger(),
		OnEvent:   func(e Event) { h.events <- e },
	}
	if tune != nil {
		tune(h.q)
	}
	if err := h.q.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.q.Close() })
	return h
}

// wait returns the next event of kind (others are skipped), failing the
// test if none comes within a generous real-time bound.
func (h *queueHarness) wait(kind EventKind) Event {
	h.t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case e := <-h.events:
			if e.Kind == kind {
				return e
			}
		case <-deadline:
			h.t.Fatalf("no event of kind %d", kind)
		}
	}
}

// advance moves the fake clock and nudges the dispatcher.
func (h *queueHarness) advance(d time.Duration) {
	h.clock.Advance(d)
	h.q.signal()
}

// noEvent checks that no event of kind is pending right now (after the
// queue had a chance to act).
func (h *queueHarness) drain() []Event {
	var out []Event
	for {
		select {
		case e := <-h.events:
			out = append(out, e)
		default:
			return out
		}
	}
}
