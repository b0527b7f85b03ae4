package smtp

import (
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func TestClientDefaultTimeoutsAreRFC5321(t *testing.T) {
	o := clOptions(nil)
	for _, tc := range []struct {
		name      string
		got, want time.Duration
	}{
		{"greeting §4.5.3.2.1", o.GreetingTimeout, 5 * time.Minute},
		{"MAIL §4.5.3.2.2", o.MailTimeout, 5 * time.Minute},
		{"RCPT §4.5.3.2.3", o.RcptTimeout, 5 * time.Minute},
		{"DATA initiation §4.5.3.2.4", o.DataInitTimeout, 2 * time.Minute},
		{"data block §4.5.3.2.5", o.DataBlockTimeout, 3 * time.Minute},
		{"DATA termination §4.5.3.2.6", o.DataTermTimeout, 10 * time.Minute},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

// TestClientPhaseTimeouts checks, in a synctest bubble (fake clock, no
// sleeping), that each phase waits exactly its own timeout for a silent
// server and then fails with a deadline error, leaving the Client broken.
func TestClientPhaseTimeouts(t *testing.T) {
	const prelude = "S: 220 mx\nC: EHLO client.example.test\nS: 250 mx\n"
	envelope := prelude + "C: MAIL FROM:<a@example.test>\nS: 250 ok\nC: RCPT TO:<b@example.test>\nS: 250 ok\n"
	opts := func() *ClientOptions {
		o := clientTestOpts()
		o.GreetingTimeout = 2 * time.Minute
		o.CommandTimeout = 3 * time.Minute
		o.MailTimeout = 7 * time.Minute
		o.RcptTimeout = 11 * time.Minute
		o.DataInitTimeout = 13 * time.Minute
		o.DataBlockTimeout = 17 * time.Minute
		o.DataTermTimeout = 19 * time.Minute
		return o
	}
	send := func(c *Client) error {
		_, err := c.Send(context.Background(), "a@example.test", []string{"b@example.test"}, strings.NewReader("hello\r\n"), nil)
		return err
	}
	tests := []struct {
		name   string
		script string
		act    func(c *Client) error // nil: the timeout hits NewClient
		want   time.Duration
	}{
		{"greeting", "HANG\n", nil, 2 * time.Minute},
		{"EHLO", "S: 220 mx\nC: EHLO client.example.test\nHANG\n", nil, 3 * time.Minute},
		{"MAIL", prelude + "C: MAIL FROM:<a@example.test>\nHANG\n", send, 7 * time.Minute},
		{"RCPT", prelude + "C: MAIL FROM:<a@example.test>\nS: 250 ok\nC: RCPT TO:<b@example.test>\nHANG\n", send, 11 * time.Minute},
		{"DATA", envelope + "C: DATA\nHANG\n", send, 13 * time.Minute},
		// The server stops reading: the client's write of the body blocks.
		{"data block", envelope + "C: DATA\nS: 354 go\nHANG\n", send, 17 * time.Minute},
		{"DATA termination", envelope + "C: DATA\nS: 354 go\nC: hello\nC: .\nHANG\n", send, 19 * time.Minute},
		{"NOOP", prelude + "C: NOOP\nHANG\n", (*Client).Noop, 3 * time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cc, sc := net.Pipe()
				f := clientServeScript(sc, clientParseScript(t, tc.script), nil)
				defer close(f.release)
				start := time.Now()
				c, err := NewClient(cc, opts())
				if tc.act != nil {
					if err != nil {
						t.Fatal(err)
					}
					start = time.Now()
					err = tc.act(c)
				}
				if !errors.Is(err, os.ErrDeadlineExceeded) {
					t.Fatalf("err = %v, want a deadline error", err)
				}
				if got := time.Since(start); got != tc.want {
					t.Errorf("timed out after %v, want %v", got, tc.want)
				}
				if c != nil && c.Err() == nil {
					t.Error("client still usable after a timeout")
				}
				cc.Close()
			})
		})
	}
}

// A context deadline shorter than the phase timeout wins, and the error
// says so.
func TestClientContextDeadlineShortensTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cc, sc := net.Pipe()
		f := clientServeScript(sc, clientParseScript(t, "S: 220 mx\nC: EHLO client.example.test\nS: 250 mx\nC: MAIL FROM:<a@example.test>\nHANG\n"), nil)
		defer close(f.release)
		c, err := NewClient(cc, clientTestOpts())
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		start := time.Now()
		_, err = c.Send(ctx, "a@example.test", []string{"b@example.test"}, strings.NewReader("x"), nil)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want context.DeadlineExceeded", err)
		}
		if got := time.Since(start); got != 30*time.Second {
			t.Errorf("gave up after %v, want 30s", got)
		}
		cc.Close()
	})
}

// Dial's context bounds the greeting too.
func TestClientDialContextBoundsGreeting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cc, sc := net.Pipe()
		f := clientServeScript(sc, clientParseScript(t, "HANG\n"), nil)
		defer close(f.release)
		opts := clientTestOpts()
		opts.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) { return cc, nil }
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		start := time.Now()
		_, err := Dial(ctx, "mx.example.test:25", opts)
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) != 10*time.Second {
			t.Fatalf("Dial = %v after %v", err, time.Since(start))
		}
	})
}
