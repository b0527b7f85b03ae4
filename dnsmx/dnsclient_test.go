package dnsmx

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

func TestDNSClientMX(t *testing.T) {
	f := startFakeDNS(t, func(q dnsmessage.Question, tcp bool) []byte {
		return newReply(q).mx("a.test.", 20, "mx2.a.test.").mx("a.test.", 10, "mx1.a.test.").bytes()
	})
	c := &DNSClient{Server: f.addr}
	mx, err := c.LookupMX(context.Background(), "a.test")
	if err != nil || len(mx) != 2 || mx[0].Host != "mx2.a.test." || mx[1].Pref != 10 {
		t.Fatalf("mx %v err %v", mx, err)
	}
	if q := f.Queries(); len(q) != 1 || q[0] != "udp TypeMX a.test." {
		t.Fatalf("queries %v", q)
	}
}

func TestDNSClientRcodes(t *testing.T) {
	f := startFakeDNS(t, func(q dnsmessage.Question, tcp bool) []byte {
		r := newReply(q)
		switch q.Name.String() {
		case "nx.test.":
			r.rcode = dnsmessage.RCodeNameError
		case "sf.test.":
			r.rcode = dnsmessage.RCodeServerFailure
		case "refused.test.":
			r.rcode = dnsmessage.RCodeRefused
		case "nodata.test.":
			r.a("nodata.test.", [4]byte{192, 0, 2, 1}) // wrong type only
		}
		return r.bytes()
	})
	c := &DNSClient{Server: f.addr}
	for name, want := range map[string]dnsOutcome{"nx.test": dnsNotFound, "nodata.test": dnsNotFound, "sf.test": dnsTemporary, "refused.test": dnsTemporary} {
		_, err := c.LookupMX(context.Background(), name)
		if err == nil || classify(err) != want {
			t.Errorf("%s: err %v, outcome %v want %v", name, err, classify(err), want)
		}
	}
}

func TestDNSClientTimeoutIsTemporary(t *testing.T) {
	f := startFakeDNS(t, func(q dnsmessage.Question, tcp bool) []byte { return nil })
	c := &DNSClient{Server: f.addr, Timeout: 50 * time.Millisecond, Attempts: 2}
	_, err := c.LookupMX(context.Background(), "a.test")
	var de *net.DNSError
	if !errorsAs(err, &de) || !de.IsTimeout || classify(err) != dnsTemporary {
		t.Fatalf("err %v", err)
	}
	if n := len(f.Queries()); n != 2 {
		t.Fatalf("%d attempts, want 2", n)
	}
}

// A truncated UDP reply makes the client repeat the query over TCP
// (RFC 1035 §4.2.2).
func TestDNSClientTruncationFallsBackToTCP(t *testing.T) {
	f := startFakeDNS(t, func(q dnsmessage.Question, tcp bool) []byte {
		r := newReply(q)
		if !tcp {
			r.tc = true
			return r.bytes()
		}
		for i := range 100 {
			r.txt("big.test.", fmt.Sprintf("record %03d %s", i, strings.Repeat("x", 100)))
		}
		return r.bytes()
	})
	c := &DNSClient{Server: f.addr}
	txt, err := c.LookupTXT(context.Background(), "big.test")
	if err != nil || len(txt) != 100 {
		t.Fatalf("got %d records, err %v", len(txt), err)
	}
	if q := f.Queries(); !slices.Equal(q, []string{"udp TypeTXT big.test.", "tcp TypeTXT big.test."}) {
		t.Fatalf("queries %v", q)
	}
}

// A reply with the wrong ID (a spoofing attempt or a late answer) is
// ignored; the genuine one that follows is used (RFC 5452 §4.3).
func TestDNSClientIgnoresMismatchedReplies(t *testing.T) {
	f := startFakeDNSWith(t, &fakeDNS{
		answer: func(q dnsmessage.Question, tcp bool) []byte {
			return newReply(q).mx("a.test.", 10, "good.a.test.").bytes()
		},
		extraUDP: func(id uint16, q dnsmessage.Question) []byte {
			forged := newReply(q).mx("a.test.", 0, "evil.example.").bytes()
			binary.BigEndian.PutUint16(forged, id+1)
			return forged
		},
	})
	mx, err := (&DNSClient{Server: f.addr}).LookupMX(context.Background(), "a.test")
	if err != nil || len(mx) != 1 || mx[0].Host != "good.a.test." {
		t.Fatalf("mx %v err %v", mx, err)
	}
}

