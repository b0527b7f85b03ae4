package smtp

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mailwire/mailwire/internal/serve"
)

// ErrServerClosed is returned by Serve, ListenAndServe and
// ListenAndServeTLS after Shutdown or Close.
var ErrServerClosed = errors.New("smtp: server closed")

// Defaults of the Server limit fields (used when a field is zero).
const (
	// DefaultMaxLineLength bounds a command line. RFC 5321 §4.5.3.1.4
	// gives 512 octets and lets extensions (SIZE, DSN, AUTH=) lengthen it.
	DefaultMaxLineLength = 2048
	// DefaultMaxMessageBytes is the message size limit advertised with
	// SIZE (RFC 1870) and enforced while the body streams.
	DefaultMaxMessageBytes = 32 << 20
	// DefaultMaxRecipients: RFC 5321 §4.5.3.1.8 requires accepting at
	// least 100 recipients.
	DefaultMaxRecipients = 100
	// DefaultMaxErrors is the number of syntax or sequence errors after
	// which the connection is closed with 421.
	DefaultMaxErrors = 10
	// DefaultMaxAuthFailures is the number of failed AUTH exchanges after
	// which the connection is closed with 421.
	DefaultMaxAuthFailures = 3
	// DefaultAuthFailureDelay is the pause before answering a failed AUTH.
	DefaultAuthFailureDelay = time.Second
	// DefaultMaxConnections bounds concurrent connections; beyond it new
	// connections get 421 and are closed.
	DefaultMaxConnections = 1000
	// DefaultCommandTimeout is the wait for the next command line: RFC
	// 5321 §4.5.3.2.7 server timeout, 5 minutes.
	DefaultCommandTimeout = 5 * time.Minute
	// DefaultDataTimeout is the wait for each block of message data: the
	// DATA block timeout of RFC 5321 §4.5.3.2.5, 3 minutes.
	DefaultDataTimeout = 3 * time.Minute
	// DefaultWriteTimeout bounds each write of replies to a slow client.
	DefaultWriteTimeout = 5 * time.Minute
	// DefaultMaxAuthBytes bounds one SASL response line (base64).
	DefaultMaxAuthBytes = 12288
)

// Server is an SMTP server (MX or submission, RFC 5321) or an LMTP server
// (RFC 2033). The zero value plus a Backend works; zero limit fields mean
// their Default. Fields must not change after the first Serve call.
type Server struct {
	// Backend receives the sessions. Required.
	Backend Backend

	// Addr is the listen address of ListenAndServe (default ":25") and
	// ListenAndServeTLS (default ":465").
	Addr string

	// Hostname is the domain announced in the greeting and the EHLO
	// reply. Default: os.Hostname, or "localhost".
	Hostname string

	// TLSConfig enables STARTTLS (RFC 3207) and is required by
	// ListenAndServeTLS (implicit TLS, RFC 8314).
	TLSConfig *tls.Config

	// LMTP makes the server speak LMTP (RFC 2033): LHLO instead of
	// EHLO/HELO and one reply per accepted recipient after the data.
	LMTP bool

	// Submission makes the server a message submission agent (RFC 6409):
	// MAIL is refused with 530 until the client authenticated (§4.3, §8.1).
	Submission bool

	// AllowInsecureAuth allows AUTH on a cleartext connection. By default
	// AUTH is advertised and accepted only over TLS (RFC 4954 §4, ARCHITECTURE
	// rule 6).
	AllowInsecureAuth bool

	// Optional extensions, advertised and accepted only when enabled.
	// PIPELINING, SIZE, 8BITMIME, ENHANCEDSTATUSCODES, CHUNKING and LIMITS
	// are always on; STARTTLS with TLSConfig; AUTH when the session
	// implements PasswordSession or TokenSession.
	EnableSMTPUTF8   bool // RFC 6531: UTF-8 addresses
	EnableBINARYMIME bool // RFC 3030: BODY=BINARYMIME with BDAT
	EnableDSN        bool // RFC 3461: RET, ENVID, NOTIFY, ORCPT
	EnableREQUIRETLS bool // RFC 8689: advertised over TLS only

	// RateLimiter, when set, limits messages and recipients per
	// authenticated account and per remote IP.
	RateLimiter *RateLimiter

	// Limits (see the package doc, # Limits).
	MaxLineLength    int           // DefaultMaxLineLength
	MaxMessageBytes  int64         // DefaultMaxMessageBytes
	MaxRecipients    int           // DefaultMaxRecipients
	MaxErrors        int           // DefaultMaxErrors
	MaxAuthFailures  int           // DefaultMaxAuthFailures
	AuthFailureDelay time.Duration // DefaultAuthFailureDelay; negative: no delay
	MaxConnections   int           // DefaultMaxConnections
	CommandTimeout   time.Duration // DefaultCommandTimeout
	DataTimeout      time.Duration // DefaultDataTimeout
	WriteTimeout     time.Duration // DefaultWriteTimeout

	// Logger receives connection errors and recovered panics. Default
	// slog.Default().
	Logger *slog.Logger

	initOnce sync.Once
	lim      limits // resolved limits

	listeners serve.Listeners
	// The connection set stays here rather than in a serve.Lifecycle: the
	// package's tests register connections by hand through these fields.
	mu     sync.Mutex
	conns  map[*Conn]struct{}
	nconns atomic.Int64
	connWG sync.WaitGroup
}

