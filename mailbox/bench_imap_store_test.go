package mailbox_test

import (
	"bufio"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/mailwire/mailwire/imap/imapserver"
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
	srv := &imapserver.Server{Backend: mailbox.NewIMAPBackend(s), AllowInsecureAuth: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go srv.Serve(ln)
	defer srv.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReaderSize(c, 64<<10)
	lines := 0
	cmd := func(tag, line string) {
		if _, err := io.WriteString(c, tag+" "+line+"\r\n"); err != nil {
			b.Fatal(err)
		}
		for {
			l, err := r.ReadSlice('\n')
			if err != nil && err != bufio.ErrBufferFull {
				b.Fatal(err)
			}
			lines++
			if strings.HasPrefix(string(l), tag+" ") {
				if !strings.HasPrefix(string(l), tag+" OK") {
					b.Fatalf("%s: %s", line, l)
				}
				return
			}
		}
	}
	if _, err := r.ReadString('\n'); err != nil {
		b.Fatal(err)
	}
	cmd("l", "LOGIN u p")
	cmd("s", "SELECT INBOX")
	store := "+FLAGS"
	if silent {
		store = "+FLAGS.SILENT"
	}
	b.ResetTimer()
	cpu0 := processCPU()
	lines = 0
	for i := range b.N {
		op := store
		if i%2 == 1 {
			op = "-" + store[1:]
		}
		cmd("t", "STORE 1:* "+op+` (\Seen)`)
	}
	b.StopTimer()
	b.ReportMetric(float64((processCPU()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
	b.ReportMetric(float64(lines)/float64(b.N), "lines/op")
}
