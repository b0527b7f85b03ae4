package imapserver

import (
	"slices"
	"strings"
)

// This file holds a connection's NOTIFY state (RFC 5465) and turns the
// backend's events into untagged responses: EXISTS/EXPUNGE/FETCH for the
// selected mailbox, STATUS for other watched mailboxes, LIST for mailbox
// names and subscriptions. cmd_notify.go parses the command;
// notify_wait.go sends the responses between commands.

// notifyEvents is a set of RFC 5465 §5 event types.
type notifyEvents uint8

const (
	evMessageNew notifyEvents = 1 << iota
	evMessageExpunge
	evFlagChange
	evMailboxName
	evSubscriptionChange
	evMailboxMetadata // MailboxMetadataChange (§5.6)
	evServerMetadata  // ServerMetadataChange (§5.7): a user event

	evMessage = evMessageNew | evMessageExpunge | evFlagChange
	evList    = evMailboxName | evSubscriptionChange
	evMeta    = evMailboxMetadata | evServerMetadata
)

// notifySupported lists the events this server reports, for BADEVENT
// (RFC 5465 §3.1: the code MUST list all supported events).
// MailboxMetadataChange and ServerMetadataChange are REQUIRED because
// METADATA and METADATA-SERVER are announced (§5.6, §5.7).
const notifySupported = "MessageNew MessageExpunge FlagChange MailboxName SubscriptionChange MailboxMetadataChange ServerMetadataChange"

// filterKind is the mailbox specifier of an event group (RFC 5465 §6).
type filterKind uint8

const (
	filterSelected filterKind = iota + 1
	filterSelectedDelayed
	filterInboxes
	filterPersonal
	filterSubscribed
	filterSubtree
	filterMailboxes
)

// notifyGroup is one event group of NOTIFY SET for non-selected mailboxes.
type notifyGroup struct {
	filter filterKind
	names  []string // SUBTREE, MAILBOXES
	events notifyEvents
}

// matches reports whether the group covers mailbox name. subscribed
// tells whether name is subscribed (for SUBSCRIBED).
func (g *notifyGroup) matches(name string, subscribed bool) bool {
	switch g.filter {
	case filterPersonal, filterInboxes:
		// RFC 5465 §6.3: a server that cannot tell which mailboxes
		// receive mail treats INBOXES as PERSONAL; backends here do not
		// say.
		return true
	case filterSubscribed:
		return subscribed
	case filterSubtree:
		for _, n := range g.names {
			if name == n || strings.HasPrefix(name, n+string(Delimiter)) {
				return true
			}
		}
	case filterMailboxes:
		// §6.6: no wildcard expansion.
		return slices.Contains(g.names, name)
	}
	return false
}

// notifyState is what a successful NOTIFY SET asked for.
type notifyState struct {
	user User // the user it was set for (UNAUTHENTICATE drops it)
	// selEvents are the message events of SELECTED or SELECTED-DELAYED;
	// zero means the selected mailbox is reported only at the end of
	// commands, as without NOTIFY.
	selEvents notifyEvents
	delayed   bool       // SELECTED-DELAYED: expunges wait for a command (§6.1.2)
	fetch     *fetchPlan // MessageNew's fetch-att for the selected mailbox
	// fetchSel and fetchedUID: the highest UID of the selected mailbox
	// whose MessageNew FETCH was sent (or that was there before), so that
	// messages a command's end already announced with EXISTS still get
	// their FETCH.
	fetchSel   *selected
	fetchedUID uint32
	// own: UIDs this session's APPEND, COPY or MOVE created in the
	// selected mailbox, which get no MessageNew FETCH (notify_own.go).
	own     ownNew
	groups  []notifyGroup
	anyList bool // some group asks for MailboxName or SubscriptionChange
	// serverMeta: some group asks for ServerMetadataChange, which does
	// not depend on its mailbox filter (§5.7).
	serverMeta bool
	subFilter  bool // some group uses SUBSCRIBED: resubscribe on changes

	notifier Notifier
	// watched maps the watched mailboxes to their message events.
	watched map[string]notifyEvents
	// subscribed is the subscription list as of the last evaluation,
	// for matching deleted names against SUBSCRIBED.
	subscribed map[string]bool
	// lastUnseen is the UNSEEN count last sent per watched mailbox: a
	// flag change that leaves it unchanged is not reported without
	// CONDSTORE (§5.1).
	lastUnseen map[string]uint32
}

