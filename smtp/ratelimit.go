package smtp

import (
	"net"
	"sync"
	"time"
)

// RateLimiter limits how many messages and recipients a sender may submit
// per period: per authenticated account, and per remote IP address for
// connections that did not authenticate — the sending limits mail
// providers apply. It is safe for concurrent use and may be shared by
// several servers (e.g. MX and submission). Refusals are temporary: MAIL
// gets "450 4.7.1" and RCPT "450 4.7.1" (RFC 3463 X.7.1: delivery not
// authorized now), so well-behaved clients retry later.
//
// Each key has a token bucket that holds up to the per-period limit and
// refills evenly over Period, so a burst up to the limit is allowed and
// the long-run rate is limit/Period.
type RateLimiter struct {
	// Per authenticated account (Conn.AuthIdentity); zero: no limit.
	AccountMessages   int
	AccountRecipients int
	// Per remote IP address of unauthenticated connections; zero: no limit.
	IPMessages   int
	IPRecipients int
	// Period over which the limits apply. Default 1 hour.
	Period time.Duration
	// MaxKeys bounds the number of tracked accounts and addresses; when
	// it is reached, buckets that refilled completely are forgotten, and
	// if none did, new keys are refused. Default 100,000.
	MaxKeys int
	// Now is the clock. Default time.Now.
	Now func() time.Time

	mu      sync.Mutex
	buckets map[rateKey]*rateBucket
}

type rateKey struct {
	kind  uint8 // 0 account messages, 1 account rcpts, 2 IP messages, 3 IP rcpts
	value string
}

type rateBucket struct {
	tokens float64
	last   time.Time
}

// AllowMessage takes one message from account's budget (or, if account is
// "", from ip's) and reports whether it was available.
func (l *RateLimiter) AllowMessage(account string, ip net.IP) bool {
	if account != "" {
		return l.take(0, account, l.AccountMessages)
	}
	return l.take(2, ip.String(), l.IPMessages)
}

// AllowRecipient takes one recipient from the budget, like AllowMessage.
func (l *RateLimiter) AllowRecipient(account string, ip net.IP) bool {
	if account != "" {
		return l.take(1, account, l.AccountRecipients)
	}
	return l.take(3, ip.String(), l.IPRecipients)
}

func (l *RateLimiter) take(kind uint8, key string, limit int) bool {
	if limit <= 0 {
		return true
	}
	period := l.Period
	if period <= 0 {
		period = time.Hour
	}
	now := time.Now
	if l.Now != nil {
		now = l.Now
	}
	t := now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = make(map[rateKey]*rateBucket)
	}
	k := rateKey{kind, key}
	b := l.buckets[k]
	if b == nil {
		maxKeys := l.MaxKeys
		if maxKeys <= 0 {
			maxKeys = 100000
		}
		if len(l.buckets) >= maxKeys && !l.evictFull(t, period) {
			return false
		}
		b = &rateBucket{tokens: float64(limit), last: t}
		l.buckets[k] = b
	}
	if el := t.Sub(b.last); el > 0 {
		b.tokens = min(float64(limit), b.tokens+float64(limit)*el.Seconds()/period.Seconds())
		b.last = t
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// evictFull forgets buckets untouched for a whole period (they are full
// again) and reports whether it freed any.
func (l *RateLimiter) evictFull(t time.Time, period time.Duration) bool {
	freed := false
	for k, b := range l.buckets {
		if t.Sub(b.last) >= period {
			delete(l.buckets, k)
			freed = true
		}
	}
	return freed
}

func (c *Conn) remoteIP() net.IP {
	if ta, ok := c.netConn.RemoteAddr().(*net.TCPAddr); ok {
		return ta.IP
	}
	return nil
}

func (l *RateLimiter) allowMessage(c *Conn) bool { return l.AllowMessage(c.authIdent, c.remoteIP()) }
func (l *RateLimiter) allowRecipient(c *Conn) bool {
	return l.AllowRecipient(c.authIdent, c.remoteIP())
}
