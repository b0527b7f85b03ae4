package serve

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

var errClosed = errors.New("test: server closed")

// pipeListener hands out the server ends of net.Pipe connections, so the
// tests run inside synctest bubbles without sockets.
type pipeListener struct {
	conns  chan net.Conn
	errs   chan error
	closed chan struct{}
	once   sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), errs: make(chan error), closed: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case err := <-l.errs:
		return nil, err
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error   { l.once.Do(func() { close(l.closed) }); return nil }
func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

func (l *pipeListener) isClosed() bool {
	select {
	case <-l.closed:
		return true
	default:
		return false
	}
}

// dial returns the client end of a new connection to l.
func (l *pipeListener) dial(t *testing.T) net.Conn {
	cli, srv := net.Pipe()
	l.conns <- srv
	t.Cleanup(func() { cli.Close() })
	return cli
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// testConn is a line-echo connection: it greets, echoes lines, and ends on
// EOF, on "panic" (by panicking) or when interrupted while waiting.
type testConn struct {
	nc          net.Conn
	interrupted chan struct{}
	once        sync.Once
}

func (c *testConn) serve() {
	defer c.nc.Close()
	io.WriteString(c.nc, "hello\n")
	r := bufio.NewReader(c.nc)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		if line == "panic\n" {
			panic("boom")
		}
		io.WriteString(c.nc, line)
	}
}

func (c *testConn) interrupt() {
	c.once.Do(func() { close(c.interrupted) })
	c.nc.SetReadDeadline(time.Now())
}

func (c *testConn) closeNow() { c.nc.Close() }

type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func testProtocol(maxConns int, log io.Writer) *Protocol[*testConn] {
	return &Protocol[*testConn]{
		Name:      "test",
		ErrClosed: errClosed,
		Logger:    slog.New(slog.NewTextHandler(log, nil)),
		MaxConns:  maxConns,
		Busy:      "busy\n",
		New:       func(nc net.Conn) *testConn { return &testConn{nc: nc, interrupted: make(chan struct{})} },
		Serve:     (*testConn).serve,
	}
}

func readLine(t *testing.T, c net.Conn) string {
	t.Helper()
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil && line == "" {
		return "error: " + err.Error()
	}
	return line
}

// startServe runs lc.Serve in the background and returns its result.
func startServe(lc *Lifecycle[*testConn], l net.Listener, p *Protocol[*testConn]) <-chan error {
	done := make(chan error, 1)
	go func() { done <- lc.Serve(l, p) }()
	return done
}

func TestServeAndShutdown(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var lc Lifecycle[*testConn]
		l := newPipeListener()
		served := startServe(&lc, l, testProtocol(10, io.Discard))
		c := l.dial(t)
		if got := readLine(t, c); got != "hello\n" {
			t.Fatalf("greeting %q", got)
		}
		synctest.Wait()
		if n := lc.Conns(); n != 1 {
			t.Fatalf("Conns = %d, want 1", n)
		}
		if err := lc.Shutdown(context.Background(), (*testConn).interrupt, (*testConn).closeNow); err != nil {
			t.Fatalf("Shutdown = %v", err)
		}
		if err := <-served; err != errClosed {
			t.Fatalf("Serve = %v, want errClosed", err)
		}
		if !l.isClosed() || !lc.Closed() || lc.Conns() != 0 {
			t.Fatalf("after Shutdown: listener closed %v, Closed %v, Conns %d", l.isClosed(), lc.Closed(), lc.Conns())
		}
		// Serve after Shutdown closes its listener and returns errClosed.
		l2 := newPipeListener()
		if err := lc.Serve(l2, testProtocol(10, io.Discard)); err != errClosed || !l2.isClosed() {
			t.Fatalf("Serve after Shutdown = %v, listener closed %v", err, l2.isClosed())
		}
	})
}

func TestShutdownContextExpiresClosesConnections(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var lc Lifecycle[*testConn]
		l := newPipeListener()
		p := testProtocol(10, io.Discard)
		// A connection that ignores the interrupt: only Close ends it.
		var closed sync.WaitGroup
		closed.Add(1)
		p.Serve = func(c *testConn) {
			defer closed.Done()
			io.Copy(io.Discard, c.nc)
		}
		served := startServe(&lc, l, p)
		l.dial(t)
		synctest.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		start := time.Now()
		ignore := func(*testConn) {}
		if err := lc.Shutdown(ctx, ignore, (*testConn).closeNow); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Shutdown = %v, want deadline exceeded", err)
		}
		if d := time.Since(start); d != time.Minute {
			t.Errorf("Shutdown returned after %v, want 1m", d)
		}
		closed.Wait() // Close ended the connection
		<-served
	})
}

