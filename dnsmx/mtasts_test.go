package dnsmx

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseSTSPolicy(t *testing.T) {
	p, err := ParseSTSPolicy([]byte("version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.Example.NET.\r\nmax_age: 604800\r\nextension: ignored\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Mode != STSModeEnforce || p.MaxAge != 7*24*time.Hour || len(p.MX) != 2 || p.MX[1] != "*.example.net" {
		t.Fatalf("%+v", p)
	}
	// LF line endings, trailing spaces, mode none without mx.
	if p, err := ParseSTSPolicy([]byte("version: STSv1\nmode: none  \nmax_age:86400")); err != nil || p.Mode != STSModeNone {
		t.Fatalf("%+v %v", p, err)
	}
	for _, bad := range []string{
		"",
		"mode: enforce\nmx: a.example\nmax_age: 1",                                                     // no version
		"version: STSv2\nmode: enforce\nmx: a.example\nmax_age: 1",                                     // wrong version
		"version: STSv1\nmx: a.example\nmax_age: 1",                                                    // no mode
		"version: STSv1\nmode: strict\nmx: a.example\nmax_age: 1",                                      // bad mode
		"version: STSv1\nmode: enforce\nmax_age: 1",                                                    // no mx
		"version: STSv1\nmode: enforce\nmx: a.example",                                                 // no max_age
		"version: STSv1\nmode: enforce\nmx: a.example\nmax_age: -1",                                    // negative
		"version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 31557601",                              // over a year
		"version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 1e3",                                   // not an integer
		"version: STSv1\nmode: enforce\nmx: a.*.example\nmax_age: 1",                                   // wildcard not leftmost
		"version: STSv1\nmode: enforce\nmx: bad_host.example\nmax_age: 1",                              // not a host name
		"version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 1\ngarbage",                            // no colon
		"version: STSv1\nmode: enforce\nmx: a.example\nmax_age: 1\n" + strings.Repeat("x: y\n", 20000), // too large
	} {
		if _, err := ParseSTSPolicy([]byte(bad)); !errors.Is(err, ErrBadSTSPolicy) {
			t.Errorf("%.60q: err %v", bad, err)
		}
	}
}

func TestSTSPolicyMatches(t *testing.T) {
	p := &STSPolicy{MX: []string{"mail.example.com", "*.example.net"}}
	for host, want := range map[string]bool{
		"mail.example.com":   true,
		"MAIL.Example.COM.":  true,
		"mx.example.com":     false,
		"mx1.example.net":    true,
		"a.b.example.net":    false, // the wildcard covers one label only
		"example.net":        false,
		"xexample.net":       false,
		"mail.example.com.x": false,
	} {
		if got := p.Matches(host); got != want {
			t.Errorf("Matches(%q) = %v, want %v", host, got, want)
		}
	}
}

// stsEnv is a mock DNS, an HTTPS policy server with its own CA and
// loopback MX servers, for MTA-STS tests.
type stsEnv struct {
	ca       *testCA
	mock     *MockResolver
	port     int
	mxs      map[string]*testMX
	mu       sync.Mutex
	policies map[string]string // host → policy body ("" → 404)
	hits     map[string]int
	now      time.Time
	sts      *MTASTS
}

func newSTSEnv(t *testing.T) *stsEnv {
	e := &stsEnv{ca: newTestCA(t), policies: map[string]string{}, hits: map[string]int{}, now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	good := e.ca.issue(t, "mx1.a.test", "mx.wild.test")
	wrongName := e.ca.issue(t, "somewhere-else.test")
	otherCA := newTestCA(t).issue(t, "mx3.a.test")
	port, mxs := startMXs(t,
		[]string{"mx1.a.test", "mx2.a.test", "mx3.a.test", "mx4.a.test"},
		[]string{"127.0.0.2", "127.0.0.3", "127.0.0.5", "127.0.0.6"},
		[]*tls.Certificate{&good, &wrongName, &otherCA, nil})
	e.port = port
	e.mxs = map[string]*testMX{}
	for _, m := range mxs {
		e.mxs[m.Name] = m
	}
	e.mock = &MockResolver{
		MX: map[string][]*net.MX{},
		IP: map[string][]netip.Addr{
			"mx1.a.test": addrs("127.0.0.2"), "mx.wild.test": addrs("127.0.0.2"),
			"mx2.a.test": addrs("127.0.0.3"), "mx3.a.test": addrs("127.0.0.5"), "mx4.a.test": addrs("127.0.0.6"),
		},
		TXT: map[string][]string{},
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.hits[r.Host]++
		body, ok := e.policies[r.Host]
		e.mu.Unlock()
		switch {
		case r.URL.Path != "/.well-known/mta-sts.txt":
			http.NotFound(w, r)
		case strings.HasPrefix(body, "REDIRECT"):
			http.Redirect(w, r, "https://elsewhere.test/policy", http.StatusFound)
		case !ok || body == "":
			http.NotFound(w, r)
		default:
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.Write([]byte(body))
		}
	}))
	cert := e.ca.issue(t, "mta-sts.a.test", "mta-sts.b.test", "mta-sts.c.test", "mta-sts.wild.test", "mta-sts.redir.test")
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	// Every policy host resolves to the test server.
	client := &http.Client{Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: e.ca.Pool},
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
		},
	}}
	e.sts = &MTASTS{HTTPClient: client, Now: func() time.Time { e.mu.Lock(); defer e.mu.Unlock(); return e.now }}
	return e
}

