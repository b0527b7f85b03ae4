package dnsmx

import (
	"context"
	"net"
	"net/netip"
)

// Resolver is the DNS the package needs. *net.Resolver satisfies it, and so
// do *DNSClient (queries one given server directly) and *MockResolver (data
// only, for tests).
//
// Errors follow the conventions of *net.DNSError: IsNotFound for NXDOMAIN
// and for a name without records of the asked type, IsTemporary or
// IsTimeout for SERVFAIL, timeouts and unreachable servers. A lookup may
// return some records together with an error when other records of the
// answer were malformed; the records are then used.
type Resolver interface {
	LookupMX(ctx context.Context, name string) ([]*net.MX, error)
	// LookupNetIP returns the A and/or AAAA addresses of host; network is
	// "ip", "ip4" or "ip6".
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

// SystemResolver is the resolver used when none is configured: the Go
// standard library's, which reads /etc/resolv.conf and follows CNAMEs.
var SystemResolver Resolver = net.DefaultResolver
