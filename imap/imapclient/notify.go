package imapclient

import (
	"errors"

	"github.com/mailwire/mailwire/imap"
	"github.com/mailwire/mailwire/imap/internal/wire"
)

// NotifyFilter is the mailbox specifier of a NOTIFY event group
// (RFC 5465 §6).
type NotifyFilter string

// Mailbox specifiers.
const (
	NotifySelected        NotifyFilter = "SELECTED"         // the selected mailbox, at once (§6.1.1)
	NotifySelectedDelayed NotifyFilter = "SELECTED-DELAYED" // the selected mailbox, expunges at the next command (§6.1.2)
	NotifyInboxes         NotifyFilter = "INBOXES"          // mailboxes that receive mail (§6.3)
	NotifyPersonal        NotifyFilter = "PERSONAL"         // every personal mailbox (§6.2)
	NotifySubscribed      NotifyFilter = "SUBSCRIBED"       // subscribed mailboxes (§6.4)
	NotifySubtree         NotifyFilter = "SUBTREE"          // Mailboxes and their children (§6.5)
	NotifyMailboxes       NotifyFilter = "MAILBOXES"        // exactly Mailboxes (§6.6)
)

// NotifyEvent is an event type (RFC 5465 §5).
type NotifyEvent string

// Event types. MessageNew and MessageExpunge go together; FlagChange and
// AnnotationChange need both (§5).
const (
	NotifyMessageNew            NotifyEvent = "MessageNew"
	NotifyMessageExpunge        NotifyEvent = "MessageExpunge"
	NotifyFlagChange            NotifyEvent = "FlagChange"
	NotifyAnnotationChange      NotifyEvent = "AnnotationChange"
	NotifyMailboxName           NotifyEvent = "MailboxName"
	NotifySubscriptionChange    NotifyEvent = "SubscriptionChange"
	NotifyMailboxMetadataChange NotifyEvent = "MailboxMetadataChange"
	NotifyServerMetadataChange  NotifyEvent = "ServerMetadataChange"
)

// NotifyGroup is one event group of NOTIFY SET.
type NotifyGroup struct {
	Filter NotifyFilter
	// Mailboxes are the names of SUBTREE and MAILBOXES.
	Mailboxes []string
	// Events to report; none sends NONE (no events for these mailboxes).
	Events []NotifyEvent
	// Fetch, for SELECTED and SELECTED-DELAYED with MessageNew, are the
	// items the server sends in a FETCH response for each new message
	// (§5.2); they arrive at UnilateralHandler.Fetch.
	Fetch *imap.FetchOptions
}

// NotifyOptions are the arguments of NOTIFY SET.
type NotifyOptions struct {
	// Status asks for a STATUS response for each watched mailbox before
	// the tagged OK (§3.1); NotifyCommand.Wait returns them.
	Status bool
	Groups []NotifyGroup
}

// NotifyCommand is a NOTIFY in flight.
type NotifyCommand struct {
	cmd    *command
	status []*imap.StatusData
}

// Wait waits for the tagged response and returns the STATUS responses
// NotifyOptions.Status asked for. A refused NOTIFY is an *imap.Error;
// its Code is imap.CodeBadEvent (CodeArg lists the events the server
// supports) or imap.CodeNotificationOverflow (too expensive).
func (n *NotifyCommand) Wait() ([]*imap.StatusData, error) {
	err := n.cmd.wait()
	return n.status, err
}

// errNoGroups is returned for NOTIFY SET without event groups, which the
// grammar does not allow (RFC 5465 §8).
var errNoGroups = errors.New("imapclient: NOTIFY SET needs at least one event group")

// Notify sends NOTIFY SET (RFC 5465 §3.1); a nil opts sends NOTIFY NONE.
// Once it succeeds the server sends notifications at any time, also
// between commands: STATUS and LIST responses arrive at
// UnilateralHandler.MailboxStatus and List, METADATA entry names
// (MailboxMetadataChange, ServerMetadataChange) at Metadata, EXISTS,
// EXPUNGE (or VANISHED) and FETCH at the usual handler functions, and an
// overflow as an untagged OK [NOTIFICATIONOVERFLOW] at
// UnilateralHandler.Status (notifications are then off).
func (c *Client) Notify(opts *NotifyOptions) *NotifyCommand {
	n := &NotifyCommand{}
	if opts != nil && len(opts.Groups) == 0 {
		n.cmd = &command{c: c, name: "NOTIFY", done: make(chan struct{})}
		n.cmd.finish(nil, errNoGroups)
		return n
	}
	n.cmd = c.start("NOTIFY", func(e *wire.Encoder) error {
		if opts == nil {
			e.Raw(" NONE")
			return nil
		}
		e.Raw(" SET")
		if opts.Status {
			e.Raw(" STATUS")
		}
		for _, g := range opts.Groups {
			e.SP().BeginList().Raw(string(g.Filter))
			if g.Filter == NotifySubtree || g.Filter == NotifyMailboxes {
				e.SP()
				if len(g.Mailboxes) == 1 {
					c.mailboxArg(e, g.Mailboxes[0])
				} else {
					e.BeginList()
					for i, m := range g.Mailboxes {
						if i > 0 {
							e.SP()
						}
						c.mailboxArg(e, m)
					}
					e.EndList()
				}
			}
			e.SP()
			if len(g.Events) == 0 {
				e.Raw("NONE").EndList()
				continue
			}
			e.BeginList()
			for i, ev := range g.Events {
				if i > 0 {
					e.SP()
				}
				e.Raw(string(ev))
				if ev == NotifyMessageNew && g.Fetch != nil {
					e.SP()
					wire.WriteFetchItems(e, g.Fetch)
				}
			}
			e.EndList().EndList()
		}
		return nil
	}, func(cmd *command) {
		if opts == nil || !opts.Status {
			return
		}
		cmd.wantsData = func(kind string) bool { return kind == "STATUS" }
		cmd.onData = func(u *untagged) bool {
			if u.statusData == nil {
				return false
			}
			n.status = append(n.status, u.statusData)
			return true
		}
	})
	return n
}
