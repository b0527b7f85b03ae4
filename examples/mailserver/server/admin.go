package server

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mailwire/mailwire/mailbox"
)

// Admin runs an administrative command (useradd NAME PASSWORD, passwd
// NAME PASSWORD, userdel NAME, users, queue-list, queue-flush, queue-remove
// ID) on a store and, when a server runs (in non-nil), its queue.
func Admin(ctx context.Context, st mailbox.Store, in *Instance, cmd string, args []string) (string, error) {
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
		return FormatQueue(in), nil
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

// FormatQueue renders the queue for operators, one line per recipient.
func FormatQueue(in *Instance) string {
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
