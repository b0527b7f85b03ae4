package mailbox_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mailwire/mailwire/mailbox"
)

const benchMsg4K = "From: a@example.org\r\nTo: b@example.org\r\nSubject: benchmark\r\n\r\n"

func body4K() string {
	return benchMsg4K + strings.Repeat("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd\r\n", 4096/64)
}

// BenchmarkAppendDurable measures durable appends (file + directory +
// index fsync'd before return) with 1, 8 and 32 concurrent writers on one
// mailbox; the concurrent ones share fsyncs through group commit.
//
//	go test -run=^$ -bench=AppendDurable -benchtime=400x ./mailbox
func BenchmarkAppendDurable(b *testing.B) {
	for _, conc := range []int{1, 8, 32} {
		b.Run(fmt.Sprintf("c=%d", conc), func(b *testing.B) {
			ctx := context.Background()
			s, err := mailbox.OpenMaildir(b.TempDir(), mailbox.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			s.CreateUser(ctx, "u", "p")
			body := body4K()
			b.SetBytes(int64(len(body)))
			b.ResetTimer()
			var n atomic.Int64
			var wg sync.WaitGroup
			for range conc {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for n.Add(1) <= int64(b.N) {
						if _, err := s.Append(ctx, "u", "INBOX", strings.NewReader(body), nil, time.Time{}); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}

// BenchmarkAppendMany measures IMAP MULTIAPPEND-style batches of 100
// durable messages (parallel fdatasyncs, one commit).
func BenchmarkAppendMany(b *testing.B) {
	ctx := context.Background()
	s, err := mailbox.OpenMaildir(b.TempDir(), mailbox.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	s.CreateUser(ctx, "u", "p")
	body := body4K()
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for done := 0; done < b.N; done += 100 {
		batch := make([]mailbox.AppendMessage, min(100, b.N-done))
		for i := range batch {
			batch[i].Body = strings.NewReader(body)
		}
		if _, err := s.AppendMany(ctx, "u", "INBOX", batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// makeBigMaildir writes n message files into an INBOX the way another
// Maildir tool would and lets the store import them once, so the
// benchmark starts from an indexed 100,000-message mailbox.
func makeBigMaildir(b *testing.B, n int) string {
	b.Helper()
	dir, exists := fixtureDir(b, "MAILWIRE_BENCH_DIR", mailbox.Options{Logger: discardLogger{}})
	if exists {
		defer mailbox.SetSyncTiming(time.Hour, 0)()
		s, _ := mailbox.OpenMaildir(dir, mailbox.Options{Logger: discardLogger{}})
		s.Status(context.Background(), "u", "INBOX")
		s.Close()
		return dir
	}
	ctx := context.Background()
	cur := filepath.Join(dir, "u", "Maildir", "cur")
	msg := []byte("Subject: x\r\n\r\nbody\r\n")
	for i := range n {
		name := fmt.Sprintf("%d.M%dP1.bench:2,", 1700000000+i, i)
		if i%3 == 0 {
			name += "S"
		}
		if err := os.WriteFile(filepath.Join(cur, name), msg, 0o600); err != nil {
			b.Fatal(err)
		}
	}
	defer mailbox.SetSyncTiming(time.Hour, 0)()
	s, err := mailbox.OpenMaildir(dir, mailbox.Options{Logger: discardLogger{}})
	if err != nil {
		b.Fatal(err)
	}
	if st, err := s.Status(ctx, "u", "INBOX"); err != nil || int(st.Messages) != n {
		b.Fatalf("fixture: %+v %v", st, err)
	}
	s.Close() // writes the sync marker: the steady state of a quiet mailbox
	return dir
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// BenchmarkOpen100k opens a 100,000-message mailbox from disk (store open,
// index replay, directory check) and reports the heap it keeps per message.
//
//	go test -run=^$ -bench=Open100k -benchtime=5x ./mailbox
func BenchmarkOpen100k(b *testing.B) {
	n := 100000
	if v := os.Getenv("MAILWIRE_BENCH_N"); v != "" {
		fmt.Sscan(v, &n)
	}
	dir := makeBigMaildir(b, n)
	ctx := context.Background()
	b.ResetTimer()
	var perMsg float64
	for range b.N {
		b.StopTimer()
		before := heapInUse()
		b.StartTimer()
		s, err := mailbox.OpenMaildir(dir, mailbox.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Status(ctx, "u", "INBOX"); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		perMsg = float64(heapInUse()-before) / float64(n)
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(perMsg, "heapB/msg")
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/open")
}

// BenchmarkList100k is the FETCH 1:* (UID FLAGS) / POP3 LIST path.
func BenchmarkList100k(b *testing.B) {
	const n = 100000
	dir := makeBigMaildir(b, n)
	ctx := context.Background()
	s, err := mailbox.OpenMaildir(dir, mailbox.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if l, err := s.List(ctx, "u", "INBOX"); err != nil || len(l) != n {
			b.Fatal(err)
		}
	}
}

// BenchmarkStoreFlags10k is IMAP's STORE 1:* +FLAGS (\Seen) (alternating
// with -FLAGS so every iteration changes every message) on a
// 10,000-message Maildir INBOX; one op is one STORE over all messages.
//
//	go test -run=^$ -bench=StoreFlags10k -benchtime=20x ./mailbox
func BenchmarkStoreFlags10k(b *testing.B) {
	const n = 10000
	dir := makeBigMaildir(b, n)
	ctx := context.Background()
	s, err := mailbox.OpenMaildir(dir, mailbox.Options{Logger: discardLogger{}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	l, err := s.List(ctx, "u", "INBOX")
	if err != nil || len(l) != n {
		b.Fatal(err)
	}
	uids := make([]uint32, n)
	for i, m := range l {
		uids[i] = m.UID
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := processCPU()
	defer func() {
		b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
	}()
	for i := range b.N {
		op := mailbox.FlagsAdd
		if i%2 == 1 {
			op = mailbox.FlagsRemove
		}
		if _, err := s.StoreFlags(ctx, "u", "INBOX", uids, op, []string{`\Seen`}, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenMessage is POP3 RETR / IMAP BODY.PEEK[] on a quiet
// 10,000-message Maildir INBOX: open one message and read it.
//
//	go test -run=^$ -bench=OpenMessage ./mailbox
func BenchmarkOpenMessage(b *testing.B) {
	const n = 10000
	dir := makeBigMaildir(b, n)
	ctx := context.Background()
	s, err := mailbox.OpenMaildir(dir, mailbox.Options{Logger: discardLogger{}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	l, err := s.List(ctx, "u", "INBOX")
	if err != nil || len(l) != n {
		b.Fatal(err)
	}
	buf := make([]byte, 4096)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		m, err := s.Open(ctx, "u", "INBOX", l[i%n].UID)
		if err != nil {
			b.Fatal(err)
		}
		m.Read(buf)
		m.Close()
	}
}
