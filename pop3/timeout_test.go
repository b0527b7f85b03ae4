package pop3

import (
	"bufio"
	"net"
	"testing"
	"testing/synctest"
	"time"
)

// pipeConn serves one connection over net.Pipe (inside a synctest bubble
// the timers, and so the deadlines, use the fake clock).
func pipeConn(t *testing.T, srv *Server) *tconn {
	cli, s := net.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.serveConn(s)
	}()
	t.Cleanup(func() {
		cli.Close()
		<-done
	})
	return &tconn{t: t, c: cli, r: bufio.NewReader(cli)}
}

// TestAutologout: RFC 1939 §3, the inactivity timer is at least 10 minutes;
// after it the server closes without committing deletions.
func TestAutologout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := testBackend()
		srv := newTestServer(t, b)
		srv.AutologoutTimeout = time.Minute // raised to the RFC minimum
		tc := pipeConn(t, srv)
		tc.run(`
			S: +OK*
			C: USER alice
			S: +OK*
			C: PASS secret
			S: +OK*
			C: DELE 1
			S: +OK*`)
		start := time.Now()
		time.Sleep(9*time.Minute + 59*time.Second)
		synctest.Wait()
		tc.run(`
			C: NOOP
			S: +OK`)
		// Activity restarted the timer.
		time.Sleep(9*time.Minute + 59*time.Second)
		synctest.Wait()
		if !b.isLocked("alice") {
			t.Fatal("session ended before 10 minutes of inactivity")
		}
		tc.run(`
			S: -ERR autologout: idle for too long
			S: <EOF>`)
		if d := time.Since(start); d != 9*time.Minute+59*time.Second+10*time.Minute {
			t.Fatalf("autologout after %v", d)
		}
		synctest.Wait()
		if b.isLocked("alice") {
			t.Fatal("maildrop still locked after autologout")
		}
		if b.count("alice") != 2 || b.commits != 0 {
			t.Fatal("autologout committed deletions")
		}
	})
}

func TestAutologoutInAuthorization(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := newTestServer(t, testBackend())
		srv.AutologoutTimeout = 30 * time.Minute
		tc := pipeConn(t, srv)
		tc.run(`S: +OK*`)
		start := time.Now()
		tc.run(`
			S: -ERR autologout: idle for too long
			S: <EOF>`)
		if d := time.Since(start); d != 30*time.Minute {
			t.Fatalf("autologout after %v, want 30m", d)
		}
	})
}

// TestAuthFailureDelay: a failed login is answered only after the delay.
func TestAuthFailureDelay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := newTestServer(t, testBackend())
		srv.AuthFailureDelay = 0 // the default
		tc := pipeConn(t, srv)
		tc.run(`
			S: +OK*
			C: USER alice
			S: +OK*`)
		start := time.Now()
		tc.run(`
			C: PASS wrong
			S: -ERR [AUTH] authentication failed`)
		if d := time.Since(start); d != DefaultAuthFailureDelay {
			t.Fatalf("failure answered after %v, want %v", d, DefaultAuthFailureDelay)
		}
		start = time.Now()
		tc.run(`
			C: USER alice
			S: +OK*
			C: PASS secret
			S: +OK*`)
		if d := time.Since(start); d != 0 {
			t.Fatalf("successful login delayed by %v", d)
		}
		tc.run(`
			C: QUIT
			S: +OK*`)
	})
}
