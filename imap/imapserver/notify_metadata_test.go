package imapserver

import (
	"context"
	"strings"
	"testing"
)

// notifyUser stores METADATA in its backend and broadcasts each changed
// entry to the other sessions' notifiers, as a store's feed would.
var _ MetadataUser = (*notifyUser)(nil)

func (u *notifyUser) GetMetadata(ctx context.Context, mailbox string) (map[string][]byte, error) {
	if mailbox != "" {
		if _, err := u.Status(ctx, mailbox); err != nil {
			return nil, err
		}
	}
	u.nb.mu.Lock()
	defer u.nb.mu.Unlock()
	out := map[string][]byte{}
	for k, v := range u.nb.meta[mailbox] {
		out[k] = v
	}
	return out, nil
}

func (u *notifyUser) SetMetadata(ctx context.Context, mailbox string, entries map[string][]byte) error {
	if mailbox != "" {
		if _, err := u.Status(ctx, mailbox); err != nil {
			return err
		}
	}
	u.nb.mu.Lock()
	if u.nb.meta == nil {
		u.nb.meta = map[string]map[string][]byte{}
	}
	m := u.nb.meta[mailbox]
	if m == nil {
		m = map[string][]byte{}
		u.nb.meta[mailbox] = m
	}
	for k, v := range entries {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	u.nb.mu.Unlock()
	for k := range entries {
		u.broadcast(NotifyEvent{Kind: NotifyMetadata, Name: mailbox, Entry: k})
	}
	return nil
}

// MailboxMetadataChange and ServerMetadataChange (RFC 5465 §5.6, §5.7):
// another session's SETMETADATA arrives as an unsolicited METADATA
// response naming the entry (RFC 5464 §4.4.2), deletions included; the
// session's own changes do not (§5).
func TestNotifyMetadata(t *testing.T) {
	ts, _ := startNotifyServer(t, nil)
	a := ts.dial(t).login()
	b := ts.dial(t).login()
	a.mustOK("s SELECT INBOX")
	a.mustOK("n1 NOTIFY SET (selected (MessageNew MessageExpunge)) (personal (MailboxMetadataChange ServerMetadataChange))")
	b.mustOK(`p1 SETMETADATA INBOX (/private/comment "x")`)
	a.next("* METADATA INBOX /private/comment")
	b.mustOK(`p2 SETMETADATA "" (/shared/Admin "mailto:a@example.org")`)
	a.next(`* METADATA "" /shared/admin`)
	b.mustOK(`p3 SETMETADATA INBOX (/private/comment NIL)`)
	a.next("* METADATA INBOX /private/comment")
	// The client reads the value with GETMETADATA: it is gone.
	out := a.cmd("g GETMETADATA INBOX /private/comment")
	if !strings.HasPrefix(last(out), "g OK") || strings.Contains(strings.Join(out, "\n"), `"x"`) {
		t.Fatalf("GETMETADATA after delete: %q", out)
	}
	// Own changes are not reported (§5 SHOULD NOT).
	a.mustOK(`n2 SETMETADATA INBOX (/private/mine "1")`)
	a.mustOK(`n3 SETMETADATA "" (/private/mine "1")`)
	a.quiet()

	// Only the mailboxes a filter names; server entries only with
	// ServerMetadataChange.
	b.mustOK("p4 CREATE Lists")
	a.mustOK("n4 NOTIFY SET (mailboxes Lists (MailboxMetadataChange))")
	b.mustOK(`p5 SETMETADATA INBOX (/private/comment "y")`)
	b.mustOK(`p6 SETMETADATA "" (/private/comment "y")`)
	b.mustOK(`p7 SETMETADATA Lists (/private/comment "y" /shared/comment "z")`)
	// One command, two entries: one METADATA line naming both, or two
	// lines when the events reach the session in separate batches.
	var got []string
	for len(got) < 2 {
		l := a.readLine()
		e, ok := strings.CutPrefix(l, "* METADATA Lists ")
		if !ok {
			t.Fatalf("got %q, want * METADATA Lists ...", l)
		}
		got = append(got, strings.Fields(e)...)
	}
	if strings.Join(got, " ") != "/private/comment /shared/comment" {
		t.Fatalf("entries %q", got)
	}
	a.quiet()

	a.mustOK("n5 NOTIFY NONE")
	b.mustOK(`p8 SETMETADATA Lists (/private/comment NIL)`)
	a.quiet()
}

// The metadata events are mailbox and user events: SELECTED takes
// message events only (RFC 5465 §8 grammar comment).
func TestNotifyMetadataSyntax(t *testing.T) {
	ts, _ := startNotifyServer(t, nil)
	c := ts.dial(t).login()
	for _, cmd := range []string{
		"NOTIFY SET (selected (MessageNew MessageExpunge MailboxMetadataChange))",
		"NOTIFY SET (selected-delayed (ServerMetadataChange))",
	} {
		if out := c.cmd("x " + cmd); !strings.HasPrefix(last(out), "x BAD") {
			t.Errorf("%s: got %q", cmd, out)
		}
	}
	c.mustOK("o1 NOTIFY SET (inboxes (ServerMetadataChange))")
	c.mustOK("o2 notify set (subtree INBOX (mailboxmetadatachange servermetadatachange))")
}
