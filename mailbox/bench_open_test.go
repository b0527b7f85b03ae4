package mailbox_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/mailwire/mailwire/mailbox"
)

// blobAnalyze stands in for IMAPAnalyze: a ~1 KiB analysis blob per
// message, the size the IMAP adapter's ENVELOPE/BODYSTRUCTURE cache has.
func blobAnalyze(r io.Reader) ([]byte, error) {
	io.Copy(io.Discard, r)
	return []byte(strings.Repeat("(envelope bodystructure) ", 40)), nil
}

// makeBlobMaildir is makeBigMaildir with analysis blobs in the index, as
// a mailbox served over IMAP has them (MAILWIRE_BENCH_BLOB_DIR keeps it).
func makeBlobMaildir(b *testing.B, n int) string {
	b.Helper()
	defer mailbox.SetSyncTiming(time.Hour, 0)()
	opts := mailbox.Options{Logger: discardLogger{}, Analyze: blobAnalyze}
	dir, exists := fixtureDir(b, "MAILWIRE_BENCH_BLOB_DIR", opts)
	if exists {
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
	s, err := mailbox.OpenMaildir(dir, opts)
	if err != nil {
		b.Fatal(err)
	}
	if st, err := s.Status(ctx, "u", "INBOX"); err != nil || int(st.Messages) != n {
		b.Fatalf("fixture: %+v %v", st, err)
	}
	s.Close()
	return dir
}

// benchOpen opens dir's INBOX b.N times and reports time and retained
// heap per message.
func benchOpen(b *testing.B, dir string, n int, before func()) {
	ctx := context.Background()
	var perMsg float64
	var cpu time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		if before != nil {
			before()
		}
		h0 := heapInUse()
		c0 := processCPU()
		b.StartTimer()
		s, err := mailbox.OpenMaildir(dir, mailbox.Options{Logger: discardLogger{}})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Status(ctx, "u", "INBOX"); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		cpu += processCPU() - c0
		perMsg = float64(heapInUse()-h0) / float64(n)
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(perMsg, "heapB/msg")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/msg")
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/open")
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/open")
}

// BenchmarkOpenBlobs100k opens a 100,000-message mailbox with ~1 KiB
// analysis blobs per message from disk: from the index snapshot (the
// normal case), and by replaying the whole log (no snapshot: an index
// written by the previous version, or a damaged snapshot).
//
//	go test -run=^$ -bench=OpenBlobs100k -benchtime=5x ./mailbox
func BenchmarkOpenBlobs100k(b *testing.B) {
	n := 100000
	if v := os.Getenv("MAILWIRE_BENCH_N"); v != "" {
		fmt.Sscan(v, &n)
	}
	dir := makeBlobMaildir(b, n)
	snap := filepath.Join(dir, "u", "Maildir", "mailwire.snap")
	b.Run("snapshot", func(b *testing.B) {
		if _, err := os.Stat(snap); err != nil {
			// Written by the first open that replayed the log.
			s, _ := mailbox.OpenMaildir(dir, mailbox.Options{Logger: discardLogger{}})
			s.Status(context.Background(), "u", "INBOX")
			s.Close()
		}
		benchOpen(b, dir, n, nil)
	})
	b.Run("replay", func(b *testing.B) {
		defer mailbox.SetSnapMin(1 << 50)()
		saved, err := os.ReadFile(snap)
		if err != nil {
			b.Fatal(err)
		}
		defer os.WriteFile(snap, saved, 0o600)
		benchOpen(b, dir, n, func() { os.Remove(snap) })
	})
}

// BenchmarkSnapshot100k is the store side of IMAP SELECT on an open
// 100,000-message mailbox: the first Snapshot after a change builds the
// arrays, later ones share them.
func BenchmarkSnapshot100k(b *testing.B) {
	const n = 100000
	dir := makeBigMaildir(b, n)
	ctx := context.Background()
	s, err := mailbox.OpenMaildir(dir, mailbox.Options{Logger: discardLogger{}})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for _, changed := range []bool{true, false} {
		b.Run(fmt.Sprintf("changed=%v", changed), func(b *testing.B) {
			b.ReportAllocs()
			for i := range b.N {
				if changed {
					b.StopTimer()
					s.StoreFlags(ctx, "u", "INBOX", []uint32{1}, mailbox.FlagsSet, []string{fmt.Sprint("k", i%2)}, 0)
					b.StartTimer()
				}
				snap, err := s.Snapshot(ctx, "u", "INBOX")
				if err != nil || len(snap.UIDs) != n {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSelectCold100k is IMAP SELECT of a 100,000-message mailbox
// (with analysis blobs) in a store opened just before, over a real
// connection: store open from the snapshot, the adapter's Snapshot and
// the server's view. LOGIN is outside the timed part, as in the imap-big
// benchmark; cpu-ms/select is this process's CPU during SELECT.
//
//	go test -run=^$ -bench=SelectCold100k -benchtime=10x ./mailbox
func BenchmarkSelectCold100k(b *testing.B) {
	n := 100000
	if v := os.Getenv("MAILWIRE_BENCH_N"); v != "" {
		fmt.Sscan(v, &n)
	}
	dir := makeBlobMaildir(b, n)
	var cpu time.Duration
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		s, err := mailbox.OpenMaildir(dir, mailbox.Options{Logger: discardLogger{}, Analyze: mailbox.IMAPAnalyze})
		if err != nil {
			b.Fatal(err)
		}
		cmd, stop := benchSession(b, s)
		runtime.GC()
		c0 := processCPU()
		b.StartTimer()
		cmd("b", "SELECT INBOX")
		b.StopTimer()
		cpu += processCPU() - c0
		stop()
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/select")
}
