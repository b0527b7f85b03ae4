package main

import (
	"context"
	"flag"
	"log"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/mailwire/mailwire/mailbox"
	"github.com/mailwire/mailwire/pop3"
)

// The pop3 service: POP3 over the bench store, user bench/benchpass, with
// cleartext USER/PASS allowed (loopback benchmark only).
var (
	pop3Addr  = flag.String("pop3", "127.0.0.1:30042", "POP3 listen address (empty: off)")
	benchUser = flag.String("user", "bench", "bench user (created if missing; POP3, IMAP, LMTP)")
	benchPass = flag.String("pass", "benchpass", "bench user's password")
)

func init() {
	register(service{name: "pop3", addr: pop3Addr, start: startPOP3})
}

// The one Maildir store every service of the process shares.
var (
	benchStoreOnce sync.Once
	benchStoreVal  *mailbox.Maildir
	benchStoreErr  error
)

// benchStore opens dataDir's Maildir store once per process and makes sure
// the bench user exists with its password (idempotent across restarts).
func benchStore(dataDir string) (*mailbox.Maildir, error) {
	benchStoreOnce.Do(func() {
		st, err := mailbox.OpenMaildir(dataDir, mailbox.Options{Analyze: mailbox.IMAPAnalyze})
		if err != nil {
			benchStoreErr = err
			return
		}
		if err := st.EnsureUser(*benchUser, *benchPass); err != nil {
			st.Close()
			benchStoreErr = err
			return
		}
		benchStoreVal = st
	})
	return benchStoreVal, benchStoreErr
}

func startPOP3(ctx context.Context, dataDir, addr string) (func(), error) {
	st, err := benchStore(dataDir)
	if err != nil {
		return nil, err
	}
	srv := &pop3.Server{
		Backend:           mailbox.NewPOP3Backend(st),
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
