package dnsmx

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/mailwire/mailwire/smtp"
)

// TLSPolicy says how a Relayer uses STARTTLS (RFC 3207) with the remote
// server.
type TLSPolicy int

const (
	// TLSOpportunistic (the default): STARTTLS whenever the server offers
	// it, without checking its certificate (RFC 7435 opportunistic
	// security); if the handshake fails, the host is retried in cleartext.
	TLSOpportunistic TLSPolicy = iota
	// TLSNone never starts TLS.
	TLSNone
	// TLSRequired refuses to send in cleartext: the server must offer
	// STARTTLS and the handshake must succeed; the certificate is not
	// checked.
	TLSRequired
	// TLSRequiredVerified also requires a certificate valid (PKIX) for
	// the MX host name.
	TLSRequiredVerified
)

func (p TLSPolicy) String() string {
	switch p {
	case TLSOpportunistic:
		return "opportunistic"
	case TLSNone:
		return "none"
	case TLSRequired:
		return "required"
	case TLSRequiredVerified:
		return "required-verified"
	}
	return "unknown"
}

// Relayer defaults.
const (
	DefaultPort             = 25
	DefaultMaxIdlePerTarget = 20
	DefaultIdleTimeout      = 30 * time.Second
	DefaultDialTimeout      = 30 * time.Second
)

// Relayer delivers messages over SMTP to the mail exchangers of the
// recipients' domain (RFC 5321 §5.1): it tries each host in Lookup order and
// each of its addresses until one accepts, with STARTTLS per TLSPolicy and,
// when MTASTS is set, the domain's MTA-STS policy (RFC 8461). Pipelining,
// SMTPUTF8, 8BITMIME, CHUNKING (BDAT) and DSN are used as the remote offers
// them (through smtp.Client). Connections are kept for reuse by the next
// message to the same destination.
//
// The zero value delivers directly to MX hosts on port 25 with the system
// resolver. A Relayer is safe for concurrent use; it implements Transport.
type Relayer struct {
	// Resolver answers DNS queries (MX, A/AAAA, MTA-STS TXT); default
	// SystemResolver.
	Resolver Resolver
	// Lookuper orders the exchangers; default a Lookuper on Resolver.
	Lookuper *Lookuper
	// Port is the remote SMTP port; default 25.
	Port int
	// SmartHost, when set ("host:port"), receives every message instead
	// of the MX hosts of the recipients' domain (no MX lookup, no
	// MTA-STS). The host may be a name or an IP address.
	SmartHost string
	// HelloName is sent with EHLO; default os.Hostname().
	HelloName string
	// Dial opens TCP connections; default a net.Dialer with DialTimeout.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// DialTimeout bounds connecting to one address; default 30 s.
	DialTimeout time.Duration
	// TLSPolicy is the STARTTLS policy; default TLSOpportunistic.
	TLSPolicy TLSPolicy
	// TLSConfig is the base configuration for STARTTLS (RootCAs, client
	// certificates, minimum version); ServerName is set per host.
	TLSConfig *tls.Config
	// MTASTS, when set, applies RFC 8461 policies to MX delivery.
	MTASTS *MTASTS
	// ClientOptions tunes the SMTP client (timeouts, pipelining window);
	// LocalName, DialContext and TLSConfig are set by the Relayer.
	ClientOptions smtp.ClientOptions
	// MaxIdlePerTarget bounds the idle connections kept per destination
	// (domain or smart host); IdleTimeout is how long one may stay idle.
	// Defaults 20 and 30 s. A negative MaxIdlePerTarget disables reuse.
	MaxIdlePerTarget int
	IdleTimeout      time.Duration
	// Logger receives the relay's log; default slog.Default().
	Logger *slog.Logger

	initOnce sync.Once
	mu       sync.Mutex
	idle     map[string][]*idleConn
	closed   bool
}

type idleConn struct {
	c     *smtp.Client
	host  string // remote MTA name for results
	since time.Time
}

