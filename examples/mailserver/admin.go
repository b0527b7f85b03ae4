package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/mailwire/mailwire/examples/mailserver/server"
	"github.com/mailwire/mailwire/mailbox"
)

// Subcommands manage users and the queue. With a server running on the
// data directory they go through its control socket; otherwise users are
// changed in the store directly (the queue needs the running server).

const subcommandUsage = `subcommands:
  useradd NAME [-password P]   create a user (random password printed when -password is absent)
  userdel NAME                 delete a user and all its mail
  passwd NAME [-password P]    set a user's password (random when -password is absent)
  users                        list users
  queue list                   show the outbound queue (server must run)
  queue flush                  retry every queued message now (server must run)
  queue remove ID              drop a queued message without a bounce (server must run)
each accepts -data DIR (default as the server's)`

func isSubcommand(name string) bool {
	switch name {
	case "useradd", "userdel", "passwd", "users", "queue", "help":
		return true
	}
	return false
}

// runSubcommand parses and runs one subcommand.
func runSubcommand(ctx context.Context, name string, args []string, stdout, stderr io.Writer) error {
	if name == "help" {
		fmt.Fprintln(stdout, subcommandUsage)
		return nil
	}
	fs := flag.NewFlagSet("mailserver "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data", server.DefaultDataDir(), "data `dir`ectory of the server")
	password := new(string)
	if name == "useradd" || name == "passwd" {
		fs.StringVar(password, "password", "", "the new `password` (random when absent)")
	}
	// Flags may come before or after the positional arguments.
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	cmd := name
	want := map[string]int{"useradd": 1, "userdel": 1, "passwd": 1, "users": 0}
	if name == "queue" {
		if len(pos) == 0 {
			return errors.New("queue: want list, flush or remove ID")
		}
		cmd = "queue-" + pos[0]
		pos = pos[1:]
		want = map[string]int{"queue-list": 0, "queue-flush": 0, "queue-remove": 1}
	}
	n, ok := want[cmd]
	if !ok {
		return fmt.Errorf("unknown subcommand %q\n%s", strings.ReplaceAll(cmd, "-", " "), subcommandUsage)
	}
	if len(pos) != n {
		return fmt.Errorf("%s: want %d argument(s), got %d\n%s", strings.ReplaceAll(cmd, "-", " "), n, len(pos), subcommandUsage)
	}
	generated := false
	if (cmd == "useradd" || cmd == "passwd") && *password == "" {
		*password, generated = server.RandomPassword(), true
	}
	if cmd == "useradd" || cmd == "passwd" {
		pos = append(pos, *password)
	}

	out, err := server.CallControl(ctx, *dataDir, cmd, pos)
	if errors.Is(err, server.ErrNoServer) {
		out, err = offline(ctx, *dataDir, cmd, pos)
	}
	if out != "" {
		fmt.Fprint(stdout, out)
	}
	if err == nil && generated {
		fmt.Fprintf(stdout, "password for %s: %s\n", pos[0], *password)
	}
	return err
}

// offline runs a user command on the store of a stopped server.
func offline(ctx context.Context, dataDir, cmd string, args []string) (string, error) {
	if strings.HasPrefix(cmd, "queue-") {
		return "", errors.New("the queue is run by the server: start it (queued mail is retried when it starts)")
	}
	lock, err := server.LockDataDir(dataDir)
	if err != nil {
		return "", err
	}
	defer server.UnlockDataDir(lock)
	st, err := mailbox.OpenMaildir(filepath.Join(dataDir, "mail"), mailbox.Options{Analyze: mailbox.IMAPAnalyze})
	if err != nil {
		return "", err
	}
	defer st.Close()
	return server.Admin(ctx, st, nil, cmd, args)
}