// listEvents returns the union of list events the groups ask for name.
func (ns *notifyState) listEvents(name string, subscribed bool) notifyEvents {
	return ns.mailboxEvents(name, subscribed, evList)
}

// mailboxEvents returns the union of the events in mask that the groups
// matching name ask for.
func (ns *notifyState) mailboxEvents(name string, subscribed bool, mask notifyEvents) notifyEvents {
	var ev notifyEvents
	for i := range ns.groups {
		if ns.groups[i].events&mask != 0 && ns.groups[i].matches(name, subscribed) {
			ev |= ns.groups[i].events & mask
		}
	}
	return ev
}

// watchSet computes the mailboxes whose message events are watched.
func (ns *notifyState) watchSet(all []MailboxInfo) map[string]notifyEvents {
	w := make(map[string]notifyEvents)
	ns.subscribed = make(map[string]bool)
	for _, m := range all {
		if m.Subscribed {
			ns.subscribed[m.Name] = true
		}
		if m.NoSelect {
			continue // §6.2, §6.5: selectable mailboxes only
		}
		var ev notifyEvents
		for i := range ns.groups {
			g := &ns.groups[i]
			if g.events&evMessage != 0 && g.matches(m.Name, m.Subscribed) {
				ev |= g.events & evMessage
			}
		}
		if ev != 0 {
			w[m.Name] = ev
		}
	}
	return w
}

// close releases the backend watcher.
func (ns *notifyState) close() {
	if ns.notifier != nil {
		ns.notifier.Close()
		ns.notifier = nil
	}
}

// resetNotify ends NOTIFY (NOTIFY NONE, overflow, new user).
func (c *conn) resetNotify() {
	if c.notify != nil {
		c.notify.close()
		c.notify = nil
	}
}

// notifyActive returns the NOTIFY state if it belongs to the current user.
func (c *conn) notifyActive() *notifyState {
	ns := c.notify
	if ns == nil {
		return nil
	}
	if ns.user != c.user || c.user == nil {
		c.resetNotify()
		return nil
	}
	return ns
}

// notifyOverflow disables notifications (RFC 5465 §5.8).
func (c *conn) notifyOverflow() {
	c.resetNotify()
	c.writeRaw("* OK [NOTIFICATIONOVERFLOW] Too many notifications; NOTIFY NONE is in effect\r\n")
}

// rewatch re-evaluates the watched set from a fresh mailbox list (after
// a mailbox was created, deleted, renamed or (un)subscribed). It reports
// false after an overflow.
func (c *conn) rewatch(ns *notifyState, all []MailboxInfo) bool {
	w := ns.watchSet(all)
	if len(w) > c.srv.maxNotifyMailboxes() {
		c.notifyOverflow()
		return false
	}
	if err := c.applyWatch(ns, w); err != nil {
		c.log.Error("imapserver: NOTIFY watch failed", "err", err)
		c.notifyOverflow()
		return false
	}
	return true
}

// sendNotifications writes what NOTIFY asked for and what happened since
// the last call. inIdle allows expunges for SELECTED-DELAYED (§6.1.2).
func (c *conn) sendNotifications(inIdle bool) {
	ns := c.notifyActive()
	if ns == nil {
		return
	}
	if c.sel != nil && ns.selEvents != 0 {
		c.notifySelected(ns, inIdle || !ns.delayed)
	}
	if ns.notifier != nil {
		c.notifyOthers(ns)
	}
}

// notifySelected reports the selected mailbox's changes: EXPUNGE (or
// VANISHED) when allowed, EXISTS then FETCH of the requested items for
// new messages (§5.2), FETCH FLAGS with UID for FlagChange (§5.1).
func (c *conn) notifySelected(ns *notifyState, allowExpunge bool) {
	v := &c.sel.view
	c.pullChanges()
	var held map[uint32]struct{}
	if ns.selEvents&evFlagChange == 0 {
		// Not asked for: keep them for the end of the next command.
		held = v.pendingFlags
		v.pendingFlags = nil
	}
	if ns.fetchSel != c.sel {
		ns.fetchSel = c.sel
		ns.fetchedUID = 0
		if n := len(v.uids); n > 0 {
			ns.fetchedUID = v.uids[n-1]
		}
	}
	before := ns.fetchedUID
	c.sendUpdates(allowExpunge)
	if held != nil {
		if v.pendingFlags == nil {
			v.pendingFlags = held
		} else {
			for u := range held {
				v.pendingFlags[u] = struct{}{}
			}
		}
	}
	n := len(v.uids)
	if n == 0 || v.uids[n-1] <= before {
		return
	}
	ns.fetchedUID = v.uids[n-1]
	if ns.fetch == nil {
		return
	}
	// Messages this session created itself get no FETCH (§5.2 SHOULD
	// NOT); others' that arrived meanwhile do.
	set, ok := ns.newFetchSet(c.sel, before+1, v.uids[n-1])
	if !ok {
		return
	}
	if st := c.fetch(set, true, ns.fetch); st.kind != "OK" {
		c.log.Debug("imapserver: NOTIFY fetch failed", "text", st.text)
	}
}

