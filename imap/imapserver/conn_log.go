package imapserver

import (
	"context"
	"log/slog"
	"net"
	"slices"
)

// connLogger returns a logger that adds the connection's remote address to
// every record. Unlike Logger.With it formats nothing up front: a
// connection that never logs pays for two small objects instead of a
// cloned handler with a preformatted attribute buffer (memory per idle
// connection, issue 5). Its With keeps attributes unformatted too.
func connLogger(l *slog.Logger, remote net.Addr) *slog.Logger {
	return slog.New(&remoteHandler{h: l.Handler(), remote: remote})
}

type remoteHandler struct {
	h      slog.Handler
	remote net.Addr
	attrs  []slog.Attr // from With, after the remote address
}

func (h *remoteHandler) own() []slog.Attr {
	r := ""
	if h.remote != nil {
		r = h.remote.String()
	}
	return append([]slog.Attr{slog.String("remote", r)}, h.attrs...)
}

func (h *remoteHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.h.Enabled(ctx, l)
}

func (h *remoteHandler) Handle(ctx context.Context, r slog.Record) error {
	// Our attributes go first, where Logger.With would have put them.
	nr := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	nr.AddAttrs(h.own()...)
	r.Attrs(func(a slog.Attr) bool {
		nr.AddAttrs(a)
		return true
	})
	return h.h.Handle(ctx, nr)
}

func (h *remoteHandler) WithAttrs(as []slog.Attr) slog.Handler {
	if len(as) == 0 {
		return h
	}
	return &remoteHandler{h: h.h, remote: h.remote, attrs: append(slices.Clip(h.attrs), as...)}
}

func (h *remoteHandler) WithGroup(name string) slog.Handler {
	return h.h.WithAttrs(h.own()).WithGroup(name)
}
