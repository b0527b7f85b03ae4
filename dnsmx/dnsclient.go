package dnsmx

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// DNSClient is a Resolver that sends queries straight to one recursive DNS
// server (RFC 1035 §4.2: UDP first, TCP when the reply is truncated) instead
// of going through the system's configuration. It follows CNAME chains in
// the answers, at most MaxCNAME steps. The zero value is not usable: set
// Server.
type DNSClient struct {
	// Server is the DNS server's "host:port", e.g. "127.0.0.1:53".
	Server string
	// Timeout bounds one attempt (one UDP exchange or one TCP exchange).
	// Default 3 s.
	Timeout time.Duration
	// Attempts is the number of UDP tries before giving up. Default 2.
	Attempts int
	// MaxCNAME bounds the length of a followed CNAME chain. Default 8.
	MaxCNAME int
	// Dial opens connections; default (&net.Dialer{}).DialContext.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Defaults for DNSClient and MockResolver.
const (
	defaultDNSTimeout  = 3 * time.Second
	defaultDNSAttempts = 2
	defaultMaxCNAME    = 8
	// ednsUDPSize is the EDNS(0) payload size we advertise: the DNS Flag Day
	// 2020 value that avoids IP fragmentation.
	ednsUDPSize = 1232
	// maxDNSMessage bounds a reply read over TCP (the 16-bit length prefix
	// already does; this names it).
	maxDNSMessage = 65535
)

// LookupMX implements Resolver.
func (c *DNSClient) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	var rs mxRecords
	err := c.lookup(ctx, name, dnsmessage.TypeMX, rs.add)
	return finish(rs.out, err, rs.malformed, name, c.Server)
}

// LookupTXT implements Resolver. The character-strings of one record are
// concatenated (as RFC 7208 §3.3 and RFC 8461 §3.1 expect).
func (c *DNSClient) LookupTXT(ctx context.Context, name string) ([]string, error) {
	var rs txtRecords
	err := c.lookup(ctx, name, dnsmessage.TypeTXT, rs.add)
	return finish(rs.out, err, rs.malformed, name, c.Server)
}

// LookupNetIP implements Resolver: A and AAAA are queried in parallel; IPv4
// addresses come first.
func (c *DNSClient) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	types := []dnsmessage.Type{dnsmessage.TypeA, dnsmessage.TypeAAAA}
	switch network {
	case "ip4":
		types = types[:1]
	case "ip6":
		types = types[1:]
	}
	results := make([][]netip.Addr, len(types))
	errs := make([]error, len(types))
	var wg sync.WaitGroup
	for i, t := range types {
		wg.Go(func() {
			rs := addrRecords{v6: t == dnsmessage.TypeAAAA}
			err := c.lookup(ctx, host, t, rs.add)
			results[i], errs[i] = finish(rs.out, err, rs.malformed, host, c.Server)
		})
	}
	wg.Wait()
	var out []netip.Addr
	for _, r := range results {
		out = append(out, r...)
	}
	if len(out) > 0 {
		return out, nil
	}
	// Prefer a temporary error over not-found: one family failing to answer
	// does not prove the host has no address.
	for _, err := range errs {
		if err != nil && classify(err) == dnsTemporary {
			return nil, err
		}
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return nil, notFoundError(host, c.Server)
}

// Record collectors: each add consumes one answer record of its type and
// notes (and skips) a malformed one, so the valid records survive.
type mxRecords struct {
	out       []*net.MX
	malformed bool
}

func (rs *mxRecords) add(p *dnsmessage.Parser) error {
	r, err := p.MXResource()
	if err != nil {
		rs.malformed = true
		return p.SkipAnswer()
	}
	rs.out = append(rs.out, &net.MX{Host: r.MX.String(), Pref: r.Pref})
	return nil
}

type txtRecords struct {
	out       []string
	malformed bool
}

func (rs *txtRecords) add(p *dnsmessage.Parser) error {
	r, err := p.TXTResource()
	if err != nil {
		rs.malformed = true
		return p.SkipAnswer()
	}
	rs.out = append(rs.out, strings.Join(r.TXT, ""))
	return nil
}

type addrRecords struct {
	v6        bool
	out       []netip.Addr
	malformed bool
}

func (rs *addrRecords) add(p *dnsmessage.Parser) error {
	if rs.v6 {
		r, err := p.AAAAResource()
		if err != nil {
			rs.malformed = true
			return p.SkipAnswer()
		}
		rs.out = append(rs.out, netip.AddrFrom16(r.AAAA))
		return nil
	}
	r, err := p.AResource()
	if err != nil {
		rs.malformed = true
		return p.SkipAnswer()
	}
	rs.out = append(rs.out, netip.AddrFrom4(r.A))
	return nil
}

