package dnsmx

import (
	"encoding/binary"
	"io"
	"net"
	"sync"
	"testing"

	"golang.org/x/net/dns/dnsmessage"
)

// fakeDNS is an in-process DNS server on 127.0.0.1 (UDP and TCP on the
// same port) whose answers a test scripts with answer.
type fakeDNS struct {
	addr string
	// answer builds the reply to q; tcp tells which transport asked. It
	// returns the raw reply (the ID is patched in) or nil to stay silent.
	answer func(q dnsmessage.Question, tcp bool) []byte
	// extraUDP, if set, is sent before the real UDP reply (e.g. a forged
	// reply with a wrong ID).
	extraUDP func(id uint16, q dnsmessage.Question) []byte

	mu      sync.Mutex
	queries []string // "udp MX a.test." etc.
}

func startFakeDNS(t *testing.T, answer func(q dnsmessage.Question, tcp bool) []byte) *fakeDNS {
	t.Helper()
	return startFakeDNSWith(t, &fakeDNS{answer: answer})
}

func startFakeDNSWith(t *testing.T, f *fakeDNS) *fakeDNS {
	t.Helper()
	var pc net.PacketConn
	var ln net.Listener
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		p, err := net.ListenPacket("udp", l.Addr().String())
		if err == nil {
			ln, pc = l, p
			break
		}
		l.Close()
	}
	if pc == nil {
		t.Fatal("no port free for both UDP and TCP")
	}
	f.addr = ln.Addr().String()
	t.Cleanup(func() { pc.Close(); ln.Close() })
	go f.serveUDP(pc)
	go f.serveTCP(ln)
	return f
}

func (f *fakeDNS) log(s string) {
	f.mu.Lock()
	f.queries = append(f.queries, s)
	f.mu.Unlock()
}

func (f *fakeDNS) Queries() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.queries...)
}

func parseQuery(b []byte) (uint16, dnsmessage.Question, bool) {
	var p dnsmessage.Parser
	h, err := p.Start(b)
	if err != nil {
		return 0, dnsmessage.Question{}, false
	}
	q, err := p.Question()
	return h.ID, q, err == nil
}

func (f *fakeDNS) serveUDP(pc net.PacketConn) {
	buf := make([]byte, 4096)
	for {
		n, from, err := pc.ReadFrom(buf)
		if err != nil {
			return
		}
		id, q, ok := parseQuery(buf[:n])
		if !ok {
			continue
		}
		f.log("udp " + q.Type.String() + " " + q.Name.String())
		if f.extraUDP != nil {
			pc.WriteTo(f.extraUDP(id, q), from)
		}
		if reply := f.answer(q, false); reply != nil {
			binary.BigEndian.PutUint16(reply, id)
			pc.WriteTo(reply, from)
		}
	}
}

func (f *fakeDNS) serveTCP(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			var l [2]byte
			if _, err := io.ReadFull(c, l[:]); err != nil {
				return
			}
			msg := make([]byte, binary.BigEndian.Uint16(l[:]))
			if _, err := io.ReadFull(c, msg); err != nil {
				return
			}
			id, q, ok := parseQuery(msg)
			if !ok {
				return
			}
			f.log("tcp " + q.Type.String() + " " + q.Name.String())
			reply := f.answer(q, true)
			if reply == nil {
				return
			}
			binary.BigEndian.PutUint16(reply, id)
			binary.BigEndian.PutUint16(l[:], uint16(len(reply)))
			c.Write(append(l[:], reply...))
		}()
	}
}

// reply builds DNS replies for tests.
type reply struct {
	q     dnsmessage.Question
	rcode dnsmessage.RCode
	tc    bool
	add   []func(b *dnsmessage.Builder) error
}

func newReply(q dnsmessage.Question) *reply { return &reply{q: q} }

func mustName(s string) dnsmessage.Name { return dnsmessage.MustNewName(s) }

func hdr(name string, t dnsmessage.Type) dnsmessage.ResourceHeader {
	return dnsmessage.ResourceHeader{Name: mustName(name), Type: t, Class: dnsmessage.ClassINET, TTL: 60}
}

func (r *reply) mx(owner string, pref uint16, host string) *reply {
	r.add = append(r.add, func(b *dnsmessage.Builder) error {
		return b.MXResource(hdr(owner, dnsmessage.TypeMX), dnsmessage.MXResource{Pref: pref, MX: mustName(host)})
	})
	return r
}

func (r *reply) cname(owner, target string) *reply {
	r.add = append(r.add, func(b *dnsmessage.Builder) error {
		return b.CNAMEResource(hdr(owner, dnsmessage.TypeCNAME), dnsmessage.CNAMEResource{CNAME: mustName(target)})
	})
	return r
}

func (r *reply) a(owner string, ip [4]byte) *reply {
	r.add = append(r.add, func(b *dnsmessage.Builder) error {
		return b.AResource(hdr(owner, dnsmessage.TypeA), dnsmessage.AResource{A: ip})
	})
	return r
}

func (r *reply) txt(owner string, parts ...string) *reply {
	r.add = append(r.add, func(b *dnsmessage.Builder) error {
		return b.TXTResource(hdr(owner, dnsmessage.TypeTXT), dnsmessage.TXTResource{TXT: parts})
	})
	return r
}

// raw adds a record of type t with arbitrary (possibly malformed) data.
func (r *reply) raw(owner string, t dnsmessage.Type, data []byte) *reply {
	r.add = append(r.add, func(b *dnsmessage.Builder) error {
		h := hdr(owner, t)
		return b.UnknownResource(h, dnsmessage.UnknownResource{Type: t, Data: data})
	})
	return r
}

func (r *reply) bytes() []byte {
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{Response: true, RecursionAvailable: true, RCode: r.rcode, Truncated: r.tc})
	must(b.StartQuestions())
	must(b.Question(r.q))
	must(b.StartAnswers())
	for _, f := range r.add {
		must(f(&b))
	}
	msg, err := b.Finish()
	must(err)
	return msg
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
