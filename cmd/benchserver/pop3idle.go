package main

import (
	"context"
	"flag"
	"log"
	"log/slog"
	"net"
	"time"

	"github.com/mailwire/mailwire/mailbox"
	"github.com/mailwire/mailwire/pop3"
)

// The pop3-idle service exists only to measure memory per idle
// authenticated POP3 connection with `load idle -proto pop3`, which logs
// every connection in as the same user. The regular service refuses a
// second session of a user with [IN-USE] (RFC 1939 §8), so this one gives
// every connection its own adapter — and therefore its own maildrop lock
// table — over the same store. Everything a connection holds is the same as
// on the regular service. Never do this outside a benchmark.
var pop3IdleAddr = flag.String("pop3-idle", "", "POP3 listen address without the per-user maildrop lock, for the idle-memory benchmark only (empty: off)")

func init() {
	register(service{name: "pop3-idle", addr: pop3IdleAddr, start: startPOP3Idle})
}

type unlockedPOP3 struct{ st mailbox.Store }

func (b unlockedPOP3) NewSession(ctx context.Context, c *pop3.Conn) (pop3.Session, error) {
	return mailbox.NewPOP3Backend(b.st).NewSession(ctx, c)
}

func startPOP3Idle(ctx context.Context, dataDir, addr string) (func(), error) {
	st, err := benchStore(dataDir)
	if err != nil {
		return nil, err
	}
	srv := &pop3.Server{
		Backend:           unlockedPOP3{st},
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
