package main

import (
	"context"
	"flag"
	"io"
	"log"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"time"

	"github.com/mailwire/mailwire/dnsmx"
	"github.com/mailwire/mailwire/smtp"
)

// The relay service: an SMTP listener that accepts mail for
// anyone@bench.example from 127.0.0.1, stores it durably in a dnsmx.Queue
// (DIR/relay-queue) before answering 250, and delivers everything to the
// smart host given by -relay-to (the harness's smtp-sink on 30126).
var (
	relayAddr = flag.String("relay", "127.0.0.1:30044", "relay SMTP listen address (empty: off)")
	relayTo   = flag.String("relay-to", "127.0.0.1:30126", "smart host that receives all relayed mail")
)

func init() {
	register(service{name: "relay", addr: relayAddr, start: startRelay})
}

func startRelay(ctx context.Context, dataDir, addr string) (func(), error) {
	logger := slog.New(slog.NewTextHandler(log.Writer(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	relayer := &dnsmx.Relayer{SmartHost: *relayTo, HelloName: "bench.example", Logger: logger}
	q := &dnsmx.Queue{
		Dir:       filepath.Join(dataDir, "relay-queue"),
		Transport: relayer,
		Hostname:  "bench.example",
		Logger:    logger,
	}
	q.SendDSN = q.Relay // bounces travel through the same queue, from <>
	if err := q.Start(); err != nil {
		return nil, err
	}
	srv := &smtp.Server{
		Backend:         relayBackend{q},
		Hostname:        "bench.example",
		MaxMessageBytes: 10<<20 + 4096,
		MaxConnections:  4000,
		EnableDSN:       true,
		EnableSMTPUTF8:  true,
		Logger:          logger,
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		q.Close()
		return nil, err
	}
	go srv.Serve(l)
	return func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
		q.Shutdown(sctx)
	}, nil
}

// relayBackend accepts mail for bench.example from the loopback address
// only (no open relay) and hands it to the queue.
type relayBackend struct{ q *dnsmx.Queue }

func (b relayBackend) NewSession(ctx context.Context, c *smtp.Conn) (smtp.Session, error) {
	if tcp, ok := c.RemoteAddr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
		return nil, &smtp.Error{Code: 554, EnhancedCode: [3]int{5, 7, 1}, Message: "Relay access denied"}
	}
	return &relaySession{q: b.q}, nil
}

type relaySession struct {
	q   *dnsmx.Queue
	env dnsmx.Envelope
}

func (s *relaySession) Mail(ctx context.Context, from string, opts *smtp.MailOptions) error {
	s.env = dnsmx.Envelope{From: from}
	if opts != nil {
		s.env.EnvelopeID, s.env.Return = opts.EnvelopeID, opts.Return
		s.env.BodyType, s.env.SMTPUTF8 = opts.Body, opts.SMTPUTF8
	}
	return nil
}

func (s *relaySession) Rcpt(ctx context.Context, to string, opts *smtp.RcptOptions) error {
	if !strings.EqualFold(dnsmx.DomainOf(to), "bench.example") {
		return &smtp.Error{Code: 550, EnhancedCode: [3]int{5, 7, 1}, Message: "Relay access denied"}
	}
	r := dnsmx.Recipient{Addr: to}
	if opts != nil {
		r.Notify, r.ORCPTType, r.ORCPT = opts.Notify, opts.OriginalRecipientType, opts.OriginalRecipient
	}
	s.env.Rcpts = append(s.env.Rcpts, r)
	return nil
}

func (s *relaySession) Data(ctx context.Context, r io.Reader) error {
	// Returns only once the message is fsync'd; an *smtp.Error (queue
	// full, too large) reaches the client as is, other errors become a
	// generic 451.
	_, err := s.q.Enqueue(ctx, &s.env, r)
	return err
}

func (s *relaySession) Reset(ctx context.Context) { s.env = dnsmx.Envelope{} }

func (s *relaySession) Logout(ctx context.Context) error { return nil }
