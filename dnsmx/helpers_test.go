package dnsmx

import (
	"errors"
	"log/slog"
	"net"
	"os"
)

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// discardLogger is the tests' logger: silent unless DNSMX_TEST_LOG is set.
func discardLogger() *slog.Logger {
	if os.Getenv("DNSMX_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

var netDNSTemp = net.DNSError{Err: "server misbehaving", IsTemporary: true}