// pendingList is one LIST response to send.
type pendingList struct {
	name, oldName string
	kind          NotifyEventKind
}

// notifyOthers reports the backend's events for other mailboxes.
func (c *conn) notifyOthers(ns *notifyState) {
	evs, overflow := ns.notifier.Events()
	if overflow || len(evs) > c.srv.notifyQueueSize() {
		c.notifyOverflow()
		return
	}
	var (
		lists    []pendingList
		meta     pendingMetadata
		dirty    map[string]ChangeKind // bit set of 1<<ChangeKind
		relist   bool
		selected string
	)
	if c.sel != nil {
		selected = c.sel.name
	}
	addList := func(p pendingList) {
		for _, q := range lists {
			if q == p {
				return
			}
		}
		lists = append(lists, p)
	}
	for _, ev := range evs {
		switch ev.Kind {
		case NotifyMessages:
			// SELECTED governs the selected mailbox's message events,
			// even if another filter names it (§3.1).
			want := ns.watched[ev.Name]
			if ev.Name == selected || want == 0 {
				continue
			}
			if ev.Change == ChangeFlags && want&evFlagChange == 0 {
				continue
			}
			if dirty == nil {
				dirty = make(map[string]ChangeKind)
			}
			dirty[ev.Name] |= 1 << ev.Change
		case NotifyCreate, NotifyDelete, NotifyRename:
			relist = true
			if ns.listEvents(ev.Name, ns.subscribed[ev.Name])&evMailboxName != 0 ||
				(ev.Kind == NotifyRename && ns.listEvents(ev.OldName, ns.subscribed[ev.OldName])&evMailboxName != 0) {
				addList(pendingList{name: ev.Name, oldName: ev.OldName, kind: ev.Kind})
			}
			// §5.4: the direct parent of a created or deleted mailbox is
			// affected too.
			if ev.Kind != NotifyRename {
				if i := strings.LastIndexByte(ev.Name, Delimiter); i > 0 {
					p := ev.Name[:i]
					if ns.listEvents(p, ns.subscribed[p])&evMailboxName != 0 {
						addList(pendingList{name: p, kind: NotifyCreate})
					}
				}
			}
		case NotifySubscribe, NotifyUnsubscribe:
			if ns.subFilter {
				relist = true
			}
			// It was subscribed before or after: SUBSCRIBED matches either way.
			if (ns.listEvents(ev.Name, true)|ns.listEvents(ev.Name, false))&evSubscriptionChange != 0 {
				addList(pendingList{name: ev.Name, kind: ev.Kind})
			}
		case NotifyMetadata:
			// §5.7: server entries go to every ServerMetadataChange
			// group; §5.6: mailbox entries to groups matching the
			// mailbox, whether it is selected or not.
			if ev.Name == "" && ns.serverMeta ||
				ev.Name != "" && ns.mailboxEvents(ev.Name, ns.subscribed[ev.Name], evMailboxMetadata) != 0 {
				meta.add(ev.Name, ev.Entry)
			}
		}
	}
	c.writeNotifyMetadata(&meta)
	if len(lists) > 0 || relist {
		all, err := c.notifyMailboxList()
		if err != nil {
			c.log.Error("imapserver: NOTIFY list failed", "err", err)
			return
		}
		c.writeNotifyLists(lists, all)
		if relist && !c.rewatch(ns, all) {
			return
		}
	}
	if len(dirty) == 0 {
		return
	}
	names := make([]string, 0, len(dirty))
	for n := range dirty {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		flagsOnly := dirty[n] == 1<<ChangeFlags
		c.writeNotifyStatus(ns, n, flagsOnly)
	}
}

