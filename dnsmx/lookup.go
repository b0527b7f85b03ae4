package dnsmx

import (
	"cmp"
	"context"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"strings"
)

// Host is one mail exchanger to try, in the order Lookup returns them.
type Host struct {
	// Name is the exchanger's host name in ASCII, lower case, without a
	// trailing dot. For an address literal it is the address ("192.0.2.1",
	// "2001:db8::1").
	Name string
	// Preference is the MX preference (0 for an implicit MX or a literal).
	Preference uint16
	// Implicit is set when the domain has no MX records and its own
	// address records are used (RFC 5321 §5.1).
	Implicit bool
	// Addrs are the host's addresses when Lookup already knows them (address
	// literals, implicit MX); nil means "resolve Name before connecting".
	Addrs []netip.Addr
}

// DefaultMaxHosts bounds the exchangers Lookup returns. RFC 5321 §5.1 allows
// a configurable limit and asks for at least two.
const DefaultMaxHosts = 10

// Lookuper finds the mail exchangers of a domain. The zero value uses the
// system resolver.
type Lookuper struct {
	// Resolver answers the DNS queries; default SystemResolver.
	Resolver Resolver
	// IntN shuffles exchangers of equal preference; it must return a
	// uniform integer in [0, n). Default math/rand/v2.IntN. Tests inject a
	// seeded source.
	IntN func(n int) int
	// MaxHosts bounds the number of exchangers returned; default
	// DefaultMaxHosts.
	MaxHosts int
	// LocalNames are the names this host is known by when it relays mail.
	// RFC 5321 §5.1: when one of them appears among the MX records, that
	// record and every less preferred one are discarded; nothing left is a
	// permanent error (the mail would loop).
	LocalNames []string
}

// Lookup finds the mail exchangers of domain with the system resolver; see
// (*Lookuper).Lookup.
func Lookup(ctx context.Context, domain string) ([]Host, error) {
	return (&Lookuper{}).Lookup(ctx, domain)
}

// Lookup returns the hosts to try for mail to domain, most preferred first.
//
// The algorithm is RFC 5321 §5.1 with RFC 7505:
//
//  1. An address literal ("[192.0.2.1]", "[IPv6:2001:db8::1]") is used as is,
//     without DNS (RFC 5321 §4.1.3). Other general literals are an error.
//  2. The domain is converted to A-labels (IDNA, UTS #46 lookup profile) and
//     checked for LDH syntax; an invalid name is a permanent error.
//  3. MX records are asked for. CNAMEs are followed by the resolver
//     (bounded). NXDOMAIN is permanent, SERVFAIL and timeouts are
//     temporary (§5.1: "the message MUST be queued and retried later").
//  4. A single null MX ("0 .") means the domain accepts no mail: permanent
//     error (RFC 7505 §3). A null MX next to real records breaks RFC 7505's
//     "MUST NOT advertise any other MX RR"; it is skipped as malformed.
//  5. Records whose exchange is not a valid host name (including bare IP
//     addresses) are skipped; if none remains the error is permanent
//     (§5.1: "MX records are present, but none of them are usable").
//  6. The rest are sorted by preference, lowest first; records of equal
//     preference are put in random order (§5.1: the sender "MUST randomize
//     them"). Duplicates are removed, keeping the best preference.
//  7. With no MX records the domain itself is the implicit MX with
//     preference 0, if it has A or AAAA records; otherwise the error is
//     permanent (ErrNoSuchDomain).
//
// Errors are *LookupError; use Temporary() to decide between retrying and
// bouncing.
func (l *Lookuper) Lookup(ctx context.Context, domain string) ([]Host, error) {
	if a, isLiteral, err := parseAddressLiteral(domain); isLiteral {
		if err != nil {
			return nil, &LookupError{Domain: domain, Err: err}
		}
		return []Host{{Name: a.String(), Addrs: []netip.Addr{a}}}, nil
	}
	name, err := normalizeDomain(domain)
	if err != nil {
		return nil, &LookupError{Domain: domain, Err: err}
	}
	r := l.resolver()
	mxs, err := r.LookupMX(ctx, name)
	if len(mxs) == 0 && err != nil {
		switch classify(err) {
		case dnsTemporary:
			return nil, &LookupError{Domain: name, Err: err, temporary: true}
		case dnsPermanent:
			return nil, &LookupError{Domain: name, Err: ErrNoUsableMX}
		}
		return l.implicitMX(ctx, r, name)
	}
	// Records came back, possibly with an error about malformed others: use
	// the records (the error only says some were dropped).
	if len(mxs) == 0 {
		return l.implicitMX(ctx, r, name)
	}
	if len(mxs) == 1 && isNullMX(mxs[0]) {
		return nil, &LookupError{Domain: name, Err: ErrNullMX}
	}
	hosts := make([]Host, 0, len(mxs))
	for _, mx := range mxs {
		if mx == nil || isNullMX(mx) {
			continue
		}
		h, err := normalizeDomain(mx.Host)
		if err != nil {
			continue // malformed exchange: skip it, keep the others
		}
		hosts = append(hosts, Host{Name: h, Preference: mx.Pref})
	}
	if len(hosts) == 0 {
		return nil, &LookupError{Domain: name, Err: ErrNoUsableMX}
	}
	l.order(hosts)
	hosts = dedupe(hosts)
	if hosts = l.dropSelf(hosts); len(hosts) == 0 {
		return nil, &LookupError{Domain: name, Err: ErrMXLoop}
	}
	if max := l.maxHosts(); len(hosts) > max {
		hosts = hosts[:max]
	}
	return hosts, nil
}

