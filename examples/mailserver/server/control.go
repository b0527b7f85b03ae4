package server

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"time"
)

// The control socket lets the subcommands (useradd, queue flush, ...) act
// on a running server: the store keeps its users in memory and the queue
// belongs to the server process, so they must not be changed behind its
// back. It is a Unix socket in the data directory (mode 0700), one JSON
// request and one JSON reply per connection.

type controlRequest struct {
	Cmd  string   `json:"cmd"`
	Args []string `json:"args"`
}

type controlReply struct {
	Out string `json:"out"`
	Err string `json:"err,omitempty"`
}

func controlPath(dataDir string) string { return filepath.Join(dataDir, "control.sock") }

func (in *Instance) startControl() error {
	path := controlPath(in.Config.DataDir)
	os.Remove(path) // stale from a crash; we hold the data directory lock
	l, err := net.Listen("unix", path)
	if err != nil {
		// The server works without it; subcommands then report the lock.
		in.Logger.Warn("no control socket; subcommands need the server stopped", "path", path, "err", err)
		return nil
	}
	if err := os.Chmod(path, 0o600); err != nil { // the owner only, whatever the directory's mode
		l.Close()
		return err
	}
	in.control = l
	in.wg.Add(1)
	go func() {
		defer in.wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go in.serveControl(c)
		}
	}()
	return nil
}

func (in *Instance) serveControl(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Minute))
	var req controlRequest
	if err := json.NewDecoder(bufio.NewReader(&limitedConn{c, 64 << 10})).Decode(&req); err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	out, err := Admin(ctx, in.Store, in, req.Cmd, req.Args)
	rep := controlReply{Out: out}
	if err != nil {
		rep.Err = err.Error()
	}
	json.NewEncoder(c).Encode(rep)
}

type limitedConn struct {
	net.Conn
	n int
}

func (l *limitedConn) Read(p []byte) (int, error) {
	if l.n <= 0 {
		return 0, errors.New("request too large")
	}
	if len(p) > l.n {
		p = p[:l.n]
	}
	n, err := l.Conn.Read(p)
	l.n -= n
	return n, err
}

// ErrNoServer: nothing listens on the control socket.
var ErrNoServer = errors.New("no running server")

// CallControl sends one command to the server running on dataDir.
func CallControl(ctx context.Context, dataDir, cmd string, args []string) (string, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", controlPath(dataDir))
	if err != nil {
		return "", ErrNoServer
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Minute))
	if err := json.NewEncoder(c).Encode(controlRequest{Cmd: cmd, Args: args}); err != nil {
		return "", err
	}
	var rep controlReply
	if err := json.NewDecoder(c).Decode(&rep); err != nil {
		return "", errors.New("control socket: no reply from the server")
	}
	if rep.Err != "" {
		return rep.Out, errors.New(rep.Err)
	}
	return rep.Out, nil
}