func (e *stsEnv) domain(name, txt, policy string, mx ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var recs []*net.MX
	for i, m := range mx {
		recs = append(recs, &net.MX{Host: m, Pref: uint16(10 * (i + 1))})
	}
	e.mock.MX[name] = recs
	if txt != "" {
		e.mock.TXT["_mta-sts."+name] = []string{txt}
	}
	e.policies["mta-sts."+name] = policy
}

func (e *stsEnv) relayer() *Relayer {
	return &Relayer{Resolver: e.mock, Port: e.port, HelloName: "relay.test", MTASTS: e.sts,
		TLSConfig: &tls.Config{RootCAs: e.ca.Pool}, Logger: discardLogger(), MaxIdlePerTarget: -1}
}

func (e *stsEnv) reset() {
	for _, m := range e.mxs {
		m.mu.Lock()
		m.msgs, m.sessions = nil, 0
		m.mu.Unlock()
	}
}

const enforceA = "version: STSv1\nmode: enforce\nmx: mx1.a.test\nmx: mx3.a.test\nmx: mx4.a.test\nmax_age: 3600\n"

func TestMTASTSEnforce(t *testing.T) {
	e := newSTSEnv(t)
	ctx := context.Background()

	t.Run("listed MX with a valid certificate", func(t *testing.T) {
		e.reset()
		e.domain("a.test", "v=STSv1; id=1", enforceA, "mx1.a.test")
		res := e.relayer().Deliver(ctx, testDelivery("a.test", "bob@a.test"))
		wantStatus(t, res, StatusDelivered)
		if m := e.mxs["mx1.a.test"].Messages(); len(m) != 1 || !m[0].TLS {
			t.Fatalf("mx1: %+v", m)
		}
	})
	t.Run("MX not in the policy is refused", func(t *testing.T) {
		e.reset()
		e.domain("a.test", "v=STSv1; id=1", enforceA, "mx2.a.test")
		res := e.relayer().Deliver(ctx, testDelivery("a.test", "bob@a.test"))
		wantStatus(t, res, StatusTemporary)
		if res[0].Reply.EnhancedCode != [3]int{4, 7, 5} || e.mxs["mx2.a.test"].Sessions() != 0 {
			t.Fatalf("reply %+v, mx2 sessions %d", res[0].Reply, e.mxs["mx2.a.test"].Sessions())
		}
	})
	t.Run("certificate from an unknown CA is refused", func(t *testing.T) {
		e.reset()
		e.domain("a.test", "v=STSv1; id=1", enforceA, "mx3.a.test")
		res := e.relayer().Deliver(ctx, testDelivery("a.test", "bob@a.test"))
		wantStatus(t, res, StatusTemporary)
		if len(e.mxs["mx3.a.test"].Messages()) != 0 || res[0].Reply.EnhancedCode != [3]int{4, 7, 5} {
			t.Fatalf("delivered without valid TLS: %+v", res[0])
		}
	})
	t.Run("no STARTTLS is refused", func(t *testing.T) {
		e.reset()
		e.domain("a.test", "v=STSv1; id=1", enforceA, "mx4.a.test")
		res := e.relayer().Deliver(ctx, testDelivery("a.test", "bob@a.test"))
		wantStatus(t, res, StatusTemporary)
		if len(e.mxs["mx4.a.test"].Messages()) != 0 || res[0].Reply.EnhancedCode != [3]int{4, 7, 4} {
			t.Fatalf("delivered in cleartext: %+v", res[0])
		}
	})
	t.Run("falls back to a listed host", func(t *testing.T) {
		e.reset()
		e.domain("a.test", "v=STSv1; id=1", enforceA, "mx2.a.test", "mx3.a.test", "mx1.a.test")
		res := e.relayer().Deliver(ctx, testDelivery("a.test", "bob@a.test"))
		wantStatus(t, res, StatusDelivered)
		if len(e.mxs["mx1.a.test"].Messages()) != 1 || e.mxs["mx2.a.test"].Sessions() != 0 {
			t.Fatal("wrong host used")
		}
	})
	t.Run("wildcard pattern", func(t *testing.T) {
		e.reset()
		e.domain("wild.test", "v=STSv1; id=w1", "version: STSv1\nmode: enforce\nmx: *.wild.test\nmax_age: 60\n", "mx.wild.test")
		res := e.relayer().Deliver(ctx, testDelivery("wild.test", "bob@wild.test"))
		wantStatus(t, res, StatusDelivered)
	})
	t.Run("testing mode delivers anyway", func(t *testing.T) {
		e.reset()
		e.domain("b.test", "v=STSv1; id=b1", "version: STSv1\nmode: testing\nmx: mx1.a.test\nmax_age: 60\n", "mx2.a.test")
		res := e.relayer().Deliver(ctx, testDelivery("b.test", "bob@b.test"))
		wantStatus(t, res, StatusDelivered)
	})
	t.Run("no policy fails open", func(t *testing.T) {
		e.reset()
		e.domain("c.test", "", "", "mx4.a.test")
		res := e.relayer().Deliver(ctx, testDelivery("c.test", "bob@c.test"))
		wantStatus(t, res, StatusDelivered)
	})
	t.Run("redirects are not followed", func(t *testing.T) {
		e.reset()
		e.domain("redir.test", "v=STSv1; id=r1", "REDIRECT", "mx2.a.test")
		p, err := e.sts.Policy(ctx, e.mock, "redir.test")
		if p != nil || err == nil {
			t.Fatalf("policy %+v err %v", p, err)
		}
	})
}

