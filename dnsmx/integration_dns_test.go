package dnsmx

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// testZone is the zone dnsmasq serves in the integration tests.
func testZone() []string {
	z := []string{
		"--mx-host=a.test,mx1.a.test,10",
		"--mx-host=a.test,mx2.a.test,20",
		"--host-record=mx1.a.test,127.0.0.2",
		"--host-record=mx2.a.test,127.0.0.3",
		"--mx-host=null.test,.,0", // RFC 7505 null MX
		"--host-record=null.test,127.0.0.9",
		"--host-record=implicit.test,127.0.0.4",
		"--host-record=v6.test,127.0.0.5,::1",
		"--cname=alias.test,a.test",
		"--cname=c1.test,c2.test,c3.test,implicit.test", // aliases of aliases
		"--txt-record=_mta-sts.a.test,v=STSv1; id=20260101",
	}
	// A chain of 12 CNAMEs, longer than the default bound of 8.
	for i := range 12 {
		z = append(z, fmt.Sprintf("--cname=long%d.test,long%d.test", i, i+1))
	}
	z = append(z, "--host-record=long12.test,127.0.0.6")
	for i := range 40 {
		z = append(z, fmt.Sprintf("--txt-record=big.test,%02d %s", i, strings.Repeat("y", 90)))
	}
	return z
}

// TestRealDNSLookup resolves the zone through a real DNS server with both
// the direct client and the algorithm on top of it.
func TestRealDNSLookup(t *testing.T) {
	addr := startDnsmasq(t, testZone()...)
	c := &DNSClient{Server: addr}
	l := &Lookuper{Resolver: c}
	ctx := context.Background()

	hosts, err := l.Lookup(ctx, "a.test")
	if err != nil || names(hosts) != "mx1.a.test,mx2.a.test" {
		t.Fatalf("a.test: %v %v", names(hosts), err)
	}
	ips, err := l.Addrs(ctx, hosts[0])
	if err != nil || len(ips) != 1 || ips[0].String() != "127.0.0.2" {
		t.Fatalf("mx1 addrs %v %v", ips, err)
	}

	hosts, err = l.Lookup(ctx, "alias.test")
	if err != nil || names(hosts) != "mx1.a.test,mx2.a.test" {
		t.Fatalf("alias.test via CNAME: %v %v", names(hosts), err)
	}

	hosts, err = l.Lookup(ctx, "implicit.test")
	if err != nil || len(hosts) != 1 || !hosts[0].Implicit || hosts[0].Addrs[0].String() != "127.0.0.4" {
		t.Fatalf("implicit.test: %+v %v", hosts, err)
	}

	_, err = l.Lookup(ctx, "null.test")
	wantLookupErr(t, err, ErrNullMX, false)

	_, err = l.Lookup(ctx, "nonexistent.test")
	wantLookupErr(t, err, ErrNoSuchDomain, false)

	ips, err = c.LookupNetIP(ctx, "ip", "v6.test")
	if err != nil || len(ips) != 2 || ips[1].String() != "::1" {
		t.Fatalf("v6.test %v %v", ips, err)
	}

	txt, err := c.LookupTXT(ctx, "_mta-sts.a.test")
	if err != nil || len(txt) != 1 || txt[0] != "v=STSv1; id=20260101" {
		t.Fatalf("txt %q %v", txt, err)
	}
	// 40 × ~95 octets do not fit in 1232: truncated, then TCP.
	txt, err = c.LookupTXT(ctx, "big.test")
	if err != nil || len(txt) != 40 {
		t.Fatalf("big.test: %d records, %v", len(txt), err)
	}

	hosts, err = l.Lookup(ctx, "c3.test")
	if err != nil || len(hosts) != 1 || !hosts[0].Implicit || hosts[0].Addrs[0].String() != "127.0.0.4" {
		t.Fatalf("c3.test: %+v %v", hosts, err)
	}
	ips, err = c.LookupNetIP(ctx, "ip4", "long4.test")
	if err != nil || len(ips) != 1 {
		t.Fatalf("chain of 8: %v %v", ips, err)
	}
	_, err = c.LookupNetIP(ctx, "ip4", "long0.test")
	if err == nil || !strings.Contains(err.Error(), ErrCNAMELoop.Error()) {
		t.Fatalf("chain of 12 resolved: %v", err)
	}
}
