package dnsmx

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/netip"
	"strings"
	"testing"
)

func addrs(s ...string) []netip.Addr {
	out := make([]netip.Addr, len(s))
	for i, a := range s {
		out[i] = netip.MustParseAddr(a)
	}
	return out
}

func names(hosts []Host) string {
	var b []string
	for _, h := range hosts {
		b = append(b, h.Name)
	}
	return strings.Join(b, ",")
}

func testLookuper(r Resolver) *Lookuper {
	rng := rand.New(rand.NewPCG(1, 2))
	return &Lookuper{Resolver: r, IntN: rng.IntN}
}

// wantLookupErr checks that err is a *LookupError with the given cause and
// temporariness.
func wantLookupErr(t *testing.T, err error, cause error, temporary bool) {
	t.Helper()
	var le *LookupError
	if !errors.As(err, &le) {
		t.Fatalf("error %v (%T) is not a *LookupError", err, err)
	}
	if le.Temporary() != temporary || le.Permanent() == temporary {
		t.Fatalf("error %v: Temporary()=%v, want %v", err, le.Temporary(), temporary)
	}
	if cause != nil && !errors.Is(err, cause) {
		t.Fatalf("error %v does not wrap %v", err, cause)
	}
}

func TestLookupSortsByPreference(t *testing.T) {
	r := &MockResolver{MX: map[string][]*net.MX{
		"example.com": {
			{Host: "c.example.com.", Pref: 30},
			{Host: "a.example.com.", Pref: 10},
			{Host: "b.example.com.", Pref: 20},
		},
	}}
	hosts, err := testLookuper(r).Lookup(context.Background(), "example.com")
	if err != nil {
		t.Fatal(err)
	}
	if got := names(hosts); got != "a.example.com,b.example.com,c.example.com" {
		t.Fatalf("order %s", got)
	}
	if hosts[0].Preference != 10 || hosts[0].Implicit || hosts[0].Addrs != nil {
		t.Fatalf("host %+v", hosts[0])
	}
}

// TestLookupShufflesEqualPreferences checks RFC 5321 §5.1 "MUST randomize":
// three exchangers of equal preference must appear in all 6 orders with
// equal frequency (chi-square test), while the better and worse ones stay
// in place.
func TestLookupShufflesEqualPreferences(t *testing.T) {
	r := &MockResolver{MX: map[string][]*net.MX{
		"example.com": {
			{Host: "best.example.com", Pref: 5},
			{Host: "x.example.com", Pref: 10},
			{Host: "y.example.com", Pref: 10},
			{Host: "z.example.com", Pref: 10},
			{Host: "worst.example.com", Pref: 20},
		},
	}}
	l := testLookuper(r)
	const trials = 60000
	counts := map[string]int{}
	for range trials {
		hosts, err := l.Lookup(context.Background(), "example.com")
		if err != nil {
			t.Fatal(err)
		}
		if hosts[0].Name != "best.example.com" || hosts[4].Name != "worst.example.com" {
			t.Fatalf("shuffle crossed preference levels: %s", names(hosts))
		}
		counts[names(hosts[1:4])]++
	}
	if len(counts) != 6 {
		t.Fatalf("saw %d of 6 permutations: %v", len(counts), counts)
	}
	expected := float64(trials) / 6
	var chi2 float64
	for _, n := range counts {
		d := float64(n) - expected
		chi2 += d * d / expected
	}
	// 5 degrees of freedom: P(chi2 > 20.52) = 0.001.
	if chi2 > 20.52 {
		t.Fatalf("permutations not uniform: chi2=%.2f counts=%v", chi2, counts)
	}
	// The default source (no IntN) must shuffle too.
	seen := map[string]bool{}
	for range 200 {
		hosts, _ := (&Lookuper{Resolver: r}).Lookup(context.Background(), "example.com")
		seen[names(hosts[1:4])] = true
	}
	if len(seen) < 2 {
		t.Fatalf("default source never shuffled: %v", seen)
	}
}