func TestMTASTSCache(t *testing.T) {
	e := newSTSEnv(t)
	ctx := context.Background()
	e.domain("a.test", "v=STSv1; id=1", enforceA, "mx1.a.test")
	for range 3 {
		if p, err := e.sts.Policy(ctx, e.mock, "a.test"); err != nil || p.Mode != STSModeEnforce || p.ID != "1" {
			t.Fatalf("%+v %v", p, err)
		}
	}
	if e.hits["mta-sts.a.test"] != 1 {
		t.Fatalf("%d fetches for an unchanged id", e.hits["mta-sts.a.test"])
	}
	// A new id in DNS means a new policy.
	e.domain("a.test", "v=STSv1; id=2", strings.Replace(enforceA, "enforce", "testing", 1), "mx1.a.test")
	if p, _ := e.sts.Policy(ctx, e.mock, "a.test"); p.Mode != STSModeTesting || e.hits["mta-sts.a.test"] != 2 {
		t.Fatalf("policy %+v after id change, %d fetches", p, e.hits["mta-sts.a.test"])
	}
	// The TXT record disappears (or DNS fails): the cached policy holds
	// until max_age (RFC 8461 §5.1).
	delete(e.mock.TXT, "_mta-sts.a.test")
	if p, _ := e.sts.Policy(ctx, e.mock, "a.test"); p == nil || p.Mode != STSModeTesting {
		t.Fatalf("cached policy lost: %+v", p)
	}
	e.mu.Lock()
	e.now = e.now.Add(time.Hour)
	e.mu.Unlock()
	if p, _ := e.sts.Policy(ctx, e.mock, "a.test"); p != nil {
		t.Fatalf("expired policy still used: %+v", p)
	}
	// Multiple STSv1 records: no policy (§3.1).
	e.mock.TXT["_mta-sts.a.test"] = []string{"v=STSv1; id=3", "v=STSv1; id=4", "unrelated"}
	if p, _ := e.sts.Policy(ctx, e.mock, "a.test"); p != nil {
		t.Fatalf("policy with two records: %+v", p)
	}
	// A failed refresh keeps a still-valid cached policy.
	e.mock.TXT["_mta-sts.a.test"] = []string{"v=STSv1; id=5"}
	if p, _ := e.sts.Policy(ctx, e.mock, "a.test"); p == nil || p.ID != "5" {
		t.Fatalf("%+v", p)
	}
	e.domain("a.test", "v=STSv1; id=6", "", "mx1.a.test") // 404 now
	if p, err := e.sts.Policy(ctx, e.mock, "a.test"); p == nil || p.ID != "5" || err == nil {
		t.Fatalf("policy %+v err %v", p, err)
	}
}
