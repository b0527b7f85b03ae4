package server

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/mailwire/mailwire/dnsmx"
	"github.com/mailwire/mailwire/imap/imapserver"
	"github.com/mailwire/mailwire/mailbox"
	"github.com/mailwire/mailwire/pop3"
	"github.com/mailwire/mailwire/smtp"
)

// Instance is a running mail server: one store, one outbound queue and the
// protocol servers over them. Start creates it; Shutdown stops it.
type Instance struct {
	Config Config
	Store  *mailbox.Maildir
	Queue  *dnsmx.Queue
	Logger *slog.Logger

	// Addrs maps each enabled service (its flag name: smtp, submission,
	// smtps, imap, imaps, pop3, pop3s) to the address it listens on.
	Addrs map[string]string

	// FirstUser and FirstPassword are set when this start created the
	// first account; the password is shown once and never stored.
	FirstUser, FirstPassword string
	// NewCert is set when a self-signed certificate was generated.
	NewCert bool
	// CertFile is the certificate in use (the development one or -cert).
	CertFile string

	tlsConfig   *tls.Config
	relayer     *dnsmx.Relayer
	lock        *os.File
	control     net.Listener
	shutdowns   []func(context.Context) error
	closers     []func() error
	serversDown bool
	wg          sync.WaitGroup
	stopOnce    sync.Once
	stopErr     error
}

// Start opens the data directory and starts every configured service. On
// error nothing is left running.
func Start(ctx context.Context, cfg Config, logger *slog.Logger) (_ *Instance, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	in := &Instance{Config: cfg, Logger: logger, Addrs: map[string]string{}}
	defer func() {
		if err != nil {
			in.closeAll()
		}
	}()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	if in.lock, err = LockDataDir(cfg.DataDir); err != nil {
		return nil, err
	}

	names := uniq(append([]string{cfg.Hostname, "localhost"}, cfg.Domains...))
	cert, created, err := loadOrCreateCert(cfg.DataDir, cfg.CertFile, cfg.KeyFile, names)
	if err != nil {
		return nil, err
	}
	in.NewCert = created
	in.CertFile = cfg.CertFile
	if in.CertFile == "" {
		in.CertFile = filepath.Join(cfg.DataDir, "selfsigned-cert.pem")
	}
	in.tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}

	if err := in.openStore(ctx); err != nil {
		return nil, err
	}
	if err := in.startQueue(); err != nil {
		return nil, err
	}
	if err := in.listenAndServe(); err != nil {
		return nil, err
	}
	if err := in.startControl(); err != nil {
		return nil, err
	}
	logger.Info("mailserver started", "data", cfg.DataDir, "hostname", cfg.Hostname, "domains", strings.Join(cfg.Domains, ","))
	return in, nil
}

func (in *Instance) openStore(ctx context.Context) error {
	cfg := in.Config
	st, err := mailbox.OpenMaildir(filepath.Join(cfg.DataDir, "mail"), mailbox.Options{
		Analyze:        mailbox.IMAPAnalyze,
		MaxMessageSize: cfg.MaxMessageBytes + 64<<10, // room for trace fields
		Logger:         in.Logger,
	})
	if err != nil {
		return fmt.Errorf("opening the mail store: %w", err)
	}
	in.Store = st
	// The configuration is the truth about local domains.
	have, err := st.Domains(ctx)
	if err != nil {
		return err
	}
	want := map[string]bool{}
	for _, d := range cfg.Domains {
		want[d] = true
		if err := st.AddDomain(ctx, d); err != nil {
			return fmt.Errorf("domain %q: %w", d, err)
		}
	}
	for _, d := range have {
		if !want[strings.ToLower(d)] {
			if err := st.RemoveDomain(ctx, d); err != nil {
				return err
			}
		}
	}
	users, err := st.ListUsers(ctx)
	if err != nil {
		return err
	}
	if len(users) == 0 && cfg.FirstUser != "" {
		pw := RandomPassword()
		if err := st.CreateUser(ctx, cfg.FirstUser, pw); err != nil {
			return fmt.Errorf("creating the first user %q: %w", cfg.FirstUser, err)
		}
		in.FirstUser, in.FirstPassword = cfg.FirstUser, pw
	}
	return nil
}