func TestShutdownWaitsForBusyConnection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var lc Lifecycle[*testConn]
		l := newPipeListener()
		startServe(&lc, l, testProtocol(10, io.Discard))
		c := l.dial(t)
		readLine(t, c)
		shut := make(chan error, 1)
		var conn *testConn
		go func() {
			shut <- lc.Shutdown(context.Background(), func(tc *testConn) { conn = tc }, (*testConn).closeNow)
		}()
		synctest.Wait()
		select {
		case err := <-shut:
			t.Fatalf("Shutdown returned %v with a connection still open", err)
		default:
		}
		if conn == nil {
			t.Fatal("Shutdown did not interrupt the connection")
		}
		c.Close() // the client leaves
		if err := <-shut; err != nil {
			t.Fatalf("Shutdown = %v", err)
		}
	})
}

func TestMaxConnections(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var lc Lifecycle[*testConn]
		l := newPipeListener()
		startServe(&lc, l, testProtocol(1, io.Discard))
		first := l.dial(t)
		readLine(t, first)
		second := l.dial(t)
		if got := readLine(t, second); got != "busy\n" {
			t.Fatalf("second connection got %q, want busy", got)
		}
		if got := readLine(t, second); !strings.HasPrefix(got, "error: ") {
			t.Fatalf("refused connection not closed: %q", got)
		}
		first.Close()
		synctest.Wait()
		if n := lc.Conns(); n != 0 {
			t.Fatalf("Conns = %d after the first connection ended", n)
		}
		third := l.dial(t)
		if got := readLine(t, third); got != "hello\n" {
			t.Fatalf("slot not freed: third connection got %q", got)
		}
		lc.Close((*testConn).closeNow)
	})
}

// A client that never reads its refusal does not hold a goroutine longer
// than RefuseTimeout.
func TestRefuseIsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cli, srv := net.Pipe()
		defer cli.Close()
		start := time.Now()
		Refuse(srv, "busy\n")
		if d := time.Since(start); d != RefuseTimeout {
			t.Fatalf("Refuse took %v, want %v", d, RefuseTimeout)
		}
	})
}

func TestPanicIsRecoveredAndLogged(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var lc Lifecycle[*testConn]
		var log logBuffer
		l := newPipeListener()
		startServe(&lc, l, testProtocol(10, &log))
		c := l.dial(t)
		r := bufio.NewReader(c)
		r.ReadString('\n')
		io.WriteString(c, "panic\n")
		if _, err := r.ReadString('\n'); err == nil {
			t.Fatal("connection still open after its panic")
		}
		synctest.Wait()
		if lc.Conns() != 0 {
			t.Fatal("panicked connection still tracked")
		}
		out := log.String()
		for _, want := range []string{"test: panic serving connection", "panic=boom", "remote=pipe", "stack="} {
			if !strings.Contains(out, want) {
				t.Errorf("log lacks %q:\n%s", want, out)
			}
		}
		// The server goes on serving.
		if got := readLine(t, l.dial(t)); got != "hello\n" {
			t.Fatalf("after a panic: %q", got)
		}
		lc.Close((*testConn).closeNow)
	})
}

// temporaryError is an accept error a server retries.
type temporaryError struct{}

func (temporaryError) Error() string   { return "temporary" }
func (temporaryError) Timeout() bool   { return true }
func (temporaryError) Temporary() bool { return true }

func TestAcceptBacksOffOnTemporaryErrors(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ls Listeners
		l := newPipeListener()
		accepted := make(chan net.Conn, 1)
		done := make(chan error, 1)
		go func() {
			done <- ls.Accept(l, errClosed, func(nc net.Conn) bool { accepted <- nc; return true })
		}()
		// Waits double from 5ms up to 1s: 5+10+...+640ms, then 1s, 1s.
		want := time.Duration(0)
		start := time.Now()
		for i := range 10 {
			l.errs <- temporaryError{}
			want += min(5*time.Millisecond<<i, time.Second)
		}
		cli, srv := net.Pipe()
		defer cli.Close()
		l.conns <- srv
		<-accepted
		// The connection is taken by the Accept after the tenth wait.
		if d := time.Since(start); d != want {
			t.Errorf("accepted after %v of back-off, want %v", d, want)
		}
		// A permanent error ends Accept with that error.
		perm := errors.New("permanent")
		l.errs <- perm
		if err := <-done; err != perm {
			t.Fatalf("Accept = %v, want the permanent error", err)
		}
	})
}

func TestAcceptReturnsErrClosedWhenHandleRefuses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var ls Listeners
		l := newPipeListener()
		done := make(chan error, 1)
		go func() { done <- ls.Accept(l, errClosed, func(net.Conn) bool { return false }) }()
		l.dial(t)
		if err := <-done; err != errClosed {
			t.Fatalf("Accept = %v, want errClosed", err)
		}
	})
}

func TestStartAfterCloseClosesConn(t *testing.T) {
	var lc Lifecycle[*testConn]
	lc.Close((*testConn).closeNow)
	cli, srv := net.Pipe()
	defer cli.Close()
	if lc.Start(srv, testProtocol(10, io.Discard)) {
		t.Fatal("Start after Close reported true")
	}
	if _, err := srv.Write([]byte("x")); !errors.Is(err, io.ErrClosedPipe) {
		t.Fatalf("conn not closed: write err %v", err)
	}
	if lc.Conns() != 0 {
		t.Fatalf("Conns = %d", lc.Conns())
	}
}