func TestLookupImplicitMX(t *testing.T) {
	r := &MockResolver{IP: map[string][]netip.Addr{"example.com": addrs("192.0.2.7", "2001:db8::7")}}
	hosts, err := testLookuper(r).Lookup(context.Background(), "Example.COM.")
	if err != nil {
		t.Fatal(err)
	}
	if len(hosts) != 1 || hosts[0].Name != "example.com" || !hosts[0].Implicit || hosts[0].Preference != 0 || len(hosts[0].Addrs) != 2 {
		t.Fatalf("implicit MX %+v", hosts)
	}
}

// With MX records present, the domain's own A records must not be used
// (RFC 5321 §5.1).
func TestLookupMXHidesDomainAddress(t *testing.T) {
	r := &MockResolver{
		MX: map[string][]*net.MX{"example.com": {{Host: "mx.example.com", Pref: 10}}},
		IP: map[string][]netip.Addr{"example.com": addrs("192.0.2.7")},
	}
	hosts, err := testLookuper(r).Lookup(context.Background(), "example.com")
	if err != nil || names(hosts) != "mx.example.com" || hosts[0].Implicit {
		t.Fatalf("hosts %+v err %v", hosts, err)
	}
}

func TestLookupNullMX(t *testing.T) {
	r := &MockResolver{
		MX: map[string][]*net.MX{"example.com": {{Host: ".", Pref: 0}}},
		IP: map[string][]netip.Addr{"example.com": addrs("192.0.2.7")},
	}
	_, err := testLookuper(r).Lookup(context.Background(), "example.com")
	wantLookupErr(t, err, ErrNullMX, false)
}

// A null MX beside real records violates RFC 7505 §3; the real records win.
func TestLookupNullMXMixedIsSkipped(t *testing.T) {
	r := &MockResolver{MX: map[string][]*net.MX{"example.com": {{Host: ".", Pref: 0}, {Host: "mx.example.com", Pref: 10}}}}
	hosts, err := testLookuper(r).Lookup(context.Background(), "example.com")
	if err != nil || names(hosts) != "mx.example.com" {
		t.Fatalf("hosts %v err %v", names(hosts), err)
	}
}

func TestLookupNXDOMAINIsPermanent(t *testing.T) {
	_, err := testLookuper(&MockResolver{}).Lookup(context.Background(), "nowhere.example")
	wantLookupErr(t, err, ErrNoSuchDomain, false)
}

func TestLookupTemporaryFailures(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"servfail", &net.DNSError{Err: "server misbehaving", IsTemporary: true}},
		{"timeout", &net.DNSError{Err: "i/o timeout", IsTimeout: true}},
		{"network", errors.New("connection refused")},
		{"canceled", context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &MockResolver{Err: map[string]error{"example.com": tc.err}}
			_, err := testLookuper(r).Lookup(context.Background(), "example.com")
			wantLookupErr(t, err, nil, true)
		})
	}
	// SERVFAIL on the A lookup of an implicit MX is temporary too.
	r := &MockResolver{}
	r.Err = map[string]error{"example.com": &net.DNSError{IsTemporary: true}}
	_, err := testLookuper(r).Lookup(context.Background(), "example.com")
	wantLookupErr(t, err, nil, true)
}

func TestLookupSkipsMalformedRecords(t *testing.T) {
	r := &MockResolver{MX: map[string][]*net.MX{"example.com": {
		{Host: "bad_name.example.com", Pref: 1},
		{Host: "192.0.2.1", Pref: 2}, // an IP address is not an exchange name
		{Host: "-dash.example.com", Pref: 3},
		{Host: strings.Repeat("a", 64) + ".example.com", Pref: 4},
		{Host: "good.example.com.", Pref: 50},
		nil,
	}}}
	hosts, err := testLookuper(r).Lookup(context.Background(), "example.com")
	if err != nil || names(hosts) != "good.example.com" {
		t.Fatalf("hosts %v err %v", names(hosts), err)
	}
	r.MX["example.com"] = r.MX["example.com"][:4]
	_, err = testLookuper(r).Lookup(context.Background(), "example.com")
	wantLookupErr(t, err, ErrNoUsableMX, false)
}

// A resolver may return the good records together with an error about the
// bad ones (as net.Resolver does); the good ones are used.
func TestLookupRecordsWithError(t *testing.T) {
	r := partialResolver{&MockResolver{MX: map[string][]*net.MX{"example.com": {{Host: "mx.example.com", Pref: 1}}}}}
	hosts, err := testLookuper(r).Lookup(context.Background(), "example.com")
	if err != nil || names(hosts) != "mx.example.com" {
		t.Fatalf("hosts %v err %v", names(hosts), err)
	}
}

