package main

import (
	"context"
	"flag"
	"log"
	"log/slog"
	"net"
	"time"

	"github.com/mailwire/mailwire/imap/imapserver"
	"github.com/mailwire/mailwire/mailbox"
)

// The imap service: IMAP over the bench store, user bench/benchpass, with
// cleartext LOGIN allowed (loopback benchmark only).
var imapAddr = flag.String("imap", "127.0.0.1:30041", "IMAP listen address (empty: off)")

func init() {
	register(service{name: "imap", addr: imapAddr, start: startIMAP})
}

func startIMAP(ctx context.Context, dataDir, addr string) (func(), error) {
	st, err := benchStore(dataDir)
	if err != nil {
		return nil, err
	}
	srv := &imapserver.Server{
		Backend:           mailbox.NewIMAPBackend(st),
		AllowInsecureAuth: true, // loopback benchmark; never in production
		MaxConnections:    4000,
		Logger:            slog.New(slog.NewTextHandler(log.Writer(), &slog.HandlerOptions{Level: slog.LevelWarn})),
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