// finish turns a lookup's records and error into the Resolver result.
func finish[T any](out []T, err error, malformed bool, name, server string) ([]T, error) {
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		if malformed {
			return nil, &net.DNSError{Err: "all records malformed", Name: name, Server: server}
		}
		return nil, notFoundError(name, server)
	}
	return out, nil
}

// lookup resolves name for qtype, following CNAMEs, and calls rr for every
// answer record of qtype owned by the end of the chain; rr must consume the
// record (parse or skip it).
func (c *DNSClient) lookup(ctx context.Context, name string, qtype dnsmessage.Type, rr func(*dnsmessage.Parser) error) error {
	maxCNAME := c.MaxCNAME
	if maxCNAME <= 0 {
		maxCNAME = defaultMaxCNAME
	}
	if !strings.HasSuffix(name, ".") {
		name += "."
	}
	qname, err := dnsmessage.NewName(name)
	if err != nil {
		return &net.DNSError{Err: "invalid name", Name: name, Server: c.Server}
	}
	steps := 0
	for {
		msg, err := c.exchange(ctx, qname, qtype)
		if err != nil {
			return err
		}
		target, hops, found, err := c.walk(msg, qname, qtype, maxCNAME-steps, rr)
		if err != nil || found {
			return err
		}
		if hops == 0 {
			return notFoundError(name, c.Server) // NODATA
		}
		// The server gave a chain that ends before a record of qtype: ask
		// for the chain's end ourselves, still within the bound.
		steps += hops
		if steps >= maxCNAME {
			return &net.DNSError{Err: ErrCNAMELoop.Error(), Name: name, Server: c.Server}
		}
		qname = target
	}
}

func canon(n dnsmessage.Name) string { return strings.ToLower(n.String()) }

// cnameMap collects the CNAME records of msg's answer section.
func cnameMap(msg []byte) map[string]string {
	var p dnsmessage.Parser
	m := map[string]string{}
	if _, err := p.Start(msg); err != nil {
		return m
	}
	if err := p.SkipAllQuestions(); err != nil {
		return m
	}
	for {
		h, err := p.AnswerHeader()
		if err != nil {
			return m
		}
		if h.Type == dnsmessage.TypeCNAME && h.Class == dnsmessage.ClassINET {
			if r, err := p.CNAMEResource(); err == nil {
				m[canon(h.Name)] = canon(r.CNAME)
				continue
			}
		}
		if p.SkipAnswer() != nil {
			return m
		}
	}
}

// walk follows the CNAME chain from qname inside msg and feeds the records
// of qtype at its end to rr. It returns the chain's end, its length in
// hops, and whether any record of qtype was found there.
func (c *DNSClient) walk(msg []byte, qname dnsmessage.Name, qtype dnsmessage.Type, budget int, rr func(*dnsmessage.Parser) error) (end dnsmessage.Name, hops int, found bool, err error) {
	chain := cnameMap(msg)
	cur := canon(qname)
	end = qname
	for {
		next, ok := chain[cur]
		if !ok {
			break
		}
		if hops >= budget {
			return end, hops, false, &net.DNSError{Err: ErrCNAMELoop.Error(), Name: qname.String(), Server: c.Server}
		}
		hops++
		cur = next
		end, _ = dnsmessage.NewName(next)
	}
	var p dnsmessage.Parser
	if _, err := p.Start(msg); err != nil {
		return end, hops, false, temporaryError(qname.String(), c.Server, "malformed reply", false)
	}
	if err := p.SkipAllQuestions(); err != nil {
		return end, hops, false, temporaryError(qname.String(), c.Server, "malformed reply", false)
	}
	for {
		h, err := p.AnswerHeader()
		if errors.Is(err, dnsmessage.ErrSectionDone) {
			break
		}
		if err != nil {
			// The rest of the section cannot be located; keep what we have.
			break
		}
		if h.Type == qtype && h.Class == dnsmessage.ClassINET && canon(h.Name) == cur {
			found = true
			if rr(&p) != nil {
				break // the record could not be skipped: the rest is unreadable
			}
			continue
		}
		if p.SkipAnswer() != nil {
			break
		}
	}
	return end, hops, found, nil
}

