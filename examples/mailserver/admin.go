package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

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
	dataDir := fs.String("data", defaultDataDir(), "data `dir`ectory of the server")
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
		*password, generated = randomPassword(), true
	}
	if cmd == "useradd" || cmd == "passwd" {
		pos = append(pos, *password)
	}

	out, err := callControl(ctx, *dataDir, cmd, pos)
	if errors.Is(err, errNoServer) {
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
	lock, err := lockDataDir(dataDir)
	if err != nil {
		return "", err
	}
	defer unlockDataDir(lock)
	st, err := mailbox.OpenMaildir(filepath.Join(dataDir, "mail"), mailbox.Options{Analyze: mailbox.IMAPAnalyze})
	if err != nil {
		return "", err
	}
	defer st.Close()
	return adminCommand(ctx, st, nil, cmd, args)
}

// adminCommand runs cmd on a store and, when a server runs, its queue.
func adminCommand(ctx context.Context, st mailbox.Store, in *Instance, cmd string, args []string) (string, error) {
	need := map[string]int{"useradd": 2, "passwd": 2, "userdel": 1, "users": 0, "queue-list": 0, "queue-flush": 0, "queue-remove": 1}
	if n, ok := need[cmd]; !ok || len(args) != n {
		return "", fmt.Errorf("bad command %q", cmd)
	}
	if strings.HasPrefix(cmd, "queue-") && in == nil {
		return "", errors.New("no queue")
	}
	switch cmd {
	case "useradd":
		if strings.Contains(args[0], "@") {
			return "", fmt.Errorf("user names are local parts (alice, not alice@example.org); every local domain delivers to them")
		}
		if err := st.CreateUser(ctx, args[0], args[1]); err != nil {
			return "", fmt.Errorf("useradd %s: %w", args[0], err)
		}
		return fmt.Sprintf("created user %s\n", strings.ToLower(args[0])), nil
	case "passwd":
		if err := st.SetPassword(ctx, args[0], args[1]); err != nil {
			return "", fmt.Errorf("passwd %s: %w", args[0], err)
		}
		return fmt.Sprintf("password of %s changed\n", strings.ToLower(args[0])), nil
	case "userdel":
		if err := st.DeleteUser(ctx, args[0]); err != nil {
			return "", fmt.Errorf("userdel %s: %w", args[0], err)
		}
		return fmt.Sprintf("deleted user %s\n", strings.ToLower(args[0])), nil
	case "users":
		users, err := st.ListUsers(ctx)
		if err != nil {
			return "", err
		}
		sort.Strings(users)
		var sb strings.Builder
		for _, u := range users {
			sb.WriteString(u + "\n")
		}
		return sb.String(), nil
	case "queue-list":
		return formatQueue(in), nil
	case "queue-flush":
		return fmt.Sprintf("%d message(s) scheduled for delivery now\n", in.FlushQueue()), nil
	case "queue-remove":
		if err := in.Queue.Remove(args[0]); err != nil {
			return "", fmt.Errorf("queue remove %s: %w", args[0], err)
		}
		return fmt.Sprintf("removed %s\n", args[0]), nil
	}
	return "", nil
}

func formatQueue(in *Instance) string {
	entries := in.Queue.List()
	if len(entries) == 0 {
		return "queue is empty\n"
	}
	var sb strings.Builder
	tw := tabwriter.NewWriter(&sb, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tAGE\tSIZE\tFROM\tRECIPIENT\tSTATUS\tATTEMPTS\tNEXT\tLAST REPLY")
	for _, e := range entries {
		from := e.From
		if from == "" {
			from = "<>"
		}
		for _, r := range e.Rcpts {
			status, next, reply := "pending", "-", ""
			if r.Status != 0 {
				status = r.Status.String()
			}
			if !r.NextAttempt.IsZero() {
				next = time.Until(r.NextAttempt).Round(time.Second).String()
			}
			if r.LastReply != nil {
				reply = r.LastReply.Error()
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%d\t%s\t%s\n", e.ID, time.Since(e.Created).Round(time.Second),
				e.Size, from, r.Addr, status, r.Attempts, next, reply)
		}
	}
	tw.Flush()
	return sb.String()
}