type partialResolver struct{ *MockResolver }

func (p partialResolver) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	mx, _ := p.MockResolver.LookupMX(ctx, name)
	return mx, &net.DNSError{Err: "DNS response contained records which contain invalid names", Name: name}
}

func TestLookupAllMalformedFromResolver(t *testing.T) {
	r := &MockResolver{Err: map[string]error{"example.com": &net.DNSError{Err: "all records malformed"}}}
	_, err := testLookuper(r).Lookup(context.Background(), "example.com")
	wantLookupErr(t, err, ErrNoUsableMX, false)
}

func TestLookupCNAME(t *testing.T) {
	r := &MockResolver{
		CNAME: map[string]string{"alias.example": "mid.example", "mid.example": "real.example"},
		MX:    map[string][]*net.MX{"real.example": {{Host: "mx.real.example", Pref: 1}}},
	}
	hosts, err := testLookuper(r).Lookup(context.Background(), "alias.example")
	if err != nil || names(hosts) != "mx.real.example" {
		t.Fatalf("hosts %v err %v", names(hosts), err)
	}
	// A loop is bounded and permanent.
	r.CNAME["real.example"] = "alias.example"
	_, err = testLookuper(r).Lookup(context.Background(), "alias.example")
	wantLookupErr(t, err, ErrNoUsableMX, false)
}

func TestLookupAddressLiterals(t *testing.T) {
	l := testLookuper(&MockResolver{Err: map[string]error{"": errors.New("DNS must not be used")}})
	for in, want := range map[string]string{
		"[192.0.2.1]":        "192.0.2.1",
		"[IPv6:2001:db8::1]": "2001:db8::1",
		"[ipv6:::1]":         "::1",
	} {
		hosts, err := l.Lookup(context.Background(), in)
		if err != nil || len(hosts) != 1 || hosts[0].Name != want || len(hosts[0].Addrs) != 1 || hosts[0].Addrs[0].String() != want {
			t.Errorf("%s: hosts %+v err %v", in, hosts, err)
		}
	}
	for _, bad := range []string{"[192.0.2.1", "[2001:db8::1]", "[IPv6:192.0.2.1]", "[x-tag:foo]", "[]", "[IPv6:fe80::1%eth0]", "[300.1.1.1]"} {
		_, err := l.Lookup(context.Background(), bad)
		wantLookupErr(t, err, ErrInvalidDomain, false)
	}
}

func TestLookupIDN(t *testing.T) {
	r := &MockResolver{MX: map[string][]*net.MX{"xn--bcher-kva.example": {{Host: "mx.xn--bcher-kva.example", Pref: 1}}}}
	hosts, err := testLookuper(r).Lookup(context.Background(), "Bücher.example")
	if err != nil || names(hosts) != "mx.xn--bcher-kva.example" {
		t.Fatalf("hosts %v err %v", names(hosts), err)
	}
	// An MX target given in Unicode is converted too.
	r.MX["xn--bcher-kva.example"][0].Host = "mx.bücher.example"
	hosts, err = testLookuper(r).Lookup(context.Background(), "xn--bcher-kva.example")
	if err != nil || names(hosts) != "mx.xn--bcher-kva.example" {
		t.Fatalf("hosts %v err %v", names(hosts), err)
	}
}

func TestLookupInvalidDomains(t *testing.T) {
	l := testLookuper(&MockResolver{})
	for _, bad := range []string{"", ".", "a..b", "-a.example", "a-.example", "exa mple.com", "192.0.2.1", "a.123",
		strings.Repeat("a", 64) + ".example", strings.Repeat("abcdefghi.", 26) + "com", "xn--zz.example", "bad_underscore.example"} {
		_, err := l.Lookup(context.Background(), bad)
		wantLookupErr(t, err, ErrInvalidDomain, false)
	}
}