// writeNotifyStatus sends STATUS for a watched mailbox (§5.1-§5.3, §3.1):
// MESSAGES UIDNEXT UIDVALIDITY UNSEEN, and HIGHESTMODSEQ once CONDSTORE is
// enabled. A flag change that moved no UNSEEN count is not reported
// without CONDSTORE (§5.1).
func (c *conn) writeNotifyStatus(ns *notifyState, name string, flagsOnly bool) {
	st, err := c.user.Status(c.ctx, name)
	if err != nil {
		c.log.Debug("imapserver: NOTIFY status failed", "mailbox", name, "err", err)
		return
	}
	if flagsOnly && !c.enabled.condstore {
		if last, ok := ns.lastUnseen[name]; ok && last == st.Unseen {
			return
		}
	}
	if ns.lastUnseen == nil {
		ns.lastUnseen = make(map[string]uint32)
	}
	ns.lastUnseen[name] = st.Unseen
	b := append([]byte("* STATUS "), appendAString(nil, c.encodeMailbox(name))...)
	b = append(b, " (MESSAGES "...)
	b = appendUint(b, uint64(st.Messages))
	b = append(b, " UIDNEXT "...)
	b = appendUint(b, uint64(st.UIDNext))
	b = append(b, " UIDVALIDITY "...)
	b = appendUint(b, uint64(st.UIDValidity))
	b = append(b, " UNSEEN "...)
	b = appendUint(b, uint64(st.Unseen))
	if c.enabled.condstore {
		b = append(b, " HIGHESTMODSEQ "...)
		b = appendUint(b, st.HighestModSeq)
	}
	b = append(b, ")\r\n"...)
	c.bw.Write(b)
}

// writeNotifyLists sends the LIST responses of MailboxName (§5.4) and
// SubscriptionChange (§5.5) with attributes computed from all, the list
// after the events.
func (c *conn) writeNotifyLists(lists []pendingList, all []MailboxInfo) {
	byName := make(map[string]*MailboxInfo, len(all))
	for i := range all {
		byName[all[i].Name] = &all[i]
	}
	hasChildren := func(name string) bool {
		p := name + string(Delimiter)
		for i := range all {
			if strings.HasPrefix(all[i].Name, p) {
				return true
			}
		}
		return false
	}
	var b []byte
	for _, l := range lists {
		m := byName[l.name]
		var attrs []string
		if m == nil {
			attrs = append(attrs, `\NonExistent`)
			if l.kind == NotifySubscribe {
				attrs = append(attrs, `\Subscribed`)
			}
		} else {
			if m.NoSelect {
				attrs = append(attrs, `\Noselect`)
			}
			if hasChildren(l.name) {
				attrs = append(attrs, `\HasChildren`)
			} else {
				attrs = append(attrs, `\HasNoChildren`)
			}
			if m.Subscribed {
				attrs = append(attrs, `\Subscribed`)
			}
			attrs = append(attrs, m.SpecialUse...)
		}
		b = append(b[:0], "* LIST ("...)
		b = append(b, strings.Join(attrs, " ")...)
		b = append(b, `) "/" `...)
		b = appendAString(b, c.encodeMailbox(l.name))
		if l.oldName != "" {
			b = append(b, ` ("OLDNAME" (`...)
			b = appendAString(b, c.encodeMailbox(l.oldName))
			b = append(b, "))"...)
		}
		b = append(b, "\r\n"...)
		c.bw.Write(b)
	}
}

// pendingMetadata collects the changed METADATA entries of one batch of
// events per mailbox, without repeats; mailboxes in order of arrival,
// entries sorted (events of one batch may arrive in any order).
type pendingMetadata struct {
	names   []string
	entries map[string][]string
}

func (p *pendingMetadata) add(name, entry string) {
	if p.entries == nil {
		p.entries = make(map[string][]string)
	}
	cur, seen := p.entries[name]
	if !seen {
		p.names = append(p.names, name)
	}
	if !slices.Contains(cur, entry) {
		p.entries[name] = append(cur, entry)
	}
}

// writeNotifyMetadata sends one unsolicited METADATA response per mailbox
// ("" for the server) naming the changed entries, deleted ones included
// (RFC 5465 §5.6, §5.7; RFC 5464 §4.4.2: entry names without values).
func (c *conn) writeNotifyMetadata(p *pendingMetadata) {
	var b []byte
	for _, name := range p.names {
		b = append(b[:0], "* METADATA "...)
		if name == "" {
			b = append(b, `""`...)
		} else {
			b = appendAString(b, c.encodeMailbox(name))
		}
		entries := p.entries[name]
		slices.Sort(entries)
		for _, e := range entries {
			b = append(b, ' ')
			b = appendAString(b, e)
		}
		b = append(b, "\r\n"...)
		c.bw.Write(b)
	}
}
