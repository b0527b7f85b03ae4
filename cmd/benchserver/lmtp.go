package main

import (
	"context"
	"flag"
	"log"
	"log/slog"
	"net"
	"time"

	"github.com/mailwire/mailwire/mailbox"
	"github.com/mailwire/mailwire/smtp"
)

// The lmtp service: LMTP delivery into the bench user's INBOX over the
// shared Maildir store (-data DIR; the INBOX is DIR/bench/Maildir, the
// NEW_LMTP_MAILDIR of the harness). Each per-recipient 250 is sent only
// after the message is durable; concurrent deliveries share fsyncs.
var lmtpAddr = flag.String("lmtp", "127.0.0.1:30043", "LMTP listen address (empty: off)")

func init() {
	register(service{name: "lmtp", addr: lmtpAddr, start: startLMTP})
}

func startLMTP(ctx context.Context, dataDir, addr string) (func(), error) {
	st, err := benchStore(dataDir)
	if err != nil {
		return nil, err
	}
	if err := st.AddDomain(ctx, "bench.example"); err != nil {
		return nil, err
	}
	logger := slog.New(slog.NewTextHandler(log.Writer(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	be := mailbox.NewSMTPBackend(st, nil)
	be.Hostname = "bench.example"
	be.Logger = logger
	srv := &smtp.Server{
		Backend:         be,
		Hostname:        "bench.example",
		LMTP:            true,
		MaxMessageBytes: 10<<20 + 4096,
		MaxConnections:  4000,
		Logger:          logger,
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	go srv.Serve(l)
	return func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}, nil
}
