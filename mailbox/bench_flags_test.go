package mailbox_test

import (
	"context"
	"testing"

	"github.com/mailwire/mailwire/mailbox"
)

// BenchmarkStoreFlags10kRenamed is BenchmarkStoreFlags10k with the
// deferred file renames applied inside every op (what the quiet-period
// timer does later): the whole cost of a STORE 1:* that other Maildir
// programs get to see, 10,000 rename(2)s included.
//
//	go test -run=^$ -bench=StoreFlags10kRenamed -benchtime=10x ./mailbox
func BenchmarkStoreFlags10kRenamed(b *testing.B) {
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
	uids := uidsOf(l)
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
		mailbox.ApplyFlagRenames(s)
		if mailbox.PendingFlagRenames(s) != 0 {
			b.Fatal("renames left pending")
		}
	}
}