func TestDNSClientSkipsMalformedRecords(t *testing.T) {
	f := startFakeDNS(t, func(q dnsmessage.Question, tcp bool) []byte {
		return newReply(q).
			raw("a.test.", dnsmessage.TypeMX, []byte{0, 5, 0xC0, 0xFF}). // compression pointer out of range
			mx("a.test.", 10, "mx1.a.test.").
			raw("a.test.", dnsmessage.TypeMX, []byte{0}). // too short
			bytes()
	})
	mx, err := (&DNSClient{Server: f.addr}).LookupMX(context.Background(), "a.test")
	if err != nil || len(mx) != 1 || mx[0].Host != "mx1.a.test." {
		t.Fatalf("mx %v err %v", mx, err)
	}
	// All malformed: a definite, permanent answer.
	g := startFakeDNS(t, func(q dnsmessage.Question, tcp bool) []byte {
		return newReply(q).raw("a.test.", dnsmessage.TypeMX, []byte{0}).bytes()
	})
	_, err = (&DNSClient{Server: g.addr}).LookupMX(context.Background(), "a.test")
	if err == nil || classify(err) != dnsPermanent {
		t.Fatalf("err %v", err)
	}
}

func TestDNSClientCNAMEChains(t *testing.T) {
	f := startFakeDNS(t, func(q dnsmessage.Question, tcp bool) []byte {
		r := newReply(q)
		switch q.Name.String() {
		case "alias.test.": // full chain in one answer, mixed case
			r.cname("ALIAS.test.", "mid.test.").cname("mid.test.", "a.test.").mx("a.test.", 10, "mx.a.test.")
		case "partial.test.": // chain ends early: the client asks again
			r.cname("partial.test.", "a.test.")
		case "a.test.":
			r.mx("a.test.", 10, "mx.a.test.")
		case "loop.test.":
			r.cname("loop.test.", "loop2.test.").cname("loop2.test.", "loop.test.")
		case "hop0.test.": // a long chain spread over many replies
			r.cname("hop0.test.", "hop1.test.")
		default:
			var n int
			if _, err := fmt.Sscanf(q.Name.String(), "hop%d.test.", &n); err == nil {
				r.cname(q.Name.String(), fmt.Sprintf("hop%d.test.", n+1))
			}
		}
		return r.bytes()
	})
	c := &DNSClient{Server: f.addr}
	for _, name := range []string{"alias.test", "partial.test"} {
		mx, err := c.LookupMX(context.Background(), name)
		if err != nil || len(mx) != 1 || mx[0].Host != "mx.a.test." {
			t.Fatalf("%s: mx %v err %v", name, mx, err)
		}
	}
	for _, name := range []string{"loop.test", "hop0.test"} {
		_, err := c.LookupMX(context.Background(), name)
		if err == nil || !strings.Contains(err.Error(), ErrCNAMELoop.Error()) || classify(err) != dnsPermanent {
			t.Fatalf("%s: err %v", name, err)
		}
	}
	if n := len(f.Queries()); n > 20 {
		t.Fatalf("%d queries: the chain bound did not hold", n)
	}
}

func TestDNSClientNetIP(t *testing.T) {
	f := startFakeDNS(t, func(q dnsmessage.Question, tcp bool) []byte {
		r := newReply(q)
		switch q.Type {
		case dnsmessage.TypeA:
			r.a(q.Name.String(), [4]byte{127, 0, 0, 2})
		case dnsmessage.TypeAAAA:
			if q.Name.String() == "h.test." {
				r.add = append(r.add, func(b *dnsmessage.Builder) error {
					return b.AAAAResource(hdr("h.test.", dnsmessage.TypeAAAA), dnsmessage.AAAAResource{AAAA: [16]byte{15: 1}})
				})
			} else {
				r.rcode = dnsmessage.RCodeServerFailure
			}
		}
		return r.bytes()
	})
	c := &DNSClient{Server: f.addr}
	ips, err := c.LookupNetIP(context.Background(), "ip", "h.test")
	if err != nil || len(ips) != 2 || ips[0].String() != "127.0.0.2" || ips[1].String() != "::1" {
		t.Fatalf("ips %v err %v", ips, err)
	}
	ips, err = c.LookupNetIP(context.Background(), "ip6", "h.test")
	if err != nil || len(ips) != 1 || !ips[0].Is6() {
		t.Fatalf("ip6 %v err %v", ips, err)
	}
	// AAAA fails but A answers: the addresses we have are good enough.
	ips, err = c.LookupNetIP(context.Background(), "ip", "v4only.test")
	if err != nil || len(ips) != 1 || ips[0].String() != "127.0.0.2" {
		t.Fatalf("v4only %v err %v", ips, err)
	}
}

func TestDNSClientContextCancel(t *testing.T) {
	f := startFakeDNS(t, func(q dnsmessage.Question, tcp bool) []byte { return nil })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := (&DNSClient{Server: f.addr, Timeout: time.Minute}).LookupMX(ctx, "a.test")
	if err == nil || classify(err) != dnsTemporary {
		t.Fatalf("err %v", err)
	}
}