func isNullMX(mx *net.MX) bool {
	return mx.Host == "." || mx.Host == ""
}

// implicitMX applies RFC 5321 §5.1's implicit MX: the domain's own
// addresses, preference 0.
func (l *Lookuper) implicitMX(ctx context.Context, r Resolver, name string) ([]Host, error) {
	addrs, err := r.LookupNetIP(ctx, "ip", name)
	if len(addrs) == 0 {
		if err != nil && classify(err) == dnsTemporary {
			return nil, &LookupError{Domain: name, Err: err, temporary: true}
		}
		return nil, &LookupError{Domain: name, Err: ErrNoSuchDomain}
	}
	return []Host{{Name: name, Implicit: true, Addrs: addrs}}, nil
}

// order sorts by preference and shuffles each run of equal preference
// (Fisher–Yates with the injected source).
func (l *Lookuper) order(hosts []Host) {
	slices.SortStableFunc(hosts, func(a, b Host) int { return cmp.Compare(a.Preference, b.Preference) })
	intN := l.IntN
	if intN == nil {
		intN = rand.IntN
	}
	for start := 0; start < len(hosts); {
		end := start + 1
		for end < len(hosts) && hosts[end].Preference == hosts[start].Preference {
			end++
		}
		run := hosts[start:end]
		for i := len(run) - 1; i > 0; i-- {
			j := intN(i + 1)
			run[i], run[j] = run[j], run[i]
		}
		start = end
	}
}

// dedupe drops repeated host names, keeping the first (best) occurrence.
func dedupe(hosts []Host) []Host {
	seen := make(map[string]bool, len(hosts))
	out := hosts[:0]
	for _, h := range hosts {
		if seen[h.Name] {
			continue
		}
		seen[h.Name] = true
		out = append(out, h)
	}
	return out
}

func (l *Lookuper) resolver() Resolver {
	if l.Resolver != nil {
		return l.Resolver
	}
	return SystemResolver
}

func (l *Lookuper) maxHosts() int {
	if l.MaxHosts > 0 {
		return l.MaxHosts
	}
	return DefaultMaxHosts
}

// Addrs returns the addresses to connect to for h, in the resolver's order
// (RFC 5321 §5.1: "the SMTP sender MUST try them in the order presented").
func (l *Lookuper) Addrs(ctx context.Context, h Host) ([]netip.Addr, error) {
	if len(h.Addrs) > 0 {
		return h.Addrs, nil
	}
	addrs, err := l.resolver().LookupNetIP(ctx, "ip", h.Name)
	if len(addrs) > 0 {
		return addrs, nil
	}
	if err == nil {
		err = notFoundError(h.Name, "")
	}
	return nil, &LookupError{Domain: h.Name, Err: err, temporary: classify(err) == dnsTemporary}
}

// dropSelf removes, per RFC 5321 §5.1, the local host and every exchanger
// of the same or a higher preference number.
func (l *Lookuper) dropSelf(hosts []Host) []Host {
	if len(l.LocalNames) == 0 {
		return hosts
	}
	for i, h := range hosts {
		if hostMatches(h.Name, l.LocalNames) {
			cut := i
			for cut > 0 && hosts[cut-1].Preference == h.Preference {
				cut--
			}
			return hosts[:cut]
		}
	}
	return hosts
}

// hostMatches reports whether a host name equals one of names (ASCII,
// case-insensitive, trailing dots ignored).
func hostMatches(host string, names []string) bool {
	for _, n := range names {
		if strings.EqualFold(strings.TrimSuffix(n, "."), host) {
			return true
		}
	}
	return false
}
