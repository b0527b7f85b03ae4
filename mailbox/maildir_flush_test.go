package mailbox

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/iotest"
	"testing/synctest"
	"time"
)

// stagedFiles writes n unsynced bodies as stage would, on "device" 1.
func stagedFiles(t *testing.T, n int) []*mdStaged {
	t.Helper()
	dir := t.TempDir()
	d, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	var out []*mdStaged
	for i := range n {
		p := filepath.Join(dir, strconv.Itoa(i))
		if err := os.WriteFile(p, []byte("Subject: "+strconv.Itoa(i)+"\r\n\r\nbody\r\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		out = append(out, &mdStaged{path: p, n: 20, unsynced: true, fsys: d, dev: 1, devOK: true})
	}
	return out
}

// TestBodyFlushGroup: bodies staged while a flush is running form one
// group that one syncfs makes durable; every appender gets the result.
func TestBodyFlushGroup(t *testing.T) {
	var calls int
	bf := &bodyFlusher{syncfs: func(s *mdStaged) error { calls++; return nil }}
	files := stagedFiles(t, 8)
	bf.running = true // a flush is under way: these wait for the next one
	flushes := make([]*bodyFlush, len(files))
	for i, s := range files {
		flushes[i] = bf.start(s)
	}
	bf.lead() // the running flush ends and takes the next group
	for i, f := range flushes {
		if err := f.wait(); err != nil {
			t.Fatalf("body %d: %v", i, err)
		}
		if files[i].unsynced {
			t.Errorf("body %d not marked durable", i)
		}
	}
	if calls != 1 {
		t.Errorf("syncfs calls = %d, want 1 for a group of %d", calls, len(files))
	}
	if bf.running || len(bf.pending) != 0 {
		t.Errorf("flusher not idle: running=%v pending=%d", bf.running, len(bf.pending))
	}
}

// TestBodyFlushAlone: a lone body gets its own fdatasync, not syncfs
// (which would also write what other programs left dirty).
func TestBodyFlushAlone(t *testing.T) {
	bf := &bodyFlusher{syncfs: func(s *mdStaged) error { t.Error("syncfs for a lone body"); return nil }}
	s := stagedFiles(t, 1)[0]
	if err := bf.start(s).wait(); err != nil {
		t.Fatal(err)
	}
	if s.unsynced {
		t.Error("lone body not marked durable")
	}
}

// TestBodyFlushFallback: when syncfs fails, each body's own fdatasync
// decides (the error may be another program's); a missing syncfs is not
// tried again.
func TestBodyFlushFallback(t *testing.T) {
	for _, tc := range []struct {
		err      error
		disabled bool
	}{
		{&os.SyscallError{Syscall: "syncfs", Err: syscall.EIO}, false},
		{&os.SyscallError{Syscall: "syncfs", Err: syscall.ENOSYS}, isNoSys(syscall.ENOSYS)}, // linux only
		{errNoSyncfs, true},
	} {
		bf := &bodyFlusher{syncfs: func(s *mdStaged) error { return tc.err }}
		files := stagedFiles(t, 4)
		bf.running = true
		var fs []*bodyFlush
		for _, s := range files {
			fs = append(fs, bf.start(s))
		}
		bf.lead()
		for i, f := range fs {
			if err := f.wait(); err != nil {
				t.Errorf("%v: body %d: %v", tc.err, i, err)
			}
			if files[i].unsynced {
				t.Errorf("%v: body %d not durable", tc.err, i)
			}
		}
		if bf.noSyncfs.Load() != tc.disabled {
			t.Errorf("%v: syncfs disabled = %v, want %v", tc.err, bf.noSyncfs.Load(), tc.disabled)
		}
	}
	// A body whose own flush fails reports it.
	bf := &bodyFlusher{syncfs: func(s *mdStaged) error { return syscall.EIO }}
	files := stagedFiles(t, 2)
	files[1].path += ".gone"
	bf.running = true
	f0, f1 := bf.start(files[0]), bf.start(files[1])
	bf.lead()
	if err := f0.wait(); err != nil {
		t.Errorf("good body: %v", err)
	}
	if err := f1.wait(); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing body: err = %v, want not exist", err)
	}
}

// TestBodyFlushConcurrent: many appenders at once (under -race) all get
// durable bodies and the flusher ends idle.
func TestBodyFlushConcurrent(t *testing.T) {
	var mu sync.Mutex
	calls := 0
	bf := &bodyFlusher{syncfs: func(s *mdStaged) error { mu.Lock(); calls++; mu.Unlock(); return nil }}
	files := stagedFiles(t, 64)
	var wg sync.WaitGroup
	for _, s := range files {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := bf.start(s).wait(); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	for i, s := range files {
		if s.unsynced {
			t.Errorf("body %d not durable", i)
		}
	}
	bf.mu.Lock()
	defer bf.mu.Unlock()
	if bf.running || len(bf.pending) != 0 {
		t.Errorf("flusher not idle")
	}
	t.Logf("64 bodies, %d syncfs calls", calls)
}

// TestCopyFull: bytes arrive in small chunks and leave in buffer-sized
// writes; read errors other than EOF are returned.
func TestCopyFull(t *testing.T) {
	var w chunkWriter
	src := strings.Repeat("0123456789", 1000) // 10,000 bytes
	n, err := copyFull(&w, iotest.OneByteReader(strings.NewReader(src)), make([]byte, 4096))
	if err != nil || n != int64(len(src)) || w.b.String() != src {
		t.Fatalf("copied %d, %v", n, err)
	}
	if want := []int{4096, 4096, 1808}; !slices.Equal(w.sizes, want) {
		t.Errorf("writes %v, want %v", w.sizes, want)
	}
	_, err = copyFull(&w, iotest.TimeoutReader(strings.NewReader(src)), make([]byte, 16))
	if !errors.Is(err, iotest.ErrTimeout) {
		t.Errorf("read error: %v", err)
	}
}

type chunkWriter struct {
	b     bytes.Buffer
	sizes []int
}

func (w *chunkWriter) Write(p []byte) (int, error) {
	w.sizes = append(w.sizes, len(p))
	return w.b.Write(p)
}

// TestBodyFlushSlowBackoff: syncfsSlowRuns syncfs calls in a row slower
// than syncfsSlow (a disk kept saturated by another writer) send groups
// back to per-body fdatasyncs for syncfsBackoff; after it, syncfs again.
// The slow calls take fake time (testing/synctest).
func TestBodyFlushSlowBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		calls := 0
		bf := &bodyFlusher{syncfs: func(s *mdStaged) error {
			calls++
			time.Sleep(syncfsSlow + time.Millisecond)
			return nil
		}}
		group := func() {
			t.Helper()
			files := stagedFiles(t, 2)
			g := []*bodyFlush{
				{s: files[0], done: make(chan struct{})},
				{s: files[1], done: make(chan struct{})},
			}
			bf.flushFS(g)
			for i, f := range g {
				if err := f.wait(); err != nil || files[i].unsynced {
					t.Fatalf("body %d: err %v, unsynced %v", i, err, files[i].unsynced)
				}
			}
		}
		for range syncfsSlowRuns {
			group()
		}
		if calls != syncfsSlowRuns {
			t.Fatalf("syncfs calls = %d, want %d", calls, syncfsSlowRuns)
		}
		group() // backing off: fdatasync per body
		if calls != syncfsSlowRuns {
			t.Fatalf("syncfs called during the backoff (%d calls)", calls)
		}
		time.Sleep(syncfsBackoff)
		group()
		if calls != syncfsSlowRuns+1 {
			t.Fatalf("syncfs calls after the backoff = %d, want %d", calls, syncfsSlowRuns+1)
		}
	})
}