func (in *Instance) startQueue() error {
	cfg := in.Config
	in.relayer = &dnsmx.Relayer{
		Port:      cfg.RelayPort,
		SmartHost: cfg.SmartHost,
		HelloName: cfg.Hostname,
		TLSPolicy: cfg.RelayTLS,
		Logger:    in.Logger,
	}
	if cfg.DNSServer != "" {
		in.relayer.Resolver = &dnsmx.DNSClient{Server: cfg.DNSServer}
	}
	in.relayer.Lookuper = &dnsmx.Lookuper{Resolver: in.relayer.Resolver, LocalNames: []string{cfg.Hostname}}
	if in.relayer.Resolver == nil {
		in.relayer.Lookuper.Resolver = dnsmx.SystemResolver
	}
	in.Queue = &dnsmx.Queue{
		Dir:            filepath.Join(cfg.DataDir, "queue"),
		Transport:      in.relayer,
		SendDSN:        in.deliverDSN,
		Hostname:       cfg.Hostname,
		RetryMin:       cfg.RetryMin,
		RetryMax:       cfg.RetryMax,
		MaxAge:         cfg.QueueMaxAge,
		MaxMessageSize: cfg.MaxMessageBytes + 64<<10,
		Logger:         in.Logger,
	}
	if err := in.Queue.Start(); err != nil {
		return fmt.Errorf("starting the outbound queue: %w", err)
	}
	return nil
}

// listenAndServe binds every configured address first, so that a port in
// use is reported before anything serves, then starts the servers.
func (in *Instance) listenAndServe() error {
	cfg := in.Config
	type service struct {
		name, addr string
		implicit   bool
		serve      func(net.Listener) error
	}
	var services []service
	limiter := &smtp.RateLimiter{AccountMessages: cfg.SendLimit, AccountRecipients: cfg.SendRcptLimit}

	smtpServer := func(submission bool) *smtp.Server {
		// The MX offers no AUTH, so relaying and the per-account sending
		// limit live on the submission ports only; submission sessions may
		// send only as their own addresses (SMTPBackend.AnySender false).
		be := &mailbox.SMTPBackend{
			Store:    in.Store,
			Outbound: queueOutbound{in.Queue},
			NoAuth:   !submission,
			Hostname: cfg.Hostname,
			SpoolDir: filepath.Join(cfg.DataDir, "spool"),
			Logger:   in.Logger,
		}
		s := &smtp.Server{
			Backend:           be,
			Hostname:          cfg.Hostname,
			TLSConfig:         in.tlsConfig,
			AllowInsecureAuth: cfg.AllowInsecureAuth,
			MaxMessageBytes:   cfg.MaxMessageBytes,
			Logger:            in.Logger,
		}
		if submission {
			s.Submission = true
			s.EnableDSN = true // passed on to the queue by queueOutbound
			if cfg.SendLimit > 0 || cfg.SendRcptLimit > 0 {
				s.RateLimiter = limiter
			}
		}
		in.shutdowns = append(in.shutdowns, s.Shutdown)
		in.closers = append(in.closers, s.Close)
		return s
	}
	if err := os.MkdirAll(filepath.Join(cfg.DataDir, "spool"), 0o700); err != nil {
		return err
	}
	if cfg.SMTP != "" {
		services = append(services, service{"smtp", cfg.SMTP, false, smtpServer(false).Serve})
	}
	if cfg.Submission != "" {
		services = append(services, service{"submission", cfg.Submission, false, smtpServer(true).Serve})
	}
	if cfg.SMTPS != "" {
		services = append(services, service{"smtps", cfg.SMTPS, true, smtpServer(true).Serve})
	}
	imapBackend := mailbox.NewIMAPBackend(in.Store)
	imapServer := func() *imapserver.Server {
		s := &imapserver.Server{
			Backend:           imapBackend,
			TLSConfig:         in.tlsConfig,
			AllowInsecureAuth: cfg.AllowInsecureAuth,
			AppendLimit:       cfg.MaxMessageBytes,
			Logger:            in.Logger,
		}
		in.shutdowns = append(in.shutdowns, s.Shutdown)
		in.closers = append(in.closers, s.Close)
		return s
	}
	if cfg.IMAP != "" {
		services = append(services, service{"imap", cfg.IMAP, false, imapServer().Serve})
	}
	if cfg.IMAPS != "" {
		services = append(services, service{"imaps", cfg.IMAPS, true, imapServer().Serve})
	}
	// One POP3 backend for both ports: its maildrop lock is per backend.
	pop3Backend := mailbox.NewPOP3Backend(in.Store)
	pop3Server := func() *pop3.Server {
		s := &pop3.Server{
			Backend:           pop3Backend,
			TLSConfig:         in.tlsConfig,
			AllowInsecureAuth: cfg.AllowInsecureAuth,
			Hostname:          cfg.Hostname,
			Logger:            in.Logger,
		}
		in.shutdowns = append(in.shutdowns, s.Shutdown)
		in.closers = append(in.closers, s.Close)
		return s
	}
	if cfg.POP3 != "" {
		services = append(services, service{"pop3", cfg.POP3, false, pop3Server().Serve})
	}
	if cfg.POP3S != "" {
		services = append(services, service{"pop3s", cfg.POP3S, true, pop3Server().Serve})
	}

	listeners := make([]net.Listener, len(services))
	for i, sv := range services {
		l, err := net.Listen("tcp", sv.addr)
		if err != nil {
			for _, l := range listeners[:i] {
				l.Close()
			}
			return fmt.Errorf("-%s: cannot listen on %s: %w", sv.name, sv.addr, err)
		}
		in.Addrs[sv.name] = l.Addr().String()
		if sv.implicit {
			l = tls.NewListener(l, in.tlsConfig)
		}
		listeners[i] = l
	}
	for i, sv := range services {
		in.wg.Add(1)
		go func() {
			defer in.wg.Done()
			err := sv.serve(listeners[i])
			if err != nil && !isServerClosed(err) {
				in.Logger.Error("server stopped", "service", sv.name, "err", err)
			}
		}()
	}
	return nil
}

