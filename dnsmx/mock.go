package dnsmx

import (
	"context"
	"net"
	"net/netip"
	"strings"
)

// MockResolver is a Resolver that answers from maps, for tests of code that
// uses this package. Keys are domain names; case and a trailing dot do not
// matter. A name present in any map exists: asking it for a type it lacks
// gives a not-found error (NODATA), and so does an unknown name (NXDOMAIN).
//
// To simulate failures, put an error in Err: it is returned for every query
// of that name, e.g. &net.DNSError{IsTemporary: true} for SERVFAIL or
// &net.DNSError{IsTimeout: true} for a timeout.
//
// CNAME maps an alias to its target; every lookup follows it like a
// recursive resolver would, at most MaxCNAME (default 8) steps.
//
// The maps are read, never written, so a MockResolver may be shared by
// goroutines as long as the test does not change it concurrently.
type MockResolver struct {
	MX       map[string][]*net.MX
	IP       map[string][]netip.Addr
	TXT      map[string][]string
	CNAME    map[string]string
	Err      map[string]error
	MaxCNAME int
}

func mockGet[V any](m map[string]V, name string) (V, bool) {
	if v, ok := m[name]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(strings.TrimSuffix(k, "."), name) {
			return v, true
		}
	}
	var zero V
	return zero, false
}

// resolve follows CNAMEs from name and returns the final name, or the
// error configured for a name on the way.
func (m *MockResolver) resolve(name string) (string, error) {
	name = strings.TrimSuffix(name, ".")
	limit := m.MaxCNAME
	if limit <= 0 {
		limit = defaultMaxCNAME
	}
	for i := 0; ; i++ {
		if err, ok := mockGet(m.Err, name); ok && err != nil {
			return "", err
		}
		target, ok := mockGet(m.CNAME, name)
		if !ok {
			return name, nil
		}
		if i >= limit {
			return "", &net.DNSError{Err: ErrCNAMELoop.Error(), Name: name, Server: "mock"}
		}
		name = strings.TrimSuffix(target, ".")
	}
}

// LookupMX implements Resolver.
func (m *MockResolver) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	final, err := m.resolve(name)
	if err != nil {
		return nil, err
	}
	mx, ok := mockGet(m.MX, final)
	if !ok || len(mx) == 0 {
		return nil, notFoundError(name, "mock")
	}
	out := make([]*net.MX, 0, len(mx))
	for _, r := range mx {
		if r != nil {
			c := *r
			out = append(out, &c)
		}
	}
	return out, nil
}

// LookupNetIP implements Resolver.
func (m *MockResolver) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	final, err := m.resolve(host)
	if err != nil {
		return nil, err
	}
	addrs, _ := mockGet(m.IP, final)
	var out []netip.Addr
	for _, a := range addrs {
		if network == "ip4" && !a.Is4() || network == "ip6" && !a.Is6() {
			continue
		}
		out = append(out, a)
	}
	if len(out) == 0 {
		return nil, notFoundError(host, "mock")
	}
	return out, nil
}

// LookupTXT implements Resolver.
func (m *MockResolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	final, err := m.resolve(name)
	if err != nil {
		return nil, err
	}
	txt, ok := mockGet(m.TXT, final)
	if !ok || len(txt) == 0 {
		return nil, notFoundError(name, "mock")
	}
	return append([]string(nil), txt...), nil
}
