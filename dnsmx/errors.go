package dnsmx

import (
	"context"
	"errors"
	"net"
)

// Sentinel causes of a *LookupError, matched with errors.Is.
var (
	// ErrNullMX: the domain publishes a null MX ("0 .") and accepts no mail
	// (RFC 7505 §3). Permanent.
	ErrNullMX = errors.New("dnsmx: domain accepts no mail (null MX)")
	// ErrNoSuchDomain: the domain does not exist, or it has neither MX nor
	// address records (RFC 5321 §5.1). Permanent.
	ErrNoSuchDomain = errors.New("dnsmx: no such domain")
	// ErrNoUsableMX: MX records exist but none of them names a usable host
	// (RFC 5321 §5.1: "MUST be reported as an error"). Permanent.
	ErrNoUsableMX = errors.New("dnsmx: no usable MX record")
	// ErrInvalidDomain: the name is not a syntactically valid domain or
	// address literal (RFC 5321 §4.1.2, §4.1.3). Permanent.
	ErrInvalidDomain = errors.New("dnsmx: invalid domain")
	// ErrMXLoop: this host is among the domain's best exchangers
	// (Lookuper.LocalNames), so relaying would loop (RFC 5321 §5.1). Permanent.
	ErrMXLoop = errors.New("dnsmx: MX list points back to this host")
	// ErrCNAMELoop: a CNAME chain is longer than the resolver's bound.
	ErrCNAMELoop = errors.New("dnsmx: CNAME chain too long")
)

// LookupError is the error Lookup returns. Temporary failures (SERVFAIL,
// timeouts, unreachable DNS servers) must be retried later; permanent ones
// (NXDOMAIN, null MX, no usable MX) must be reported to the sender
// (RFC 5321 §5.1).
type LookupError struct {
	Domain    string // the domain that was looked up (ASCII form when known)
	Err       error  // one of the Err* sentinels, or the resolver's error
	temporary bool
}

func (e *LookupError) Error() string {
	kind := "permanent"
	if e.temporary {
		kind = "temporary"
	}
	return "dnsmx: lookup " + e.Domain + " (" + kind + "): " + e.Err.Error()
}

func (e *LookupError) Unwrap() error { return e.Err }

// Temporary reports whether the failure is transient: the message must be
// queued and retried (RFC 5321 §5.1, §4.5.4.1).
func (e *LookupError) Temporary() bool { return e.temporary }

// Permanent reports whether retrying cannot help.
func (e *LookupError) Permanent() bool { return !e.temporary }

// dnsOutcome classifies a resolver error.
type dnsOutcome int

const (
	dnsNotFound  dnsOutcome = iota // NXDOMAIN or no records of the type
	dnsTemporary                   // SERVFAIL, timeout, network trouble: retry later
	dnsPermanent                   // a definite answer that is not usable
)

// classify maps a resolver error to an outcome. It follows the conventions
// of *net.DNSError, which every Resolver in this package returns too.
func classify(err error) dnsOutcome {
	var de *net.DNSError
	if errors.As(err, &de) {
		switch {
		case de.IsNotFound:
			return dnsNotFound
		case de.IsTimeout || de.IsTemporary:
			return dnsTemporary
		case errors.Is(err, ErrCNAMELoop):
			return dnsPermanent
		}
		// A DNSError with neither flag is a definite but unusable answer,
		// e.g. every record malformed.
		return dnsPermanent
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return dnsTemporary
	}
	// Anything else (network errors, malformed replies) may go away.
	return dnsTemporary
}

func notFoundError(name, server string) *net.DNSError {
	return &net.DNSError{Err: "no such host", Name: name, Server: server, IsNotFound: true}
}

func temporaryError(name, server, why string, timeout bool) *net.DNSError {
	return &net.DNSError{Err: why, Name: name, Server: server, IsTemporary: true, IsTimeout: timeout}
}
