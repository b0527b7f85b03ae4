package dnsmx

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

func FuzzMTASTSPolicy(f *testing.F) {
	f.Add([]byte(enforceA))
	f.Add([]byte("version: STSv1\r\nmode: testing\r\nmx: *.example.net\r\nmax_age: 86400\r\n"))
	f.Add([]byte("version: STSv1\nmode: none\nmax_age: 0"))
	f.Add([]byte("version:STSv1\nmode:enforce\nmx:a\nmax_age:31557600\nx:"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := ParseSTSPolicy(b)
		if err != nil {
			return
		}
		if p.Mode == "" || p.MaxAge < 0 || (p.Mode != STSModeNone && len(p.MX) == 0) {
			t.Fatalf("accepted an incomplete policy: %+v", p)
		}
		for _, pat := range p.MX {
			// Every pattern matches some host name built from it.
			host := strings.Replace(pat, "*", "x", 1)
			if !p.Matches(host) {
				t.Fatalf("pattern %q does not match %q", pat, host)
			}
		}
	})
}

func FuzzDeliveryStatus(f *testing.F) {
	f.Add([]byte("Reporting-MTA: dns; a.example\r\nArrival-Date: Thu, 1 Jan 2026 00:00:00 +0000\r\n\r\n" +
		"Original-Recipient: rfc822; B@b.example\r\nFinal-Recipient: rfc822; b@b.example\r\nAction: failed\r\nStatus: 5.1.1 (unknown)\r\n" +
		"Diagnostic-Code: smtp; 550 5.1.1\r\n  folded\r\n"))
	f.Add([]byte("Reporting-MTA: dns; x\n\n\nFinal-Recipient: rfc822;a\nAction: delayed\nStatus: 4.4.7\n\nFinal-Recipient: x;y\nAction: relayed\nStatus: 2.0.0\n"))
	f.Add([]byte(" continuation first\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ds, err := ParseDeliveryStatus(bytes.NewReader(b))
		if err != nil {
			return
		}
		if ds.ReportingMTA == "" || len(ds.Recipients) == 0 {
			t.Fatalf("accepted a report without required fields: %+v", ds)
		}
		for _, r := range ds.Recipients {
			if !validStatus(r.Status) || r.Action == "" {
				t.Fatalf("bad recipient accepted: %+v", r)
			}
		}
	})
}

// FuzzDNSReply feeds arbitrary replies to the DNS client's answer handling
// (header check, CNAME walk, record parsing): no panic, no unbounded work.
func FuzzDNSReply(f *testing.F) {
	q := dnsmessage.Question{Name: mustName("a.test."), Type: dnsmessage.TypeMX, Class: dnsmessage.ClassINET}
	f.Add(newReply(q).mx("a.test.", 10, "mx.a.test.").bytes())
	f.Add(newReply(q).cname("a.test.", "b.test.").cname("b.test.", "a.test.").bytes())
	f.Add(newReply(q).raw("a.test.", dnsmessage.TypeMX, []byte{0, 1, 0xC0, 0x0C}).bytes())
	f.Add(newReply(q).txt("a.test.", "v=STSv1; id=1").a("a.test.", [4]byte{1, 2, 3, 4}).bytes())
	f.Fuzz(func(t *testing.T, msg []byte) {
		c := &DNSClient{Server: "fuzz"}
		h, err := replyHeader(msg)
		_ = matches(msg, h.ID, q.Name, q.Type)
		if err != nil {
			return
		}
		for _, qt := range []dnsmessage.Type{dnsmessage.TypeMX, dnsmessage.TypeTXT, dnsmessage.TypeA, dnsmessage.TypeAAAA} {
			var mx mxRecords
			var txt txtRecords
			ip := addrRecords{v6: qt == dnsmessage.TypeAAAA}
			rr := map[dnsmessage.Type]func(*dnsmessage.Parser) error{dnsmessage.TypeMX: mx.add, dnsmessage.TypeTXT: txt.add, dnsmessage.TypeA: ip.add, dnsmessage.TypeAAAA: ip.add}[qt]
			_, hops, _, _ := c.walk(msg, q.Name, qt, defaultMaxCNAME, rr)
			if hops > defaultMaxCNAME {
				t.Fatalf("CNAME walk went %d hops", hops)
			}
			for _, r := range mx.out {
				// What Lookup does with the names must not panic either.
				_, _ = normalizeDomain(r.Host)
			}
		}
	})
}

// FuzzDomain checks domain normalization and address literals.
func FuzzDomain(f *testing.F) {
	for _, s := range []string{"example.com", "Bücher.example.", "[192.0.2.1]", "[IPv6:2001:db8::1]", "xn--bcher-kva.example", "a..b", "[x:y]", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if a, ok, err := parseAddressLiteral(s); ok && err == nil && !a.IsValid() {
			t.Fatalf("literal %q gave an invalid address", s)
		}
		d, err := normalizeDomain(s)
		if err != nil {
			return
		}
		if !isHostname(d) || strings.ToLower(d) != d || strings.HasSuffix(d, ".") {
			t.Fatalf("normalizeDomain(%q) = %q", s, d)
		}
		if d2, err := normalizeDomain(d); err != nil || d2 != d {
			t.Fatalf("not idempotent: %q → %q → %q (%v)", s, d, d2, err)
		}
	})
}
