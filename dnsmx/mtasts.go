package dnsmx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// STSMode is an MTA-STS policy mode (RFC 8461 §5).
type STSMode string

const (
	STSModeEnforce STSMode = "enforce" // deliver only to matching MX hosts over verified TLS
	STSModeTesting STSMode = "testing" // report problems but deliver as usual
	STSModeNone    STSMode = "none"    // no policy
)

// MTA-STS bounds (RFC 8461).
const (
	maxSTSPolicySize = 64 << 10 // §3.3: "a reasonable maximum size"; 64 KiB
	maxSTSMaxAge     = 31557600 // §3.2: max_age up to one year
	maxSTSMXPatterns = 100
	// DefaultSTSFetchTimeout bounds a policy fetch (§3.3 suggests 60 s
	// at most).
	DefaultSTSFetchTimeout = 60 * time.Second
)

// ErrBadSTSPolicy is wrapped by ParseSTSPolicy's errors.
var ErrBadSTSPolicy = errors.New("dnsmx: invalid MTA-STS policy")

// STSPolicy is a parsed MTA-STS policy (RFC 8461 §3.2).
type STSPolicy struct {
	Mode   STSMode
	MX     []string // patterns: "mail.example.com" or "*.example.com"
	MaxAge time.Duration
	// ID is the id= of the _mta-sts TXT record the policy was fetched
	// for (§3.1); set by MTASTS, not by ParseSTSPolicy.
	ID string
}

// ParseSTSPolicy parses a policy file: "key: value" lines ending in LF or
// CRLF. version (STSv1), mode and max_age are required, mx is required
// unless mode is none; unknown keys are ignored (§3.2).
func ParseSTSPolicy(b []byte) (*STSPolicy, error) {
	if len(b) > maxSTSPolicySize {
		return nil, fmt.Errorf("%w: larger than %d octets", ErrBadSTSPolicy, maxSTSPolicySize)
	}
	p := &STSPolicy{}
	var haveVersion, haveMaxAge bool
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			continue
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("%w: line %d has no colon", ErrBadSTSPolicy, i+1)
		}
		// sts-policy-field-delim = ":" *WSP; trailing WSP is not part of
		// the value.
		value = strings.Trim(value, " \t")
		switch key {
		case "version":
			if value != "STSv1" {
				return nil, fmt.Errorf("%w: version %q", ErrBadSTSPolicy, value)
			}
			haveVersion = true
		case "mode":
			switch STSMode(value) {
			case STSModeEnforce, STSModeTesting, STSModeNone:
				p.Mode = STSMode(value)
			default:
				return nil, fmt.Errorf("%w: mode %q", ErrBadSTSPolicy, value)
			}
		case "max_age":
			n, err := strconv.ParseUint(value, 10, 32)
			if err != nil || len(value) > 10 || n > maxSTSMaxAge {
				return nil, fmt.Errorf("%w: max_age %q", ErrBadSTSPolicy, value)
			}
			p.MaxAge = time.Duration(n) * time.Second
			haveMaxAge = true
		case "mx":
			if !validMXPattern(value) {
				return nil, fmt.Errorf("%w: mx %q", ErrBadSTSPolicy, value)
			}
			if len(p.MX) >= maxSTSMXPatterns {
				return nil, fmt.Errorf("%w: too many mx patterns", ErrBadSTSPolicy)
			}
			p.MX = append(p.MX, strings.ToLower(strings.TrimSuffix(value, ".")))
		}
	}
	switch {
	case !haveVersion:
		return nil, fmt.Errorf("%w: no version", ErrBadSTSPolicy)
	case p.Mode == "":
		return nil, fmt.Errorf("%w: no mode", ErrBadSTSPolicy)
	case !haveMaxAge:
		return nil, fmt.Errorf("%w: no max_age", ErrBadSTSPolicy)
	case len(p.MX) == 0 && p.Mode != STSModeNone:
		return nil, fmt.Errorf("%w: no mx", ErrBadSTSPolicy)
	}
	return p, nil
}

// validMXPattern: a host name, optionally with "*." as its first label.
func validMXPattern(s string) bool {
	s = strings.ToLower(strings.TrimSuffix(s, "."))
	s = strings.TrimPrefix(s, "*.")
	return isHostname(s)
}

// Matches reports whether the MX host name matches one of the policy's mx
// patterns (RFC 8461 §4.1): exactly, or through a wildcard "*." that stands
// for exactly one leftmost label.
func (p *STSPolicy) Matches(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, pat := range p.MX {
		if rest, ok := strings.CutPrefix(pat, "*."); ok {
			if _, parent, ok := strings.Cut(host, "."); ok && parent == rest {
				return true
			}
			continue
		}
		if host == pat {
			return true
		}
	}
	return false
}

// MTASTS discovers, fetches and caches MTA-STS policies (RFC 8461).
// A Relayer with a non-nil MTASTS applies them. The zero value works.
type MTASTS struct {
	// HTTPClient fetches policies. Default: a client with
	// DefaultSTSFetchTimeout that follows no redirects (§3.3). A client
	// given here gets its redirects disabled too.
	HTTPClient *http.Client
	// Now is the clock for the cache; default time.Now.
	Now func() time.Time
	// MaxCached bounds the cached policies (default 10000); the oldest
	// entry is evicted first.
	MaxCached int

	mu    sync.Mutex
	cache map[string]*cachedPolicy
}

