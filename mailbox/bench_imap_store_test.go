package mailbox_test

import (
	"testing"

	"github.com/mailwire/mailwire/mailbox"
)

// BenchmarkIMAPStore10k is issue 5's STORE figure measured in-process: an
// IMAP session on a 10,000-message Maildir INBOX sends
// "STORE 1:* +FLAGS (\Seen)" (alternating with -FLAGS, so every message
// changes every time) and reads the 10,000 untagged FETCH responses. One
// op is one STORE; cpu-ms/op is the CPU of the whole process (server and
// the test's line-reading client).
//
//	go test -run=^$ -bench=IMAPStore10k -benchtime=20x ./mailbox
func BenchmarkIMAPStore10k(b *testing.B) {
	for _, silent := range []bool{false, true} {
		name := "FETCH"
		if silent {
			name = "SILENT"
		}
		b.Run(name, func(b *testing.B) { benchIMAPStore(b, silent) })
	}
}

func benchIMAPStore(b *testing.B, silent bool) {
	const n = 10000
	dir := makeBigMaildir(b, n)
	s, err := mailbox.OpenMaildir(dir, mailbox.Options{Logger: discardLogger{}, Analyze: mailbox.IMAPAnalyze})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	cmd, stop := benchSession(b, s)
	defer stop()
	cmd("s", "SELECT INBOX")
	store := "+FLAGS"
	if silent {
		store = "+FLAGS.SILENT"
	}
	b.ResetTimer()
	cpu0 := processCPU()
	lines := 0
	for i := range b.N {
		op := store
		if i%2 == 1 {
			op = "-" + store[1:]
		}
		lines += cmd("t", "STORE 1:* "+op+` (\Seen)`)
	}
	b.StopTimer()
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(lines)/float64(b.N), "lines/op")
}