func (r *Relayer) init() {
	r.initOnce.Do(func() {
		if r.Resolver == nil {
			r.Resolver = SystemResolver
		}
		if r.Lookuper == nil {
			r.Lookuper = &Lookuper{Resolver: r.Resolver}
		}
		if r.Port == 0 {
			r.Port = DefaultPort
		}
		if r.HelloName == "" {
			r.HelloName, _ = os.Hostname()
			if r.HelloName == "" {
				r.HelloName = "localhost"
			}
		}
		if r.DialTimeout == 0 {
			r.DialTimeout = DefaultDialTimeout
		}
		if r.Dial == nil {
			d := &net.Dialer{Timeout: r.DialTimeout}
			r.Dial = d.DialContext
		}
		if r.MaxIdlePerTarget == 0 {
			r.MaxIdlePerTarget = DefaultMaxIdlePerTarget
		}
		if r.IdleTimeout == 0 {
			r.IdleTimeout = DefaultIdleTimeout
		}
		if r.Logger == nil {
			r.Logger = slog.Default()
		}
		r.idle = map[string][]*idleConn{}
	})
}

// target is one host to try with its addresses resolved lazily.
type target struct {
	host Host
	port int
	// verifyName is the name the certificate must match (MX host name);
	// requireVerified is set by TLSRequiredVerified or MTA-STS enforce.
	requireTLS      bool
	requireVerified bool
}

// Deliver implements Transport: it sends d to the hosts of d.Domain (or the
// smart host) and returns one Result per recipient.
func (r *Relayer) Deliver(ctx context.Context, d *Delivery) []Result {
	r.init()
	key, targets, fail := r.targets(ctx, d)
	if fail != nil {
		return fail
	}
	results := make([]Result, len(d.Rcpts))
	for i, rc := range d.Rcpts {
		results[i] = Result{Rcpt: rc.Addr, Status: StatusTemporary,
			Reply: localReply(451, [3]int{4, 4, 1}, "No mail exchanger reachable")}
	}
	pending := make([]int, len(d.Rcpts))
	for i := range pending {
		pending[i] = i
	}

	tried := map[string]bool{}
	// A kept connection to this destination goes first.
	for len(pending) > 0 {
		ic := r.takeIdle(key)
		if ic == nil {
			break
		}
		var broken bool
		pending, broken = r.send(ctx, ic.c, ic.host, d, pending, results, true)
		if broken {
			continue // stale connection; nothing was decided by it
		}
		r.release(key, ic.c, ic.host)
		tried[ic.host] = true
		if len(pending) > 0 {
			break // temporary failures: let the other hosts try them
		}
	}

	for _, t := range targets {
		if len(pending) == 0 || ctx.Err() != nil {
			break
		}
		if tried[t.host.Name] {
			continue
		}
		tried[t.host.Name] = true
		addrs, err := r.Lookuper.Addrs(ctx, t.host)
		if err != nil {
			var le *LookupError
			if errors.As(err, &le) && le.Temporary() {
				r.setPending(results, pending, localReply(451, [3]int{4, 4, 3}, "Temporary DNS failure resolving "+t.host.Name), "")
			}
			continue
		}
		for _, a := range addrs {
			if len(pending) == 0 || ctx.Err() != nil {
				break
			}
			var c *smtp.Client
			c, err = r.connect(ctx, t, a, results, pending)
			if c == nil {
				continue
			}
			var broken bool
			pending, broken = r.send(ctx, c, t.host.Name, d, pending, results, false)
			if broken {
				c.Close()
			} else {
				r.release(key, c, t.host.Name)
			}
			// Recipients still temporary move on to the next host
			// (RFC 5321 §5.1: try the hosts in order until delivery
			// succeeds); the other addresses of this host are for
			// when it cannot be reached.
			break
		}
	}
	return results
}

// setPending sets the reply of every pending recipient.
func (r *Relayer) setPending(results []Result, pending []int, reply *smtp.Error, remote string) {
	for _, i := range pending {
		results[i].Reply, results[i].RemoteMTA = reply, remote
	}
}

