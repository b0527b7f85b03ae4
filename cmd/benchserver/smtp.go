package main

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/mailwire/mailwire/smtp"
)

// The smtp service: an MX for bench.example whose backend reads and
// discards each message and counts it, like the harness's go-smtp and
// smtp-sink peers.
var (
	smtpAddr  = flag.String("smtp", "127.0.0.1:30040", "SMTP listen address (empty: off)")
	smtpStats = flag.String("smtp-stats", "", "HTTP address serving the SMTP counters as JSON {\"messages\":N,\"bytes\":B} (empty: off)")
)

func init() {
	register(service{name: "smtp", addr: smtpAddr, start: startSMTP})
}

type discardCounter struct {
	messages atomic.Int64
	bytes    atomic.Int64
}

func startSMTP(ctx context.Context, dataDir, addr string) (func(), error) {
	counts := &discardCounter{}
	srv := &smtp.Server{
		Backend:         discardBackend{counts},
		Hostname:        "bench.example",
		MaxMessageBytes: 10<<20 + 4096, // 10 MiB messages plus headers
		MaxConnections:  4000,          // the idle section opens 2,000
		Logger:          slog.New(slog.NewTextHandler(log.Writer(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	go srv.Serve(l)
	var hs *http.Server
	if *smtpStats != "" {
		hl, err := net.Listen("tcp", *smtpStats)
		if err != nil {
			srv.Close()
			return nil, err
		}
		hs = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]int64{"messages": counts.messages.Load(), "bytes": counts.bytes.Load()})
		})}
		go hs.Serve(hl)
	}
	return func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
		if hs != nil {
			hs.Shutdown(sctx)
		}
	}, nil
}

type discardBackend struct{ c *discardCounter }

func (b discardBackend) NewSession(ctx context.Context, c *smtp.Conn) (smtp.Session, error) {
	return discardSession(b), nil
}

type discardSession struct{ c *discardCounter }

var errRelay = &smtp.Error{Code: 550, EnhancedCode: [3]int{5, 7, 1}, Message: "Relaying denied"}

func (s discardSession) Mail(ctx context.Context, from string, opts *smtp.MailOptions) error {
	return nil
}

// Rcpt accepts only bench.example recipients: no open relay, even here.
func (s discardSession) Rcpt(ctx context.Context, to string, opts *smtp.RcptOptions) error {
	if len(to) < len("@bench.example") || to[len(to)-len("@bench.example"):] != "@bench.example" {
		return errRelay
	}
	return nil
}

func (s discardSession) Data(ctx context.Context, r io.Reader) error {
	n, err := io.Copy(io.Discard, r)
	if err != nil {
		return err
	}
	s.c.messages.Add(1)
	s.c.bytes.Add(n)
	return nil
}

func (s discardSession) Reset(ctx context.Context)        {}
func (s discardSession) Logout(ctx context.Context) error { return nil }
