package mailbox_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailwire/mailwire/mailbox"
)

// BenchmarkIMAPFirstSort100k measures the first SORT (DATE) and THREAD
// REFERENCES after a restart: every op opens the Maildir store afresh (a
// new store, backend and imapserver.Server, so the sort cache is empty),
// logs in and selects INBOX untimed, then times the one command. The
// fixture is 100,000 list-like messages analysed by mailbox.IMAPAnalyze
// when the store first opens them. cpu-ms/op is the whole process's CPU
// during the command (server and the test's reading client).
//
//	MAILWIRE_SORT_BENCH_DIR=/tmp/sortfix go test -run=^$ -bench=IMAPFirstSort100k -benchtime=5x ./mailbox
//
// MAILWIRE_SORT_BENCH_DIR keeps the fixture (and so the analysis blobs it
// was made with) between runs; MAILWIRE_BENCH_N changes the count.
func BenchmarkIMAPFirstSort100k(b *testing.B) {
	n := 100000
	if v := os.Getenv("MAILWIRE_BENCH_N"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	dir := makeSortMaildir(b, n)
	for _, cmd := range []string{"SORT (DATE) UTF-8 ALL", "THREAD REFERENCES UTF-8 ALL"} {
		b.Run(strings.Fields(cmd)[0]+"_"+strings.Fields(cmd)[1], func(b *testing.B) {
			benchFirstCommand(b, dir, cmd)
		})
	}
}

func benchFirstCommand(b *testing.B, dir, command string) {
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		s, err := mailbox.OpenMaildir(dir, mailbox.Options{Logger: discardLogger{}, Analyze: mailbox.IMAPAnalyze})
		if err != nil {
			b.Fatal(err)
		}
		cmd, stop := benchSession(b, s)
		cmd("s", "SELECT INBOX")
		b.StartTimer()
		cpu0 := processCPU()
		cmd("t", command)
		cpu += processCPU() - cpu0
		b.StopTimer()
		stop()
		s.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// makeSortMaildir writes n list-like messages (dates out of order, reply
// subjects, Message-ID, In-Reply-To and a folded References on two
// thirds) into cur/ and opens the store once, which analyses them.
func makeSortMaildir(b *testing.B, n int) string {
	b.Helper()
	dir, exists := fixtureDir(b, "MAILWIRE_SORT_BENCH_DIR", mailbox.Options{Logger: discardLogger{}})
	if exists {
		return dir
	}
	cur := filepath.Join(dir, "u", "Maildir", "cur")
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var hdr strings.Builder
	for i := range n {
		topic := (i * 7919) % (n/5 + 1)
		d := base.Add(time.Duration((i*104729)%(365*24*3600)) * time.Second)
		hdr.Reset()
		fmt.Fprintf(&hdr, "Return-Path: <user%d@example.org>\r\nReceived: from mx.example.org by mail.example.net with ESMTP id %d; %s\r\n", i%500, i, d.Format(time.RFC1123Z))
		fmt.Fprintf(&hdr, "From: User %d <user%d@example.org>\r\nTo: list@example.org\r\nDate: %s\r\nMessage-ID: <%d.%d@example.org>\r\n", i%500, i%500, d.Format(time.RFC1123Z), i, topic)
		switch i % 3 {
		case 0:
			fmt.Fprintf(&hdr, "Subject: Topic %d\r\n", topic)
		default:
			p, q := i/2, i/4
			fmt.Fprintf(&hdr, "Subject: Re: [list] Topic %d\r\nIn-Reply-To: <%d.%d@example.org>\r\nReferences: <%d.%d@example.org>\r\n <%d.%d@example.org>\r\n", topic, p, (p*7919)%(n/5+1), q, (q*7919)%(n/5+1), p, (p*7919)%(n/5+1))
		}
		hdr.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello,\r\n\r\nthis is message " + strconv.Itoa(i) + ".\r\n")
		name := fmt.Sprintf("%d.M%dP1.bench:2,", 1700000000+i, i)
		if err := os.WriteFile(filepath.Join(cur, name), []byte(hdr.String()), 0o600); err != nil {
			b.Fatal(err)
		}
	}
	defer mailbox.SetSyncTiming(time.Hour, 0)()
	s, err := mailbox.OpenMaildir(dir, mailbox.Options{Logger: discardLogger{}, Analyze: mailbox.IMAPAnalyze})
	if err != nil {
		b.Fatal(err)
	}
	if st, err := s.Status(context.Background(), "u", "INBOX"); err != nil || int(st.Messages) != n {
		b.Fatalf("fixture: %+v %v", st, err)
	}
	s.Close()
	return dir
}
