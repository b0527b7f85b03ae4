package imapserver

import "slices"

// cmdNotify implements NOTIFY NONE and NOTIFY SET (RFC 5465 §3.1, §8).
//
// Without a SELECTED or SELECTED-DELAYED group the selected mailbox keeps
// being reported at the end of commands as without NOTIFY (RFC 9051
// §7.5.1): the client's sequence numbers depend on it. Events in other
// mailboxes need a NotifyUser backend.
func (c *conn) cmdNotify(bool) *status {
	c.expectSP()
	switch c.atomUpper() {
	case "NONE":
		c.expectEnd()
		c.resetNotify()
		return ok("NOTIFY completed")
	case "SET":
	default:
		c.fail("Expected SET or NONE")
	}
	c.expectSP()
	wantStatus := false
	if c.peek() != '(' {
		if c.atomUpper() != "STATUS" {
			c.fail("Expected STATUS or an event group")
		}
		wantStatus = true
		c.expectSP()
	}
	var groups []parsedGroup
	for {
		groups = append(groups, c.parseEventGroup())
		if len(groups) > maxEventGroups {
			c.fail("Too many event groups")
		}
		if !c.sp() {
			break
		}
	}
	c.expectEnd()
	ns, st := c.buildNotify(groups)
	if st != nil {
		return st
	}
	if len(ns.groups) > 0 {
		if st := c.startNotifier(ns); st != nil {
			return st
		}
	}
	c.resetNotify()
	c.notify = ns
	if c.sel != nil {
		// Messages already in the view, or announced by this command's
		// implicit NOOP, get no MessageNew FETCH.
		ns.fetchSel = c.sel
		ns.fetchedUID = c.sel.view.lastUID()
	}
	if wantStatus {
		// §3.1: STATUS for every watched mailbox but the selected one
		// before the tagged OK.
		names := make([]string, 0, len(ns.watched))
		for n := range ns.watched {
			if c.sel == nil || n != c.sel.name {
				names = append(names, n)
			}
		}
		slices.Sort(names)
		for _, n := range names {
			c.writeNotifyStatus(ns, n, false)
		}
	}
	// finish() then reports what is pending for the selected mailbox:
	// NOTIFY SET implies a NOOP (§3.1).
	return ok("NOTIFY completed")
}

// maxEventGroups bounds the groups of one NOTIFY SET (the command size
// bounds them anyway; this keeps matching cheap).
const maxEventGroups = 64

// parsedGroup is an event group as sent, before validation.
type parsedGroup struct {
	notifyGroup
	fetch       *fetchPlan
	unsupported bool // an event this server does not report (BADEVENT)
	annotation  bool // AnnotationChange: a message event for the rules of §5
}

// parseEventGroup reads "(" filter-mailboxes SP events ")".
func (c *conn) parseEventGroup() parsedGroup {
	var g parsedGroup
	c.openParen()
	switch c.atomUpper() {
	case "SELECTED":
		g.filter = filterSelected
	case "SELECTED-DELAYED":
		g.filter = filterSelectedDelayed
	case "INBOXES":
		g.filter = filterInboxes
	case "PERSONAL":
		g.filter = filterPersonal
	case "SUBSCRIBED":
		g.filter = filterSubscribed
	case "SUBTREE":
		g.filter = filterSubtree
		c.expectSP()
		g.names = c.oneOrMoreMailbox()
	case "MAILBOXES":
		g.filter = filterMailboxes
		c.expectSP()
		g.names = c.oneOrMoreMailbox()
	default:
		c.fail("Unknown mailbox filter")
	}
	c.expectSP()
	if c.peek() != '(' {
		if c.atomUpper() != "NONE" {
			c.fail("Expected event list or NONE")
		}
		c.closeParen()
		return g
	}
	c.openParen()
	for {
		switch c.atomUpper() {
		case "MESSAGENEW":
			g.events |= evMessageNew
			if c.pos+1 < len(c.line) && c.line[c.pos] == ' ' && c.line[c.pos+1] == '(' {
				c.pos++
				g.fetch = c.parseFetchItems()
			}
		case "MESSAGEEXPUNGE":
			g.events |= evMessageExpunge
		case "FLAGCHANGE":
			g.events |= evFlagChange
		case "MAILBOXNAME":
			g.events |= evMailboxName
		case "SUBSCRIPTIONCHANGE":
			g.events |= evSubscriptionChange
		case "MAILBOXMETADATACHANGE":
			g.events |= evMailboxMetadata
		case "SERVERMETADATACHANGE":
			g.events |= evServerMetadata
		case "ANNOTATIONCHANGE":
			g.annotation = true
			g.unsupported = true
		default:
			// event-ext: any atom; unknown means unsupported, NO not BAD.
			g.unsupported = true
		}
		if !c.sp() {
			break
		}
	}
	c.closeParen()
	c.closeParen()
	return g
}

