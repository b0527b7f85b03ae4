package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"
)

// maildir delivers into a Maildir (tmp/ new/ cur/): each message is
// written to tmp/, fsync'd, then renamed into new/ — a reader never sees a
// partial message, and a message deleted from the server after deliver
// returned is on disk.
type maildir struct {
	dir  string
	host string
}

var seq atomic.Uint64

func openMaildir(dir string) (*maildir, error) {
	for _, sub := range []string{"tmp", "new", "cur"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return nil, err
		}
	}
	host, _ := os.Hostname()
	if host == "" {
		host = "localhost"
	}
	return &maildir{dir: dir, host: host}, nil
}

// deliver stores the message read from r and returns its size.
func (m *maildir) deliver(r io.Reader) (int64, error) {
	now := time.Now()
	name := fmt.Sprintf("%d.M%dP%dQ%d.%s", now.Unix(), now.Nanosecond()/1000, os.Getpid(), seq.Add(1), m.host)
	tmp := filepath.Join(m.dir, "tmp", name)
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(f, r)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return 0, err
	}
	final := filepath.Join(m.dir, "new", fmt.Sprintf("%s,S=%d", name, n))
	if err := os.Rename(tmp, final); err != nil {
		os.Remove(tmp)
		return 0, err
	}
	return n, syncDir(filepath.Join(m.dir, "new"))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