type cachedPolicy struct {
	policy  *STSPolicy
	expires time.Time
	fetched time.Time
}

func (m *MTASTS) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

var errNoRedirects = errors.New("dnsmx: MTA-STS policy fetch redirected (RFC 8461 §3.3)")

func (m *MTASTS) client() *http.Client {
	c := &http.Client{Timeout: DefaultSTSFetchTimeout}
	if m.HTTPClient != nil {
		cc := *m.HTTPClient
		c = &cc
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return errNoRedirects }
	return c
}

// Policy returns the policy in force for domain, or nil when the domain has
// none (or none could be found: MTA-STS fails open, §5). r answers the TXT
// query.
func (m *MTASTS) Policy(ctx context.Context, r Resolver, domain string) (*STSPolicy, error) {
	domain, err := normalizeDomain(domain)
	if err != nil {
		return nil, err
	}
	now := m.now()
	cached := m.cached(domain, now)

	id, txtErr := stsRecordID(ctx, r, domain)
	if txtErr != nil {
		// §5.1: without a usable TXT record a cached policy still holds.
		return cached, txtErr
	}
	if cached != nil && cached.ID == id {
		return cached, nil
	}
	p, err := m.fetch(ctx, domain)
	if err != nil {
		// §5.1: a failed refresh keeps the cached policy until it expires.
		return cached, err
	}
	p.ID = id
	m.store(domain, p, now)
	return p, nil
}

// policyFor is Policy for the Relayer: errors are logged, not returned.
func (m *MTASTS) policyFor(ctx context.Context, r Resolver, domain string, log *slog.Logger) *STSPolicy {
	p, err := m.Policy(ctx, r, domain)
	if err != nil && !errors.Is(err, errNoSTSRecord) {
		log.Info("dnsmx: MTA-STS policy unavailable", "domain", domain, "err", err, "cached", p != nil)
	}
	return p
}

var errNoSTSRecord = errors.New("dnsmx: no MTA-STS TXT record")

// stsRecordID looks up _mta-sts.<domain> and returns the id of its single
// "v=STSv1" record (§3.1).
func stsRecordID(ctx context.Context, r Resolver, domain string) (string, error) {
	txts, err := r.LookupTXT(ctx, "_mta-sts."+domain)
	if err != nil {
		if classify(err) == dnsNotFound {
			return "", errNoSTSRecord
		}
		return "", err
	}
	var recs []string
	for _, t := range txts {
		if strings.HasPrefix(t, "v=STSv1;") || t == "v=STSv1" {
			recs = append(recs, t)
		}
	}
	// §3.1: "If the number of resulting records is not one ... senders
	// MUST assume the recipient domain does not have an available MTA-STS
	// Policy."
	if len(recs) != 1 {
		return "", errNoSTSRecord
	}
	for field := range strings.SplitSeq(recs[0], ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(field), "=")
		if ok && k == "id" && validSTSID(v) {
			return v, nil
		}
	}
	return "", errNoSTSRecord
}

// validSTSID: sts-id = 1*32(ALPHA / DIGIT).
func validSTSID(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// fetch gets https://mta-sts.<domain>/.well-known/mta-sts.txt (§3.3): a
// valid certificate for mta-sts.<domain>, status 200, no redirects,
// text/plain, bounded size.
func (m *MTASTS) fetch(ctx context.Context, domain string) (*STSPolicy, error) {
	url := "https://mta-sts." + domain + "/.well-known/mta-sts.txt"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := m.client().Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("dnsmx: MTA-STS policy fetch: HTTP %d", resp.StatusCode)
	}
	if mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type")); err != nil || mt != "text/plain" {
		return nil, fmt.Errorf("dnsmx: MTA-STS policy has media type %q, not text/plain", resp.Header.Get("Content-Type"))
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxSTSPolicySize+1))
	if err != nil {
		return nil, err
	}
	return ParseSTSPolicy(b)
}

func (m *MTASTS) cached(domain string, now time.Time) *STSPolicy {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.cache[domain]
	if c == nil {
		return nil
	}
	if !now.Before(c.expires) {
		delete(m.cache, domain)
		return nil
	}
	return c.policy
}

func (m *MTASTS) store(domain string, p *STSPolicy, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.cache == nil {
		m.cache = map[string]*cachedPolicy{}
	}
	limit := m.MaxCached
	if limit <= 0 {
		limit = 10000
	}
	if _, ok := m.cache[domain]; !ok && len(m.cache) >= limit {
		var oldest string
		var t time.Time
		for d, c := range m.cache {
			if oldest == "" || c.fetched.Before(t) {
				oldest, t = d, c.fetched
			}
		}
		delete(m.cache, oldest)
	}
	m.cache[domain] = &cachedPolicy{policy: p, expires: now.Add(p.MaxAge), fetched: now}
}