// oneOrMoreMailbox reads a mailbox or a parenthesised list of them.
func (c *conn) oneOrMoreMailbox() []string {
	if c.peek() != '(' {
		return []string{c.mailboxName()}
	}
	var names []string
	c.openParen()
	for {
		names = append(names, c.mailboxName())
		if !c.sp() {
			break
		}
	}
	c.closeParen()
	return names
}

// buildNotify validates the groups (RFC 5465 §5, §6.1, §8) and returns
// the new state, or the status that refuses the command.
func (c *conn) buildNotify(groups []parsedGroup) (*notifyState, *status) {
	ns := &notifyState{user: c.user}
	selSeen, unsupported := false, false
	for i := range groups {
		g := &groups[i]
		selected := g.filter == filterSelected || g.filter == filterSelectedDelayed
		msg := g.events&evMessage != 0 || g.annotation
		if selected {
			if selSeen {
				return nil, bad("Only one of SELECTED and SELECTED-DELAYED may be given")
			}
			selSeen = true
			if g.events&(evList|evMeta) != 0 {
				return nil, bad("SELECTED takes message events only")
			}
		} else if g.fetch != nil {
			return nil, bad("Fetch attributes are allowed for SELECTED only")
		}
		newExp := g.events & (evMessageNew | evMessageExpunge)
		if newExp != 0 && newExp != evMessageNew|evMessageExpunge {
			return nil, bad("MessageNew and MessageExpunge go together")
		}
		if msg && newExp == 0 {
			return nil, bad("FlagChange and AnnotationChange need MessageNew and MessageExpunge")
		}
		unsupported = unsupported || g.unsupported
	}
	if unsupported {
		// §3.1: NO, not BAD, with every event the server supports.
		return nil, no("BADEVENT ("+notifySupported+")", "Unsupported event")
	}
	for i := range groups {
		g := &groups[i]
		switch g.filter {
		case filterSelected, filterSelectedDelayed:
			ns.selEvents = g.events
			ns.delayed = g.filter == filterSelectedDelayed
			if g.fetch != nil {
				// §5.2: clients SHOULD NOT ask for items that set \Seen;
				// a notification never does.
				g.fetch.setSeen = false
				g.fetch.uid = true
				ns.fetch = g.fetch
			}
		default:
			if g.events == 0 {
				continue
			}
			ns.groups = append(ns.groups, g.notifyGroup)
			if g.events&evList != 0 {
				ns.anyList = true
			}
			if g.events&evServerMetadata != 0 {
				ns.serverMeta = true
			}
			if g.filter == filterSubscribed {
				ns.subFilter = true
			}
		}
	}
	return ns, nil
}

// startNotifier opens the backend watcher for the non-selected groups and
// watches the mailboxes they match.
func (c *conn) startNotifier(ns *notifyState) *status {
	nu, isNotify := c.user.(NotifyUser)
	if !isNotify {
		return no("CANNOT", "Notifications about other mailboxes are not supported")
	}
	all, err := c.notifyMailboxList()
	if err != nil {
		return c.backendError("NOTIFY", err)
	}
	w := ns.watchSet(all)
	if len(w) > c.srv.maxNotifyMailboxes() {
		// §3.1: the server MAY refuse an expensive NOTIFY this way.
		return no("NOTIFICATIONOVERFLOW", "Too many mailboxes to watch")
	}
	n, err := nu.Notify(c.ctx, c.srv.notifyQueueSize())
	if err != nil {
		return c.backendError("NOTIFY", err)
	}
	ns.notifier = n
	if err := c.applyWatch(ns, w); err != nil {
		ns.close()
		return c.backendError("NOTIFY", err)
	}
	return nil
}

// notifyMailboxList is ListMailboxes with INBOX, which always exists.
func (c *conn) notifyMailboxList() ([]MailboxInfo, error) {
	all, err := c.user.ListMailboxes(c.ctx)
	if err != nil {
		return nil, err
	}
	for _, m := range all {
		if m.Name == "INBOX" {
			return all, nil
		}
	}
	return append(all, MailboxInfo{Name: "INBOX"}), nil
}

// applyWatch hands the watched set to the backend.
func (c *conn) applyWatch(ns *notifyState, w map[string]notifyEvents) error {
	names := make([]string, 0, len(w))
	for n := range w {
		names = append(names, n)
	}
	slices.Sort(names)
	if err := ns.notifier.Watch(c.ctx, names); err != nil {
		return err
	}
	ns.watched = w
	for n := range ns.lastUnseen {
		if _, ok := w[n]; !ok {
			delete(ns.lastUnseen, n)
		}
	}
	return nil
}
