package serve

import (
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Listeners is the set of listeners a server accepts on, and whether the
// server was closed. Its zero value is ready to use.
type Listeners struct {
	mu     sync.Mutex
	set    map[*net.Listener]struct{}
	closed atomic.Bool
}

// Closed reports whether Close (the server's Shutdown or Close) was called.
func (ls *Listeners) Closed() bool { return ls.closed.Load() }

// Accept tracks l and accepts connections on it until it fails or the server
// is closed, backing off on temporary errors like net/http. Every accepted
// connection goes to handle, in the accepting goroutine; when handle reports
// false (the server closed meanwhile) Accept returns errClosed. Accept
// returns errClosed after Shutdown or Close, and closes l only when the
// server was already closed (callers that close l on return defer that).
func (ls *Listeners) Accept(l net.Listener, errClosed error, handle func(net.Conn) bool) error {
	if !ls.trackListener(&l, true) {
		l.Close()
		return errClosed
	}
	defer ls.trackListener(&l, false)
	var backoff time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			if ls.closed.Load() {
				return errClosed
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
				time.Sleep(backoff)
				continue
			}
			return err
		}
		backoff = 0
		if !handle(nc) {
			return errClosed
		}
	}
}

func (ls *Listeners) trackListener(l *net.Listener, add bool) bool {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if !add {
		delete(ls.set, l)
		return true
	}
	if ls.closed.Load() {
		return false
	}
	if ls.set == nil {
		ls.set = make(map[*net.Listener]struct{})
	}
	ls.set[l] = struct{}{}
	return true
}

// Close marks the server closed and closes its listeners, so that every
// Accept returns.
func (ls *Listeners) Close() {
	ls.closed.Store(true)
	ls.mu.Lock()
	defer ls.mu.Unlock()
	for l := range ls.set {
		(*l).Close()
	}
}

// ListenAndServe listens on TCP addr and passes the listener to serve; with
// cfg set the listener speaks implicit TLS (RFC 8314 §3) and, as with
// tls.Listen, cfg must hold a certificate. After Close it returns errClosed
// without listening.
func (ls *Listeners) ListenAndServe(addr string, cfg *tls.Config, errClosed error, serve func(net.Listener) error) error {
	if ls.Closed() {
		return errClosed
	}
	var l net.Listener
	var err error
	if cfg != nil {
		l, err = tls.Listen("tcp", addr, cfg)
	} else {
		l, err = net.Listen("tcp", addr)
	}
	if err != nil {
		return err
	}
	return serve(l)
}
