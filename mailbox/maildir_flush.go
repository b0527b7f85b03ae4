package mailbox

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// Group flush of staged bodies.
//
// A body must be durable before the rename that makes it visible (doc.go,
// order of writes). Appends that stage their bodies at about the same time
// share that flush: the first one to find no flush running becomes the
// flusher and makes every body staged so far durable with one syncfs(2) per
// file system, instead of one fdatasync per body (each of which, without a
// journal, also writes the tmp/ directory and issues its own cache flush).
// The others wait for it; bodies staged meanwhile form the next group, so
// the flush of one group overlaps the commit of the previous one
// (commitLoop). A lone body gets its own fdatasync, which writes nothing
// of other programs.
//
// syncfs also writes what other programs left dirty on the file system:
// the first call may take long, the following ones only write what was
// dirtied since. If syncfsSlowRuns calls in a row take longer than
// syncfsSlow (a writer keeps the disk saturated), bodies go back to
// parallel fdatasyncs for syncfsBackoff. On
// kernels before 5.8 syncfs does not report writeback errors; there, and
// on other systems, every body gets its own fdatasync.

var errNoSyncfs = errors.New("mailbox: syncfs not supported")

const (
	syncfsSlow     = time.Second
	syncfsSlowRuns = 3
	syncfsBackoff  = 10 * time.Second
)

// bodyFlush is one staged body waiting for its group's flush.
type bodyFlush struct {
	s    *mdStaged
	err  error
	done chan struct{}
}

func (b *bodyFlush) wait() error {
	<-b.done
	return b.err
}

// bodyFlusher batches the flushes of staged bodies of every mailbox.
type bodyFlusher struct {
	mu        sync.Mutex
	pending   []*bodyFlush
	running   bool
	slowRuns  atomic.Int32 // consecutive syncfs calls slower than syncfsSlow
	slowUntil atomic.Int64 // unix nanoseconds: per-file fdatasync until then
	noSyncfs  atomic.Bool  // syncfs failed with ENOSYS or similar
	syncfs    func(s *mdStaged) error
}

var bodies = &bodyFlusher{syncfs: func(s *mdStaged) error { return syncfs(s.fsys) }}

// startSync starts making st durable and returns the flush to wait for;
// nil means st was made durable (or failed: err) on the spot.
func startSync(st staged) (*bodyFlush, error) {
	s, ok := st.(*mdStaged)
	if !ok || !s.unsynced || !s.devOK || !syncfsReportsErrors() || bodies.noSyncfs.Load() {
		return nil, st.sync()
	}
	return bodies.start(s), nil
}

// releaseStaged closes a Maildir body's descriptor once it is durable and
// analysed.
func releaseStaged(st staged) {
	if s, ok := st.(*mdStaged); ok {
		s.release()
	}
}

// syncStaged makes st durable, sharing the flush with concurrent appends.
func syncStaged(st staged) error {
	f, err := startSync(st)
	if f != nil {
		err = f.wait()
	}
	return err
}

// syncStagedAll makes every item's body durable: one group.
func syncStagedAll(items []*appendItem) error {
	var first error
	fs := make([]*bodyFlush, 0, len(items))
	for _, it := range items {
		f, err := startSync(it.st)
		if err != nil && first == nil {
			first = err
		}
		if f != nil {
			fs = append(fs, f)
		}
	}
	for _, f := range fs {
		if err := f.wait(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (bf *bodyFlusher) start(s *mdStaged) *bodyFlush {
	f := &bodyFlush{s: s, done: make(chan struct{})}
	bf.mu.Lock()
	bf.pending = append(bf.pending, f)
	lead := !bf.running
	bf.running = true
	bf.mu.Unlock()
	if lead {
		bf.lead()
	}
	return f
}

// lead flushes the pending group, which holds the caller's own body, in
// the caller's goroutine (no hand-off for a lone delivery). Bodies staged
// meanwhile are flushed by a new goroutine, so the caller goes on to its
// commit at once.
func (bf *bodyFlusher) lead() {
	bf.mu.Lock()
	batch := bf.pending
	bf.pending = nil
	bf.mu.Unlock()
	bf.flush(batch)
	bf.mu.Lock()
	if len(bf.pending) > 0 {
		bf.mu.Unlock()
		go bf.lead()
		return
	}
	bf.running = false
	bf.mu.Unlock()
}

// flush makes one group durable: per file system, one syncfs, or
// fdatasyncs in parallel for a lone body, after a slow syncfs, or when
// syncfs fails (then each body's own result decides).
func (bf *bodyFlusher) flush(batch []*bodyFlush) {
	defer func() {
		if p := recover(); p != nil {
			for _, f := range batch {
				select {
				case <-f.done:
				default:
					f.err = errCommitPanic
					close(f.done)
				}
			}
		}
	}()
	byDev := make(map[uint64][]*bodyFlush, 1)
	for _, f := range batch {
		byDev[f.s.dev] = append(byDev[f.s.dev], f)
	}
	var wg sync.WaitGroup
	for _, g := range byDev {
		if len(byDev) == 1 {
			bf.flushFS(g)
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			bf.flushFS(g)
		}()
	}
	wg.Wait()
}

func (bf *bodyFlusher) flushFS(g []*bodyFlush) {
	if len(g) > 1 && time.Now().UnixNano() >= bf.slowUntil.Load() && !bf.noSyncfs.Load() {
		t := time.Now()
		err := bf.syncfs(g[0].s)
		if time.Since(t) <= syncfsSlow {
			bf.slowRuns.Store(0)
		} else if bf.slowRuns.Add(1) >= syncfsSlowRuns {
			bf.slowRuns.Store(0)
			bf.slowUntil.Store(time.Now().Add(syncfsBackoff).UnixNano())
		}
		if err == nil {
			for _, f := range g {
				f.s.unsynced = false
				close(f.done)
			}
			return
		}
		if errors.Is(err, errNoSyncfs) || isNoSys(err) {
			bf.noSyncfs.Store(true)
		}
		// The error may be another program's (syncfs reports every
		// writeback error on the file system): each body's own
		// fdatasync decides.
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, maxParallelSync)
	for _, f := range g {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			f.err = f.s.sync()
			<-sem
			close(f.done)
		}()
	}
	wg.Wait()
}
