package dnsmx

import (
	"container/heap"
	"slices"
	"time"

	"github.com/mailwire/mailwire/smtp"
)

// QueueEntry describes a queued message for operators (Queue.List).
type QueueEntry struct {
	ID        string
	From      string
	MessageID string
	Created   time.Time
	Size      int64
	Rcpts     []RcptEntry
}

// RcptEntry is one recipient of a QueueEntry.
type RcptEntry struct {
	Addr        string
	Status      Status // 0 while pending
	Attempts    int
	NextAttempt time.Time
	LastAttempt time.Time
	LastReply   *smtp.Error
	RemoteMTA   string
}

// List returns the queued messages, oldest first.
func (q *Queue) List() []QueueEntry {
	if q.Start() != nil {
		return nil
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]QueueEntry, 0, len(q.items))
	for _, it := range q.items {
		e := QueueEntry{ID: it.rec.ID, From: it.rec.From, MessageID: it.rec.MessageID, Created: it.rec.Created, Size: it.rec.Size}
		for i, r := range it.rec.Rcpts {
			s := it.st.Rcpts[i]
			e.Rcpts = append(e.Rcpts, RcptEntry{Addr: r.Addr, Status: s.Status, Attempts: s.Attempts,
				NextAttempt: s.Next, LastAttempt: s.LastAttempt, LastReply: s.Reply, RemoteMTA: s.RemoteMTA})
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b QueueEntry) int {
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
	return out
}

// RetryNow makes every waiting delivery of message id due immediately.
func (q *Queue) RetryNow(id string) error {
	if err := q.Start(); err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	it := q.items[id]
	if it == nil {
		return ErrNotQueued
	}
	now := q.Clock.Now()
	for _, j := range it.jobs {
		if j.running || j.ready {
			continue
		}
		if j.index >= 0 {
			heap.Remove(&q.waiting, j.index)
		}
		j.due = now
		q.readyLocked(j)
	}
	return nil
}

// Remove deletes message id from the queue without a DSN. A delivery in
// progress is not interrupted, but its outcome is ignored.
func (q *Queue) Remove(id string) error {
	if err := q.Start(); err != nil {
		return err
	}
	q.mu.Lock()
	it := q.items[id]
	if it == nil {
		q.mu.Unlock()
		return ErrNotQueued
	}
	it.removed = true
	delete(q.items, id)
	for _, j := range it.jobs {
		if j.index >= 0 {
			heap.Remove(&q.waiting, j.index)
		}
		if j.ready {
			if ds := q.domains[j.domain]; ds != nil {
				ds.ready = slices.DeleteFunc(ds.ready, func(x *job) bool { return x == j })
			}
			j.ready = false
		}
	}
	q.mu.Unlock()
	it.persistMu.Lock() // no state write may recreate the file
	err := q.st.remove(id)
	it.persistMu.Unlock()
	q.emit(Event{Kind: EventDone, ID: id})
	return err
}

// jobHeap orders waiting jobs by due time (container/heap).
type jobHeap []*job

func (h jobHeap) Len() int           { return len(h) }
func (h jobHeap) Less(i, k int) bool { return h[i].due.Before(h[k].due) }
func (h jobHeap) Swap(i, k int) {
	h[i], h[k] = h[k], h[i]
	h[i].index = i
	h[k].index = k
}
func (h *jobHeap) Push(x any) {
	j := x.(*job)
	j.index = len(*h)
	*h = append(*h, j)
}
func (h *jobHeap) Pop() any {
	old := *h
	j := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	j.index = -1
	return j
}

func (h *jobHeap) push(j *job) { heap.Push(h, j) }
func (h *jobHeap) pop() *job   { return heap.Pop(h).(*job) }
