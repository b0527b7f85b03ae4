package pop3

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"time"

	"github.com/mailwire/mailwire/internal/serve"
)

// ErrServerClosed is returned by Serve, ListenAndServe and ListenAndServeTLS
// after Shutdown or Close.
var ErrServerClosed = errors.New("pop3: server closed")

// Defaults for the Server's limits (see the package doc's # Limits).
const (
	DefaultAutologoutTimeout = 10 * time.Minute // RFC 1939 §3: at least 10 minutes
	DefaultWriteTimeout      = 5 * time.Minute
	DefaultMaxLineLength     = 255 // RFC 2449 §4, including CRLF
	DefaultMaxAuthLineLength = 12 << 10
	DefaultMaxErrors         = 10
	DefaultMaxAuthFailures   = 3
	DefaultAuthFailureDelay  = 2 * time.Second
	DefaultMaxConnections    = 10000
	DefaultImplementation    = "mailwire"
)

// Server is a POP3 server (RFC 1939 with the extensions listed in the package
// doc). Its zero value serves cleartext POP3 on :110 with a Backend that must
// be set; every limit field's zero value means its default.
type Server struct {
	// Addr is the address ListenAndServe and ListenAndServeTLS listen on;
	// "" means ":pop3" (110) and ":pop3s" (995).
	Addr string
	// Backend creates the session of every connection. Required.
	Backend Backend
	// TLSConfig enables STLS (RFC 2595) and is used by ListenAndServeTLS.
	TLSConfig *tls.Config
	// AllowInsecureAuth allows USER/PASS, APOP and AUTH on a connection
	// without TLS. Off by default (RFC 2595 §2.2, ARCHITECTURE rule 6).
	AllowInsecureAuth bool
	// EnableUTF8 advertises and accepts the UTF8 command (RFC 6856).
	EnableUTF8 bool
	// Hostname goes into the APOP timestamp of the greeting; "" means
	// "localhost".
	Hostname string
	// Implementation is the CAPA IMPLEMENTATION value; "" means "mailwire".
	Implementation string

	// AutologoutTimeout is the inactivity timer (RFC 1939 §3: at least 10
	// minutes); smaller values are raised to 10 minutes.
	AutologoutTimeout time.Duration
	// WriteTimeout bounds every write to the client.
	WriteTimeout time.Duration
	// MaxLineLength bounds a command line including CRLF (RFC 2449 §4).
	MaxLineLength int
	// MaxAuthLineLength bounds one base64 SASL response line (RFC 5034 §4).
	MaxAuthLineLength int
	// MaxErrors is the number of failed commands after which the
	// connection is closed.
	MaxErrors int
	// MaxAuthFailures is the number of failed logins after which the
	// connection is closed.
	MaxAuthFailures int
	// AuthFailureDelay is slept after every failed login before the -ERR
	// response; negative disables it.
	AuthFailureDelay time.Duration
	// MaxConnections bounds concurrent connections; more are refused with
	// -ERR [SYS/TEMP].
	MaxConnections int

	// Logger receives connection errors and internal failures; nil means
	// slog.Default().
	Logger *slog.Logger

	// sleep waits d or until ctx ends; tests replace it.
	sleep func(ctx context.Context, d time.Duration)

	life serve.Lifecycle[*Conn]
}

func (s *Server) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}

func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

func (s *Server) autologout() time.Duration {
	return max(s.AutologoutTimeout, DefaultAutologoutTimeout)
}
func (s *Server) writeTimeout() time.Duration { return orDefault(s.WriteTimeout, DefaultWriteTimeout) }
func (s *Server) maxLine() int                { return orDefault(s.MaxLineLength, DefaultMaxLineLength) }
func (s *Server) maxAuthLine() int            { return orDefault(s.MaxAuthLineLength, DefaultMaxAuthLineLength) }
func (s *Server) maxErrors() int              { return orDefault(s.MaxErrors, DefaultMaxErrors) }
func (s *Server) maxAuthFailures() int        { return orDefault(s.MaxAuthFailures, DefaultMaxAuthFailures) }
func (s *Server) maxConns() int               { return orDefault(s.MaxConnections, DefaultMaxConnections) }
func (s *Server) authFailureDelay() time.Duration {
	if s.AuthFailureDelay < 0 {
		return 0
	}
	return orDefault(s.AuthFailureDelay, DefaultAuthFailureDelay)
}
func (s *Server) implementation() string {
	if s.Implementation != "" {
		return s.Implementation
	}
	return DefaultImplementation
}
func (s *Server) hostname() string {
	if s.Hostname != "" {
		return s.Hostname
	}
	return "localhost"
}

func (s *Server) delay(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	if s.sleep != nil {
		s.sleep(ctx, d)
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// ListenAndServe listens on s.Addr (default ":pop3") and serves cleartext
// POP3 with STLS when TLSConfig is set.
func (s *Server) ListenAndServe() error {
	return s.life.ListenAndServe(cmp.Or(s.Addr, ":pop3"), nil, ErrServerClosed, s.Serve)
}

// ListenAndServeTLS listens on s.Addr (default ":pop3s") and serves POP3
// over implicit TLS (RFC 8314 §3.3). certFile and keyFile are loaded when
// non-empty; otherwise TLSConfig must hold certificates.
func (s *Server) ListenAndServeTLS(certFile, keyFile string) error {
	if s.life.Closed() {
		return ErrServerClosed
	}
	cfg, err := serve.TLSConfig(s.TLSConfig, certFile, keyFile)
	if err != nil {
		return err
	}
	return s.life.ListenAndServe(cmp.Or(s.Addr, ":pop3s"), cfg, ErrServerClosed, s.Serve)
}

// Serve accepts connections on l and serves each in its own goroutine. It
// returns ErrServerClosed after Shutdown or Close; l is closed on return.
func (s *Server) Serve(l net.Listener) error {
	defer l.Close()
	p := &serve.Protocol[*Conn]{
		Name:      "pop3",
		ErrClosed: ErrServerClosed,
		Logger:    s.logger(),
		MaxConns:  s.maxConns(),
		Busy:      "-ERR [SYS/TEMP] too many connections, try again later\r\n",
		New:       func(nc net.Conn) *Conn { return newConn(s, nc) },
		Serve:     (*Conn).serve,
	}
	return s.life.Serve(l, p)
}

// Shutdown stops accepting connections, ends every connection that waits for
// a command (without committing deletions: the client did not QUIT), lets
// commands in progress finish, and waits until all connections are gone or
// ctx ends; then it closes the rest and returns ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.life.Shutdown(ctx, (*Conn).interrupt, (*Conn).closeNow)
}

// Close closes the listeners and every connection immediately. Nothing is
// committed for connections that had not sent QUIT.
func (s *Server) Close() error {
	s.life.Close((*Conn).closeNow)
	return nil
}

// closeNow closes the accepted connection (not the session's, which STLS
// may have replaced) from another goroutine.
func (c *Conn) closeNow() { c.raw.Close() }