// exchange sends one query and returns the raw reply after checking its
// header: NXDOMAIN becomes a not-found error, other failure codes temporary
// errors.
func (c *DNSClient) exchange(ctx context.Context, qname dnsmessage.Name, qtype dnsmessage.Type) ([]byte, error) {
	id := uint16(rand.Uint32())
	query, err := buildQuery(id, qname, qtype)
	if err != nil {
		return nil, &net.DNSError{Err: err.Error(), Name: qname.String(), Server: c.Server}
	}
	attempts := c.Attempts
	if attempts <= 0 {
		attempts = defaultDNSAttempts
	}
	var reply []byte
	for try := 0; try < attempts; try++ {
		reply, err = c.roundTrip(ctx, "udp", query, id, qname, qtype)
		if err == nil || ctx.Err() != nil {
			break
		}
	}
	if err != nil {
		return nil, c.netError(qname, err)
	}
	h, err := replyHeader(reply)
	if err != nil {
		return nil, temporaryError(qname.String(), c.Server, "malformed reply", false)
	}
	if h.Truncated {
		// RFC 1035 §4.2.2, RFC 7766: repeat the query over TCP.
		reply, err = c.roundTrip(ctx, "tcp", query, id, qname, qtype)
		if err != nil {
			return nil, c.netError(qname, err)
		}
		if h, err = replyHeader(reply); err != nil {
			return nil, temporaryError(qname.String(), c.Server, "malformed reply", false)
		}
	}
	switch h.RCode {
	case dnsmessage.RCodeSuccess:
		return reply, nil
	case dnsmessage.RCodeNameError:
		return nil, notFoundError(qname.String(), c.Server)
	default:
		// SERVFAIL, REFUSED, FORMERR, NOTIMP: the server could not answer;
		// the name may well exist.
		return nil, temporaryError(qname.String(), c.Server, "server answered "+h.RCode.String(), false)
	}
}

func (c *DNSClient) netError(qname dnsmessage.Name, err error) error {
	var ne net.Error
	timeout := errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded)
	return temporaryError(qname.String(), c.Server, err.Error(), timeout)
}

func replyHeader(msg []byte) (dnsmessage.Header, error) {
	var p dnsmessage.Parser
	return p.Start(msg)
}

func buildQuery(id uint16, qname dnsmessage.Name, qtype dnsmessage.Type) ([]byte, error) {
	b := dnsmessage.NewBuilder(make([]byte, 2, 512), dnsmessage.Header{ID: id, RecursionDesired: true})
	b.EnableCompression()
	if err := b.StartQuestions(); err != nil {
		return nil, err
	}
	if err := b.Question(dnsmessage.Question{Name: qname, Type: qtype, Class: dnsmessage.ClassINET}); err != nil {
		return nil, err
	}
	if err := b.StartAdditionals(); err != nil {
		return nil, err
	}
	var opt dnsmessage.ResourceHeader
	if err := opt.SetEDNS0(ednsUDPSize, dnsmessage.RCodeSuccess, false); err != nil {
		return nil, err
	}
	if err := b.OPTResource(opt, dnsmessage.OPTResource{}); err != nil {
		return nil, err
	}
	msg, err := b.Finish()
	if err != nil {
		return nil, err
	}
	// The first two bytes are room for the TCP length prefix.
	binary.BigEndian.PutUint16(msg, uint16(len(msg)-2))
	return msg, nil
}

// roundTrip sends query over network ("udp" or "tcp") and returns the first
// reply that matches the query's ID and question; unrelated datagrams (late
// replies, spoofing attempts) are ignored until the deadline.
func (c *DNSClient) roundTrip(ctx context.Context, network string, query []byte, id uint16, qname dnsmessage.Name, qtype dnsmessage.Type) ([]byte, error) {
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = defaultDNSTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	dial := c.Dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	conn, err := dial(ctx, network, c.Server)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if d, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	if network == "tcp" {
		if _, err := conn.Write(query); err != nil {
			return nil, err
		}
		var lenBuf [2]byte
		if _, err := io.ReadFull(conn, lenBuf[:]); err != nil {
			return nil, err
		}
		reply := make([]byte, binary.BigEndian.Uint16(lenBuf[:]))
		if _, err := io.ReadFull(conn, reply); err != nil {
			return nil, err
		}
		if !matches(reply, id, qname, qtype) {
			return nil, errors.New("reply does not match the query")
		}
		return reply, nil
	}
	if _, err := conn.Write(query[2:]); err != nil {
		return nil, err
	}
	buf := make([]byte, maxDNSMessage)
	for {
		n, err := conn.Read(buf)
		if err != nil {
			return nil, err
		}
		if matches(buf[:n], id, qname, qtype) {
			return buf[:n:n], nil
		}
	}
}

// matches reports whether msg is a response to our query (RFC 5452 §4.3:
// check the ID and the question).
func matches(msg []byte, id uint16, qname dnsmessage.Name, qtype dnsmessage.Type) bool {
	var p dnsmessage.Parser
	h, err := p.Start(msg)
	if err != nil || !h.Response || h.ID != id {
		return false
	}
	q, err := p.Question()
	if err != nil {
		return false
	}
	return q.Type == qtype && q.Class == dnsmessage.ClassINET && strings.EqualFold(q.Name.String(), qname.String())
}