// limits holds the resolved (defaulted) limit fields.
type limits struct {
	hostname        string
	maxLine         int
	maxMessage      int64
	maxRcpts        int
	maxErrors       int
	maxAuthFailures int
	authDelay       time.Duration
	maxConns        int64
	cmdTimeout      time.Duration
	dataTimeout     time.Duration
	writeTimeout    time.Duration
	logger          *slog.Logger
	ehloReply       []byte // cached EHLO extension lines, cleartext
	ehloReplyTLS    []byte // the same over TLS
}

func orDefault[T int | int64 | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

func (s *Server) init() {
	s.initOnce.Do(func() {
		l := &s.lim
		l.hostname = s.Hostname
		if l.hostname == "" {
			l.hostname, _ = os.Hostname()
			if l.hostname == "" {
				l.hostname = "localhost"
			}
		}
		l.maxLine = orDefault(s.MaxLineLength, DefaultMaxLineLength)
		l.maxMessage = orDefault(s.MaxMessageBytes, DefaultMaxMessageBytes)
		l.maxRcpts = orDefault(s.MaxRecipients, DefaultMaxRecipients)
		l.maxErrors = orDefault(s.MaxErrors, DefaultMaxErrors)
		l.maxAuthFailures = orDefault(s.MaxAuthFailures, DefaultMaxAuthFailures)
		l.authDelay = orDefault(s.AuthFailureDelay, DefaultAuthFailureDelay)
		if l.authDelay < 0 {
			l.authDelay = 0
		}
		l.maxConns = int64(orDefault(s.MaxConnections, DefaultMaxConnections))
		l.cmdTimeout = orDefault(s.CommandTimeout, DefaultCommandTimeout)
		l.dataTimeout = orDefault(s.DataTimeout, DefaultDataTimeout)
		l.writeTimeout = orDefault(s.WriteTimeout, DefaultWriteTimeout)
		l.logger = s.Logger
		if l.logger == nil {
			l.logger = slog.Default()
		}
		l.ehloReply = s.buildEHLO(false)
		l.ehloReplyTLS = s.buildEHLO(true)
		s.conns = make(map[*Conn]struct{})
	})
}

// ListenAndServe listens on Addr (":25" when empty; LMTP has no registered
// port, so set Addr) and serves connections.
func (s *Server) ListenAndServe() error {
	return s.listeners.ListenAndServe(cmp.Or(s.Addr, ":25"), nil, ErrServerClosed, s.Serve)
}

// ListenAndServeTLS listens on Addr (":465" when empty) and serves
// implicit TLS (RFC 8314 §3): the TLS handshake comes before the greeting.
// certFile and keyFile are loaded into a copy of TLSConfig when given;
// with both empty, TLSConfig must hold the certificates.
func (s *Server) ListenAndServeTLS(certFile, keyFile string) error {
	cfg, err := serve.TLSConfig(s.TLSConfig, certFile, keyFile)
	if err != nil {
		return err
	}
	if len(cfg.Certificates) == 0 && cfg.GetCertificate == nil {
		return errors.New("smtp: ListenAndServeTLS needs a certificate")
	}
	return s.listeners.ListenAndServe(cmp.Or(s.Addr, ":465"), cfg, ErrServerClosed, s.Serve)
}

// Serve accepts connections on l and serves each in its own goroutine. It
// returns ErrServerClosed after Shutdown or Close, or the accept error.
func (s *Server) Serve(l net.Listener) error {
	s.init()
	if s.Backend == nil {
		return errors.New("smtp: Server.Backend is nil")
	}
	defer l.Close()
	return s.listeners.Accept(l, ErrServerClosed, s.startConn)
}

// busyReply answers a connection beyond MaxConnections (RFC 5321 §3.1: 421
// instead of the greeting).
const busyReply = "421 4.7.0 Too many connections, try again later\r\n"

// startConn serves nc in its own goroutine, or refuses it beyond
// MaxConnections; false means the server closed meanwhile.
func (s *Server) startConn(nc net.Conn) bool {
	if s.nconns.Add(1) > s.lim.maxConns {
		s.nconns.Add(-1)
		go serve.Refuse(nc, busyReply)
		return true
	}
	c := newConn(s, nc)
	s.mu.Lock()
	if s.listeners.Closed() {
		s.mu.Unlock()
		s.nconns.Add(-1)
		nc.Close()
		return false
	}
	s.conns[c] = struct{}{}
	s.connWG.Add(1)
	s.mu.Unlock()
	go c.serve()
	return true
}

func (s *Server) removeConn(c *Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.nconns.Add(-1)
	s.connWG.Done()
}

// Shutdown stops accepting, sends 421 to connections waiting for a command
// and closes them; a connection in the middle of a transaction (MAIL given)
// may finish it and gets 421 when it next waits for a command. Shutdown
// returns when all connections are gone, or with ctx.Err() after closing
// whatever is left when ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.init()
	s.listeners.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.requestShutdown()
	}
	s.mu.Unlock()
	return serve.Wait(ctx, &s.connWG, func() { s.Close() })
}

// Close closes the listeners and every connection at once.
func (s *Server) Close() error {
	s.init()
	s.listeners.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.base.Close()
	}
	return nil
}
