package serve

import (
	"context"
	"io"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// RefuseTimeout bounds the busy reply to a connection beyond MaxConnections
// (on an implicit-TLS listener it includes the handshake).
const RefuseTimeout = 5 * time.Second

// Lifecycle tracks a server's listeners and connections. Its zero value is
// ready to use; C is the protocol's connection type.
type Lifecycle[C comparable] struct {
	Listeners
	mu    sync.Mutex
	conns map[C]struct{}
	count atomic.Int64 // connections admitted and not yet ended
	wg    sync.WaitGroup
}

// Protocol says how a protocol's connections are admitted and served.
type Protocol[C comparable] struct {
	Name      string       // log prefix, e.g. "pop3"
	ErrClosed error        // the package's ErrServerClosed
	Logger    *slog.Logger // receives recovered panics
	MaxConns  int          // connections beyond it get Busy and are closed
	Busy      string       // the refusal, a whole protocol line with CRLF
	// New creates the connection for an accepted net.Conn.
	New func(net.Conn) C
	// Serve runs the connection until it ends, cleaning up after itself.
	Serve func(C)
}

// Conns returns the number of connections being served.
func (lc *Lifecycle[C]) Conns() int64 { return lc.count.Load() }

// Serve accepts connections on l and serves each with Start until the
// server is closed; see Accept.
func (lc *Lifecycle[C]) Serve(l net.Listener, p *Protocol[C]) error {
	return lc.Accept(l, p.ErrClosed, func(nc net.Conn) bool { return lc.Start(nc, p) })
}

// Start admits nc and serves it in its own goroutine: beyond MaxConns it is
// refused with Busy; otherwise p.New's connection is tracked until p.Serve
// returns, and a panic in p.Serve is recovered and logged. Start reports
// false, after closing nc, when the server was closed meanwhile.
func (lc *Lifecycle[C]) Start(nc net.Conn, p *Protocol[C]) bool {
	if lc.count.Add(1) > int64(p.MaxConns) {
		lc.count.Add(-1)
		go Refuse(nc, p.Busy)
		return true
	}
	c := p.New(nc)
	lc.mu.Lock()
	if lc.closed.Load() {
		lc.mu.Unlock()
		lc.count.Add(-1)
		nc.Close()
		return false
	}
	if lc.conns == nil {
		lc.conns = make(map[C]struct{})
	}
	lc.conns[c] = struct{}{}
	lc.wg.Add(1)
	lc.mu.Unlock()
	go lc.run(c, nc, p)
	return true
}

func (lc *Lifecycle[C]) run(c C, nc net.Conn, p *Protocol[C]) {
	defer func() {
		lc.mu.Lock()
		delete(lc.conns, c)
		lc.mu.Unlock()
		lc.count.Add(-1)
		lc.wg.Done()
	}()
	defer func() {
		if v := recover(); v != nil {
			LogPanic(p.Logger, p.Name, nc.RemoteAddr(), v)
		}
	}()
	p.Serve(c)
}

// LogPanic logs a panic recovered while serving the connection from remote,
// with its stack (ARCHITECTURE rule 5: no panic escapes a connection).
func LogPanic(log *slog.Logger, name string, remote net.Addr, v any) {
	r := ""
	if remote != nil {
		r = remote.String()
	}
	log.Error(name+": panic serving connection", "remote", r, "panic", v, "stack", string(debug.Stack()))
}

// Refuse writes busy to nc within RefuseTimeout and closes it. It is the
// answer to a connection beyond MaxConnections.
func Refuse(nc net.Conn, busy string) {
	nc.SetDeadline(time.Now().Add(RefuseTimeout))
	io.WriteString(nc, busy)
	nc.Close()
}

// Shutdown closes the listeners, calls interrupt for every connection (it
// must make an idle one end and let a busy one finish) and waits until all
// connections have ended. When ctx ends first it calls Close(closeConn) and
// returns ctx's error.
func (lc *Lifecycle[C]) Shutdown(ctx context.Context, interrupt, closeConn func(C)) error {
	lc.Listeners.Close()
	lc.mu.Lock()
	for c := range lc.conns {
		interrupt(c)
	}
	lc.mu.Unlock()
	return Wait(ctx, &lc.wg, func() { lc.Close(closeConn) })
}

// Close closes the listeners and calls closeConn for every connection.
func (lc *Lifecycle[C]) Close(closeConn func(C)) {
	lc.Listeners.Close()
	lc.mu.Lock()
	defer lc.mu.Unlock()
	for c := range lc.conns {
		closeConn(c)
	}
}

// Wait waits for wg. When ctx ends first it calls expired and returns ctx's
// error; wg's waiter goroutine then ends when wg does.
func Wait(ctx context.Context, wg *sync.WaitGroup, expired func()) error {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		expired()
		return ctx.Err()
	}
}