// targets resolves where d goes. fail is non-nil when no delivery is
// possible at all (DNS says so, or the MTA-STS policy excludes every host).
func (r *Relayer) targets(ctx context.Context, d *Delivery) (key string, ts []target, fail []Result) {
	if r.SmartHost != "" {
		host, portStr, err := net.SplitHostPort(r.SmartHost)
		port, perr := strconv.Atoi(portStr)
		if err != nil || perr != nil {
			return "", nil, resultsFor(d, StatusTemporary, localReply(451, [3]int{4, 3, 5}, "Smart host misconfigured"), "")
		}
		h := Host{Name: host}
		if a, err := netip.ParseAddr(host); err == nil {
			h.Addrs = []netip.Addr{a}
		}
		return "smarthost " + r.SmartHost, []target{r.tlsTarget(h, port)}, nil
	}
	hosts, err := r.Lookuper.Lookup(ctx, d.Domain)
	if err != nil {
		return "", nil, resultsFor(d, lookupStatus(err), lookupReply(err), "")
	}
	key = "mx " + d.Domain
	var policy *STSPolicy
	if r.MTASTS != nil && !isLiteral(d.Domain) {
		policy = r.MTASTS.policyFor(ctx, r.Resolver, d.Domain, r.Logger)
	}
	for _, h := range hosts {
		t := r.tlsTarget(h, r.Port)
		if policy != nil && policy.Mode != STSModeNone {
			match := policy.Matches(h.Name)
			if policy.Mode == STSModeEnforce {
				// RFC 8461 §4.1, §4.2: only hosts matching the policy,
				// and only with a valid certificate for their name.
				if !match {
					r.Logger.Warn("dnsmx: MTA-STS: MX host not in policy; skipped", "domain", d.Domain, "host", h.Name)
					continue
				}
				t.requireTLS, t.requireVerified = true, true
			} else if !match {
				r.Logger.Info("dnsmx: MTA-STS testing: MX host not in policy", "domain", d.Domain, "host", h.Name)
			}
		}
		ts = append(ts, t)
	}
	if len(ts) == 0 {
		// RFC 8461 §5: do not deliver; the policy may be fixed later.
		return "", nil, resultsFor(d, StatusTemporary, localReply(451, [3]int{4, 7, 5}, "No MX host matches the domain's MTA-STS policy"), "")
	}
	if policy != nil && policy.Mode == STSModeEnforce {
		key = "mx-sts " + d.Domain // never reuse a connection made without the policy
	}
	return key, ts, nil
}

func isLiteral(domain string) bool { return len(domain) > 0 && domain[0] == '[' }

func (r *Relayer) tlsTarget(h Host, port int) target {
	t := target{host: h, port: port}
	switch r.TLSPolicy {
	case TLSRequired:
		t.requireTLS = true
	case TLSRequiredVerified:
		t.requireTLS, t.requireVerified = true, true
	}
	return t
}

func lookupStatus(err error) Status {
	var le *LookupError
	if errors.As(err, &le) && le.Temporary() {
		return StatusTemporary
	}
	return StatusPermanent
}

// lookupReply makes the reply for a failed MX lookup.
func lookupReply(err error) *smtp.Error {
	switch {
	case errors.Is(err, ErrNullMX):
		// RFC 7505 §4.1 (and RFC 7504): 556 5.1.10.
		return localReply(556, [3]int{5, 1, 10}, "Recipient domain does not accept mail (null MX)")
	case errors.Is(err, ErrNoSuchDomain), errors.Is(err, ErrInvalidDomain):
		return localReply(550, [3]int{5, 1, 2}, "Recipient domain not found")
	case errors.Is(err, ErrMXLoop):
		return localReply(554, [3]int{5, 4, 6}, "Mail for the domain loops back to this host")
	case lookupStatus(err) == StatusPermanent:
		return localReply(550, [3]int{5, 4, 4}, "No usable mail exchanger for the domain")
	}
	return localReply(451, [3]int{4, 4, 3}, "Temporary DNS failure looking up the domain's mail exchangers")
}