func TestLookupDedupesAndLimits(t *testing.T) {
	var mx []*net.MX
	for i := range 20 {
		mx = append(mx, &net.MX{Host: "mx" + string(rune('a'+i)) + ".example.com", Pref: uint16(i)})
	}
	mx = append(mx, &net.MX{Host: "MXA.example.com.", Pref: 90})
	r := &MockResolver{MX: map[string][]*net.MX{"example.com": mx}}
	hosts, err := testLookuper(r).Lookup(context.Background(), "example.com")
	if err != nil || len(hosts) != DefaultMaxHosts || hosts[0].Name != "mxa.example.com" {
		t.Fatalf("hosts %v err %v", names(hosts), err)
	}
	l := testLookuper(r)
	l.MaxHosts = 2
	hosts, _ = l.Lookup(context.Background(), "example.com")
	if names(hosts) != "mxa.example.com,mxb.example.com" {
		t.Fatalf("hosts %v", names(hosts))
	}
	// Duplicate names keep their best preference.
	r.MX["example.com"] = []*net.MX{{Host: "b.example.com", Pref: 20}, {Host: "a.example.com", Pref: 30}, {Host: "B.example.com", Pref: 10}}
	hosts, _ = testLookuper(r).Lookup(context.Background(), "example.com")
	if names(hosts) != "b.example.com,a.example.com" || hosts[0].Preference != 10 {
		t.Fatalf("hosts %+v", hosts)
	}
}

func TestLookupLocalNamesCutList(t *testing.T) {
	r := &MockResolver{MX: map[string][]*net.MX{"example.com": {
		{Host: "primary.example.com", Pref: 10},
		{Host: "backup1.example.com", Pref: 20},
		{Host: "me.example.net", Pref: 20},
		{Host: "last.example.com", Pref: 30},
	}}}
	l := testLookuper(r)
	l.LocalNames = []string{"ME.example.net."}
	hosts, err := l.Lookup(context.Background(), "example.com")
	if err != nil || names(hosts) != "primary.example.com" {
		t.Fatalf("hosts %v err %v", names(hosts), err)
	}
	l.LocalNames = []string{"primary.example.com"}
	_, err = l.Lookup(context.Background(), "example.com")
	wantLookupErr(t, err, ErrMXLoop, false)
}

func TestLookuperAddrs(t *testing.T) {
	r := &MockResolver{
		IP:  map[string][]netip.Addr{"mx.example.com": addrs("192.0.2.1", "2001:db8::1")},
		Err: map[string]error{"flaky.example.com": &net.DNSError{IsTemporary: true}},
	}
	l := testLookuper(r)
	got, err := l.Addrs(context.Background(), Host{Name: "mx.example.com"})
	if err != nil || len(got) != 2 {
		t.Fatalf("addrs %v err %v", got, err)
	}
	_, err = l.Addrs(context.Background(), Host{Name: "none.example.com"})
	wantLookupErr(t, err, nil, false)
	_, err = l.Addrs(context.Background(), Host{Name: "flaky.example.com"})
	wantLookupErr(t, err, nil, true)
	pre := Host{Name: "x", Addrs: addrs("192.0.2.9")}
	if got, _ := l.Addrs(context.Background(), pre); len(got) != 1 || got[0] != pre.Addrs[0] {
		t.Fatalf("preset addrs %v", got)
	}
}

func TestMockResolverNetworks(t *testing.T) {
	r := &MockResolver{IP: map[string][]netip.Addr{"h.example": addrs("192.0.2.1", "2001:db8::1")}}
	v4, _ := r.LookupNetIP(context.Background(), "ip4", "h.example")
	v6, _ := r.LookupNetIP(context.Background(), "ip6", "H.EXAMPLE.")
	if len(v4) != 1 || !v4[0].Is4() || len(v6) != 1 || !v6[0].Is6() {
		t.Fatalf("v4 %v v6 %v", v4, v6)
	}
	if _, err := r.LookupTXT(context.Background(), "h.example"); classify(err) != dnsNotFound {
		t.Fatalf("TXT on a name without TXT: %v", err)
	}
}

func TestDomainOf(t *testing.T) {
	for in, want := range map[string]string{"a@b.example": "b.example", `"x@y"@z.example`: "z.example", "nodomain": "", "u@[192.0.2.1]": "[192.0.2.1]"} {
		if got := DomainOf(in); got != want {
			t.Errorf("DomainOf(%q) = %q, want %q", in, got, want)
		}
	}
}