func isServerClosed(err error) bool {
	return errors.Is(err, smtp.ErrServerClosed) || errors.Is(err, pop3.ErrServerClosed) ||
		errors.Is(err, imapserver.ErrServerClosed) || errors.Is(err, net.ErrClosed)
}

// Shutdown stops the servers (connections finish their command; a
// message being received is either acknowledged and stored, or not
// acknowledged), then the queue (deliveries in progress finish or stay
// queued) and closes the store. ctx bounds the wait.
func (in *Instance) Shutdown(ctx context.Context) error {
	in.stopOnce.Do(func() {
		if in.control != nil {
			in.control.Close()
		}
		var mu sync.Mutex
		var errs []error
		var wg sync.WaitGroup
		for _, sd := range in.shutdowns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := sd(ctx); err != nil && !isServerClosed(err) {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		in.wg.Wait()
		in.serversDown = true
		if in.Queue != nil {
			if err := in.Queue.Shutdown(ctx); err != nil && !errors.Is(err, dnsmx.ErrQueueClosed) {
				errs = append(errs, fmt.Errorf("queue: %w", err))
			}
		}
		in.closeAll()
		in.stopErr = errors.Join(errs...)
		in.Logger.Info("mailserver stopped")
	})
	return in.stopErr
}

// closeAll releases what Start acquired, in reverse order.
func (in *Instance) closeAll() {
	if in.control != nil {
		in.control.Close()
	}
	if !in.serversDown {
		for _, c := range in.closers {
			c()
		}
		in.wg.Wait()
	}
	if in.Queue != nil {
		in.Queue.Close()
	}
	if in.relayer != nil {
		in.relayer.Close()
	}
	if in.Store != nil {
		in.Store.Close()
	}
	if in.lock != nil {
		os.Remove(controlPath(in.Config.DataDir))
		UnlockDataDir(in.lock)
		in.lock = nil
	}
}

// FlushQueue makes every queued delivery due now.
func (in *Instance) FlushQueue() int {
	n := 0
	for _, e := range in.Queue.List() {
		if in.Queue.RetryNow(e.ID) == nil {
			n++
		}
	}
	return n
}

// RandomPassword returns 20 random base32 characters (100 bits).
func RandomPassword() string { return rand.Text()[:20] }

func uniq(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if x != "" && !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
