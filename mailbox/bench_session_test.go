package mailbox_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailwire/mailwire/imap/imapserver"
	"github.com/mailwire/mailwire/mailbox"
)

// benchSession serves s over IMAP on a loopback listener and returns a
// logged-in client connection (as user u), and a function that
// runs one command and returns the number of response lines it read
// (failing the benchmark unless the command ends in OK). stop closes the
// connection and the server, not the store.
func benchSession(b *testing.B, s mailbox.Store) (cmd func(tag, line string) int, stop func()) {
	b.Helper()
	srv := &imapserver.Server{Backend: mailbox.NewIMAPBackend(s), AllowInsecureAuth: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go srv.Serve(ln)
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	r := bufio.NewReaderSize(c, 1<<20)
	cmd = func(tag, line string) int {
		if _, err := io.WriteString(c, tag+" "+line+"\r\n"); err != nil {
			b.Fatal(err)
		}
		for n := 1; ; n++ {
			l, err := r.ReadSlice('\n')
			if err != nil && err != bufio.ErrBufferFull {
				b.Fatal(err)
			}
			if strings.HasPrefix(string(l), tag+" ") {
				if !strings.HasPrefix(string(l), tag+" OK") {
					b.Fatalf("%s: %s", line, l)
				}
				return n
			}
		}
	}
	if _, err := r.ReadString('\n'); err != nil {
		b.Fatal(err)
	}
	cmd("l", "LOGIN u p")
	return cmd, func() {
		c.Close()
		srv.Close()
	}
}

// fixtureDir returns the directory of a benchmark fixture: the one named
// by the environment variable env if set (kept between runs: creating
// 100,000 files is slow on some disks), else a temporary one; exists
// says whether it already holds the fixture. A new one gets user u.
func fixtureDir(b *testing.B, env string, opts mailbox.Options) (dir string, exists bool) {
	b.Helper()
	dir = os.Getenv(env)
	if dir != "" {
		if _, err := os.Stat(filepath.Join(dir, "u")); err == nil {
			return dir, true
		}
	} else {
		dir = b.TempDir()
	}
	s, err := mailbox.OpenMaildir(dir, opts)
	if err != nil {
		b.Fatal(err)
	}
	s.CreateUser(context.Background(), "u", "p")
	s.Close()
	return dir, false
}
