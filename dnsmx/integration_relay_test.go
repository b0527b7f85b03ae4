package dnsmx

import (
	"context"
	"io"
	"strings"
	"testing"
)

func testDelivery(domain string, rcpts ...string) *Delivery {
	d := &Delivery{Domain: domain, From: "alice@sender.test", Size: int64(len(testMsg)),
		Body: func() io.Reader { return strings.NewReader(testMsg) }}
	for _, r := range rcpts {
		d.Rcpts = append(d.Rcpts, Recipient{Addr: r})
	}
	return d
}

// TestRealDNSRelay delivers through a real DNS server (dnsmasq) to real
// mailwire SMTP servers on loopback addresses acting as the MX hosts.
func TestRealDNSRelay(t *testing.T) {
	dns := startDnsmasq(t, testZone()...)
	port, mxs := startMXs(t,
		[]string{"mx1.a.test", "mx2.a.test", "implicit.test"},
		[]string{"127.0.0.2", "127.0.0.3", "127.0.0.4"}, nil)
	mx1, mx2, imp := mxs[0], mxs[1], mxs[2]
	relayer := func() *Relayer {
		return &Relayer{Resolver: &DNSClient{Server: dns}, Port: port, HelloName: "relay.test", Logger: discardLogger()}
	}
	reset := func() {
		for _, m := range mxs {
			m.mu.Lock()
			m.msgs, m.behaviour, m.sessions = nil, mxAccept, 0
			m.mu.Unlock()
		}
	}
	ctx := context.Background()

	t.Run("preferred host", func(t *testing.T) {
		reset()
		res := relayer().Deliver(ctx, testDelivery("a.test", "bob@a.test", "carol@a.test"))
		wantStatus(t, res, StatusDelivered, StatusDelivered)
		if n := len(mx1.Messages()); n != 1 || len(mx2.Messages()) != 0 {
			t.Fatalf("mx1 got %d, mx2 %d", n, len(mx2.Messages()))
		}
		m := mx1.Messages()[0]
		if m.Body != testMsg || len(m.Rcpts) != 2 || m.From != "alice@sender.test" {
			t.Fatalf("received %+v", m)
		}
		if res[0].RemoteMTA != "mx1.a.test" {
			t.Fatalf("RemoteMTA %q", res[0].RemoteMTA)
		}
	})
	t.Run("through a CNAME", func(t *testing.T) {
		reset()
		res := relayer().Deliver(ctx, testDelivery("alias.test", "bob@alias.test"))
		wantStatus(t, res, StatusDelivered)
		if len(mx1.Messages()) != 1 {
			t.Fatal("mx1 did not receive")
		}
	})
	t.Run("fallback on 4xx", func(t *testing.T) {
		reset()
		mx1.set(mxTempRcpt)
		res := relayer().Deliver(ctx, testDelivery("a.test", "bob@a.test"))
		wantStatus(t, res, StatusDelivered)
		if len(mx1.Messages()) != 0 || len(mx2.Messages()) != 1 || res[0].RemoteMTA != "mx2.a.test" {
			t.Fatalf("mx1 %d mx2 %d", len(mx1.Messages()), len(mx2.Messages()))
		}
	})
	t.Run("fallback on 4xx after data", func(t *testing.T) {
		reset()
		mx1.set(mxTempData)
		res := relayer().Deliver(ctx, testDelivery("a.test", "bob@a.test"))
		wantStatus(t, res, StatusDelivered)
		if len(mx2.Messages()) != 1 {
			t.Fatal("mx2 did not receive")
		}
	})
	t.Run("fallback on 421 greeting", func(t *testing.T) {
		reset()
		mx1.set(mxTempConnect)
		res := relayer().Deliver(ctx, testDelivery("a.test", "bob@a.test"))
		wantStatus(t, res, StatusDelivered)
		if len(mx2.Messages()) != 1 {
			t.Fatal("mx2 did not receive")
		}
	})
	t.Run("every host 4xx is temporary", func(t *testing.T) {
		reset()
		mx1.set(mxTempRcpt)
		mx2.set(mxTempRcpt)
		res := relayer().Deliver(ctx, testDelivery("a.test", "bob@a.test"))
		wantStatus(t, res, StatusTemporary)
		if res[0].Reply == nil || res[0].Reply.Code != 451 || res[0].RemoteMTA != "mx2.a.test" {
			t.Fatalf("result %+v", res[0])
		}
	})
	t.Run("permanent on 5xx", func(t *testing.T) {
		reset()
		mx1.set(mxPermRcpt)
		res := relayer().Deliver(ctx, testDelivery("a.test", "bob@a.test"))
		wantStatus(t, res, StatusPermanent)
		if res[0].Reply.Code != 550 || res[0].Reply.EnhancedCode != [3]int{5, 1, 1} || res[0].RemoteMTA != "mx1.a.test" {
			t.Fatalf("result %+v", res[0])
		}
		if mx2.Sessions() != 0 {
			t.Fatal("a 5xx must not be retried at the next MX")
		}
	})
	t.Run("implicit MX", func(t *testing.T) {
		reset()
		res := relayer().Deliver(ctx, testDelivery("implicit.test", "dave@implicit.test"))
		wantStatus(t, res, StatusDelivered)
		if len(imp.Messages()) != 1 || res[0].RemoteMTA != "implicit.test" {
			t.Fatalf("implicit MX got %d", len(imp.Messages()))
		}
	})
	t.Run("null MX", func(t *testing.T) {
		reset()
		res := relayer().Deliver(ctx, testDelivery("null.test", "x@null.test"))
		wantStatus(t, res, StatusPermanent)
		if r := res[0].Reply; r.Code != 556 || r.EnhancedCode != [3]int{5, 1, 10} || res[0].RemoteMTA != "" {
			t.Fatalf("null MX reply %+v", res[0])
		}
	})
	t.Run("no such domain", func(t *testing.T) {
		res := relayer().Deliver(ctx, testDelivery("nowhere.test", "x@nowhere.test"))
		wantStatus(t, res, StatusPermanent)
		if res[0].Reply.EnhancedCode != [3]int{5, 1, 2} {
			t.Fatalf("reply %+v", res[0].Reply)
		}
	})
	t.Run("fallback when the preferred host is down", func(t *testing.T) {
		reset()
		mx1.stop()
		res := relayer().Deliver(ctx, testDelivery("a.test", "bob@a.test"))
		wantStatus(t, res, StatusDelivered)
		if len(mx2.Messages()) != 1 {
			t.Fatal("mx2 did not receive")
		}
	})
	t.Run("every host down is temporary", func(t *testing.T) {
		reset()
		mx2.stop()
		res := relayer().Deliver(ctx, testDelivery("a.test", "bob@a.test"))
		wantStatus(t, res, StatusTemporary)
		if res[0].Reply.EnhancedCode != [3]int{4, 4, 1} {
			t.Fatalf("reply %+v", res[0].Reply)
		}
	})
}

func wantStatus(t *testing.T, res []Result, want ...Status) {
	t.Helper()
	if len(res) != len(want) {
		t.Fatalf("%d results, want %d", len(res), len(want))
	}
	for i, w := range want {
		if res[i].Status != w {
			t.Fatalf("recipient %d (%s): %v %+v, want %v", i, res[i].Rcpt, res[i].Status, res[i].Reply, w)
		}
	}
}
