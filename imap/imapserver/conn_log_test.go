package imapserver

import (
	"bytes"
	"log/slog"
	"net"
	"strings"
	"testing"
)

// The connection logger writes what Logger.With("remote", ...) wrote.
func TestConnLoggerAttributes(t *testing.T) {
	var buf bytes.Buffer
	base := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	remote := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4321}
	l := connLogger(base, remote).With("user", "alice")
	l.Info("hello", "n", 1)
	l.WithGroup("g").Info("grouped", "k", "v")
	got := buf.String()
	for _, want := range []string{
		`msg=hello remote=127.0.0.1:4321 user=alice n=1`,
		`msg=grouped remote=127.0.0.1:4321 user=alice g.k=v`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("log output lacks %q:\n%s", want, got)
		}
	}
	buf.Reset()
	quiet := connLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn})), remote)
	quiet.Debug("hidden")
	if buf.Len() != 0 {
		t.Errorf("debug record written below the handler's level: %q", buf.String())
	}
}