// connect dials one address of t and applies the TLS policy. On failure it
// records why in the pending recipients' results and returns nil.
func (r *Relayer) connect(ctx context.Context, t target, a netip.Addr, results []Result, pending []int) (*smtp.Client, error) {
	addr := net.JoinHostPort(a.String(), strconv.Itoa(t.port))
	useTLS := r.TLSPolicy != TLSNone || t.requireTLS
	for {
		c, err := r.dial(ctx, addr)
		if err != nil {
			r.Logger.Debug("dnsmx: connect failed", "host", t.host.Name, "addr", addr, "err", err)
			reply := replyOf(err)
			if reply == nil {
				reply = localReply(451, [3]int{4, 4, 1}, "Connection to "+t.host.Name+" failed")
			}
			r.setPending(results, pending, reply, remoteIfReply(err, t.host.Name))
			return nil, err
		}
		if !useTLS || (!t.requireTLS && !c.HasExtension("STARTTLS")) {
			return c, nil
		}
		if !c.HasExtension("STARTTLS") {
			c.Close()
			r.setPending(results, pending, localReply(451, [3]int{4, 7, 4}, "TLS required but "+t.host.Name+" does not offer STARTTLS"), t.host.Name)
			return nil, errors.New("no STARTTLS")
		}
		cfg := &tls.Config{}
		if r.TLSConfig != nil {
			cfg = r.TLSConfig.Clone()
		}
		cfg.ServerName = t.host.Name
		if !t.requireVerified {
			// Opportunistic or unverified-required: encryption against
			// passive attackers only (RFC 7435).
			cfg.InsecureSkipVerify = true
		}
		if err := c.StartTLS(cfg); err != nil {
			c.Close()
			if t.requireTLS {
				r.setPending(results, pending, localReply(451, [3]int{4, 7, 5}, "TLS with "+t.host.Name+" failed"), t.host.Name)
				r.Logger.Warn("dnsmx: required TLS failed", "host", t.host.Name, "addr", addr, "err", err)
				return nil, err
			}
			// Opportunistic: a broken TLS stack at the remote must not
			// stop mail; try once more in cleartext.
			r.Logger.Info("dnsmx: STARTTLS failed; retrying without TLS", "host", t.host.Name, "addr", addr, "err", err)
			useTLS = false
			continue
		}
		return c, nil
	}
}

func (r *Relayer) dial(ctx context.Context, addr string) (*smtp.Client, error) {
	opts := r.ClientOptions
	opts.LocalName = r.HelloName
	opts.DialContext = r.Dial
	if opts.Logger == nil {
		opts.Logger = r.Logger
	}
	dctx, cancel := context.WithTimeout(ctx, r.DialTimeout+opts.GreetingTimeout+opts.CommandTimeout+2*time.Minute)
	defer cancel()
	return smtp.Dial(dctx, addr, &opts)
}

// replyOf extracts the server reply in err, if any.
func replyOf(err error) *smtp.Error {
	var se *smtp.Error
	if errors.As(err, &se) {
		return se
	}
	return nil
}

func remoteIfReply(err error, host string) string {
	if replyOf(err) != nil {
		return host
	}
	return ""
}

