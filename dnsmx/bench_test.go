package dnsmx

import (
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"testing"
)

// blockTransport holds every delivery until the benchmark ends, so that
// only enqueueing is measured.
type blockTransport struct{ release chan struct{} }

func (b blockTransport) Deliver(ctx context.Context, d *Delivery) []Result {
	select {
	case <-b.release:
	case <-ctx.Done():
	}
	return resultsFor(d, StatusTemporary, localReply(451, [3]int{4, 0, 0}, "benchmark"), "")
}

var msg4k = "From: a@a.example\r\nTo: b@b.example\r\nSubject: bench\r\nMessage-ID: <bench@a.example>\r\n\r\n" +
	strings.Repeat(strings.Repeat("x", 78)+"\r\n", 4096/80)

func benchQueue(b *testing.B) *Queue {
	tr := blockTransport{release: make(chan struct{})}
	q := &Queue{Dir: b.TempDir(), Transport: tr, Hostname: "bench.test", Logger: discardLogger(), MaxMessages: 1 << 30}
	if err := q.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		close(tr.release)
		q.Close()
	})
	return q
}

// BenchmarkEnqueue is the durable enqueue rate of one client: write, fsync
// the file, rename, fsync the directory.
func BenchmarkEnqueue(b *testing.B) {
	q := benchQueue(b)
	to := []string{"b@b.example"}
	b.SetBytes(int64(len(msg4k)))
	b.ReportAllocs()
	for b.Loop() {
		if err := q.Relay(context.Background(), "a@a.example", to, strings.NewReader(msg4k)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEnqueueParallel: 8 concurrent clients share directory fsyncs.
func BenchmarkEnqueueParallel(b *testing.B) {
	q := benchQueue(b)
	to := []string{"b@b.example"}
	b.SetBytes(int64(len(msg4k)))
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := q.Relay(context.Background(), "a@a.example", to, strings.NewReader(msg4k)); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkRelayDeliver sends 4 KiB messages to a loopback mailwire SMTP
// server over a reused connection.
func BenchmarkRelayDeliver(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	m := &testMX{Name: "sink.test", Addr: ln.Addr().String(), ln: ln, discard: true}
	startOneB(b, m)
	r := &Relayer{SmartHost: m.Addr, HelloName: "bench.test", Logger: discardLogger()}
	defer r.Close()
	d := testDelivery("b.example", "b@b.example")
	d.Size = int64(len(msg4k))
	d.Body = func() io.Reader { return strings.NewReader(msg4k) }
	b.SetBytes(d.Size)
	b.ReportAllocs()
	for b.Loop() {
		if res := r.Deliver(context.Background(), d); res[0].Status != StatusDelivered {
			b.Fatalf("%+v", res[0])
		}
	}
}

func BenchmarkLookup(b *testing.B) {
	r := &MockResolver{MX: map[string][]*net.MX{"example.com": {
		{Host: "mx1.example.com.", Pref: 10}, {Host: "mx2.example.com.", Pref: 10}, {Host: "mx3.example.com.", Pref: 20},
	}}}
	l := &Lookuper{Resolver: r}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Lookup(context.Background(), "example.com"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseSTSPolicy(b *testing.B) {
	p := []byte(enforceA)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseSTSPolicy(p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseDeliveryStatus(b *testing.B) {
	report := []byte("Reporting-MTA: dns; a.example\r\n\r\nFinal-Recipient: rfc822; b@b.example\r\nAction: failed\r\nStatus: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 unknown\r\n")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseDeliveryStatus(bytes.NewReader(report)); err != nil {
			b.Fatal(err)
		}
	}
}
