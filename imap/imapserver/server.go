package imapserver

import (
	"cmp"
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"time"

	"github.com/mailwire/mailwire/internal/serve"
)

// Server is an IMAP server. Its zero value with a Backend set works; every
// limit is a field whose zero value means the documented default.
type Server struct {
	// Addr is the address ListenAndServe listens on (default ":143", or
	// ":993" for ListenAndServeTLS).
	Addr    string
	Backend Backend
	// TLSConfig enables STARTTLS and is used by ListenAndServeTLS.
	TLSConfig *tls.Config
	// AllowInsecureAuth permits LOGIN and AUTHENTICATE on a cleartext
	// connection (RFC 9051 §6.2.3 LOGINDISABLED otherwise).
	AllowInsecureAuth bool
	Logger            *slog.Logger

	// MaxLineLength bounds one command line without literals
	// (default 64 KiB; RFC 7162 §4 asks for at least 8192 octets).
	MaxLineLength int
	// MaxLiteralSize bounds a literal of any command but APPEND
	// (default 64 KiB).
	MaxLiteralSize int64
	// MaxCommandSize bounds the sum of lines and literals of one command
	// but APPEND's message (default 1 MiB).
	MaxCommandSize int64
	// AppendLimit bounds one APPEND message (default 64 MiB; advertised
	// as APPENDLIMIT, RFC 7889).
	AppendLimit int64
	// MaxErrors is the number of BAD/NO replies in a row after which the
	// connection is closed (default 20).
	MaxErrors int
	// MaxAuthFailures bounds failed logins per connection (default 3).
	MaxAuthFailures int
	// AuthFailureDelay is the pause after a failed login (default 1s).
	AuthFailureDelay time.Duration
	// MaxConnections bounds simultaneous connections (default 10000);
	// more are greeted with BYE and closed.
	MaxConnections int
	// MaxNesting bounds parenthesis nesting in a command (default 32).
	MaxNesting int
	// MaxSearchContexts bounds the SEARCH/SORT results with RETURN
	// (UPDATE) one session keeps current (default 16, RFC 5267 §4.2);
	// further ones get NO [NOUPDATE]. Each costs a re-run of its search
	// whenever the mailbox changes.
	MaxSearchContexts int
	// IdleTimeout is the autologout timer once authenticated (default
	// 30 min, the minimum of RFC 9051 §5.4).
	IdleTimeout time.Duration
	// PreAuthTimeout is the autologout timer before login (default 60s).
	PreAuthTimeout time.Duration
	// WriteTimeout bounds writing one response (default 5 min).
	WriteTimeout time.Duration
	// MaxNotifyMailboxes bounds the mailboxes one NOTIFY SET may watch
	// (default 1000); more get NO [NOTIFICATIONOVERFLOW] (RFC 5465 §3.1),
	// or OK [NOTIFICATIONOVERFLOW] and NOTIFY NONE when mailboxes created
	// later push a session over it (§5.8).
	MaxNotifyMailboxes int
	// NotifyQueueSize bounds the pending mailbox-list events of one NOTIFY
	// session (default 1000); beyond it the session gets
	// OK [NOTIFICATIONOVERFLOW] and NOTIFY NONE (RFC 5465 §5.8).
	NotifyQueueSize int
	// SortCacheBytes bounds the memory of the SORT/THREAD key cache that
	// the server's sessions share (an estimate of its heap use, over all
	// mailboxes; least recently used mailboxes are dropped first).
	// Default 64 MiB.
	SortCacheBytes int

	// Now is the clock (default time.Now); tests inject one.
	Now func() time.Time

	life serve.Lifecycle[*conn]
}

func (s *Server) maxLineLength() int    { return defInt(s.MaxLineLength, 64<<10) }
func (s *Server) maxLiteralSize() int64 { return defInt64(s.MaxLiteralSize, 64<<10) }
func (s *Server) maxCommandSize() int64 { return defInt64(s.MaxCommandSize, 1<<20) }
func (s *Server) appendLimit() int64    { return defInt64(s.AppendLimit, 64<<20) }
func (s *Server) maxErrors() int        { return defInt(s.MaxErrors, 20) }
func (s *Server) maxAuthFailures() int  { return defInt(s.MaxAuthFailures, 3) }
func (s *Server) maxConnections() int   { return defInt(s.MaxConnections, 10000) }
func (s *Server) maxNesting() int       { return defInt(s.MaxNesting, 32) }
func (s *Server) maxNotifyMailboxes() int {
	return defInt(s.MaxNotifyMailboxes, 1000)
}
func (s *Server) notifyQueueSize() int { return defInt(s.NotifyQueueSize, 1000) }
func (s *Server) idleTimeout() time.Duration {
	return defDur(s.IdleTimeout, 30*time.Minute)
}
func (s *Server) preAuthTimeout() time.Duration { return defDur(s.PreAuthTimeout, time.Minute) }
func (s *Server) writeTimeout() time.Duration   { return defDur(s.WriteTimeout, 5*time.Minute) }
func (s *Server) authFailureDelay() time.Duration {
	return defDur(s.AuthFailureDelay, time.Second)
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

func defInt(v, d int) int {
	if v > 0 {
		return v
	}
	return d
}

func defInt64(v, d int64) int64 {
	if v > 0 {
		return v
	}
	return d
}

func defDur(v, d time.Duration) time.Duration {
	if v > 0 {
		return v
	}
	return d
}

// ListenAndServe listens on Addr (default ":143") and serves.
func (s *Server) ListenAndServe() error {
	return s.life.ListenAndServe(cmp.Or(s.Addr, ":143"), nil, ErrServerClosed, s.Serve)
}

// ListenAndServeTLS listens on Addr (default ":993") and serves implicit
// TLS (RFC 8314) with the given certificate, or with TLSConfig when both
// file names are empty.
func (s *Server) ListenAndServeTLS(certFile, keyFile string) error {
	if s.life.Closed() {
		return ErrServerClosed
	}
	base := s.TLSConfig
	if base != nil && (certFile != "" || keyFile != "") {
		// The files' certificate replaces TLSConfig's (smtp and pop3 add it).
		base = base.Clone()
		base.Certificates = nil
	}
	cfg, err := serve.TLSConfig(base, certFile, keyFile)
	if err != nil {
		return err
	}
	return s.life.ListenAndServe(cmp.Or(s.Addr, ":993"), cfg, ErrServerClosed, s.Serve)
}

// Serve accepts connections on l, one goroutine each, until Shutdown or
// Close; it then returns ErrServerClosed.
func (s *Server) Serve(l net.Listener) error {
	return s.life.Serve(l, &serve.Protocol[*conn]{
		Name:      "imapserver",
		ErrClosed: ErrServerClosed,
		Logger:    s.logger(),
		MaxConns:  s.maxConnections(),
		Busy:      "* BYE [UNAVAILABLE] Too many connections\r\n",
		New:       func(nc net.Conn) *conn { return newConn(s, nc) },
		Serve:     (*conn).serve,
	})
}

// Close closes the listeners and every connection immediately.
func (s *Server) Close() error {
	s.life.Close((*conn).closeNow)
	return nil
}

// Shutdown stops accepting, tells idle connections BYE (RFC 9051 §7.1.5)
// and waits until every connection has ended or ctx is done; then it
// closes the rest.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.life.Shutdown(ctx, (*conn).shutdown, (*conn).closeNow)
}

func (c *conn) closeNow() { c.nc.Close() }