// send runs one transaction on c for the pending recipients and returns
// those still temporary. broken reports a connection that failed before
// any reply decided anything (a stale kept connection): the caller retries
// elsewhere without counting it.
func (r *Relayer) send(ctx context.Context, c *smtp.Client, host string, d *Delivery, pending []int, results []Result, reused bool) ([]int, bool) {
	rcpts := make([]string, len(pending))
	for k, i := range pending {
		rcpts[k] = d.Rcpts[i].Addr
	}
	mo := &smtp.MailOptions{Body: d.BodyType, SMTPUTF8: d.SMTPUTF8, Size: d.Size}
	opts := &smtp.SendOptions{Mail: mo}
	dsn := c.HasExtension("DSN")
	if dsn {
		// RFC 3461 §5.2.1 (relay to a DSN-capable server): pass the
		// parameters on, so the next hop reports as the sender asked.
		mo.Return, mo.EnvelopeID = d.Return, d.EnvelopeID
		opts.PerRcpt = make([]*smtp.RcptOptions, len(pending))
		for k, i := range pending {
			rc := d.Rcpts[i]
			if len(rc.Notify) > 0 || rc.ORCPT != "" {
				opts.PerRcpt[k] = &smtp.RcptOptions{Notify: rc.Notify, OriginalRecipientType: rc.ORCPTType, OriginalRecipient: rc.ORCPT}
			}
		}
	}
	res, err := c.Send(ctx, d.From, rcpts, d.Body(), opts)
	if reused && c.Err() != nil && noReplies(res) {
		c.Close()
		return pending, true
	}
	var still []int
	for k, i := range pending {
		var rerr error
		if res != nil && k < len(res.Rcpts) {
			rerr = res.Rcpts[k].Err
		} else {
			rerr = err
		}
		out := &results[i]
		out.RemoteMTA = host
		if rerr == nil {
			out.Status, out.Reply, out.Response, out.DSNRelayed = StatusDelivered, nil, res.Reply, dsn
			continue
		}
		reply := replyOf(rerr)
		switch {
		case reply != nil && reply.Permanent():
			out.Status, out.Reply = StatusPermanent, reply
		case reply != nil:
			out.Status, out.Reply = StatusTemporary, reply
			still = append(still, i)
		case errors.Is(rerr, smtp.ErrInvalidArgument):
			out.Status, out.Reply = StatusPermanent, localReply(553, [3]int{5, 1, 3}, "Invalid address or parameter")
			out.RemoteMTA = ""
		default:
			r.Logger.Info("dnsmx: delivery interrupted", "host", host, "err", rerr)
			out.Status, out.Reply = StatusTemporary, localReply(451, [3]int{4, 4, 2}, "Connection with "+host+" lost")
			still = append(still, i)
		}
	}
	return still, c.Err() != nil
}

// noReplies reports whether no recipient got a server reply in res.
func noReplies(res *smtp.SendResult) bool {
	if res == nil {
		return true
	}
	for _, rr := range res.Rcpts {
		if rr.Err == nil || replyOf(rr.Err) != nil {
			return false
		}
	}
	return true
}

// takeIdle returns a kept connection for key that has not idled too long.
func (r *Relayer) takeIdle(key string) *idleConn {
	r.mu.Lock()
	defer r.mu.Unlock()
	list := r.idle[key]
	for len(list) > 0 {
		ic := list[len(list)-1]
		list = list[:len(list)-1]
		r.idle[key] = list
		if time.Since(ic.since) < r.IdleTimeout {
			return ic
		}
		go ic.c.Close()
	}
	delete(r.idle, key)
	return nil
}

// release keeps c for the next message to key, or closes it.
func (r *Relayer) release(key string, c *smtp.Client, host string) {
	if c.Err() != nil || r.MaxIdlePerTarget < 0 {
		c.Close()
		return
	}
	r.mu.Lock()
	if r.closed || len(r.idle[key]) >= r.MaxIdlePerTarget {
		r.mu.Unlock()
		_ = c.Quit()
		return
	}
	r.idle[key] = append(r.idle[key], &idleConn{c: c, host: host, since: time.Now()})
	r.mu.Unlock()
}

// Close closes the kept connections (with QUIT).
func (r *Relayer) Close() error {
	r.init()
	r.mu.Lock()
	idle := r.idle
	r.idle = map[string][]*idleConn{}
	r.closed = true
	r.mu.Unlock()
	for _, list := range idle {
		for _, ic := range list {
			_ = ic.c.Quit()
		}
	}
	return nil
}
