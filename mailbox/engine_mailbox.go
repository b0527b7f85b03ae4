package mailbox

import (
	"context"
	"slices"
	"sort"
	"sync"
)

// loadLocked loads a mailbox's state on first use; caller holds mb.mu.
func (e *engine) loadLocked(mb *mbox) error {
	if err := e.loadState(mb); err != nil {
		return err
	}
	return e.checkRecords(mb)
}

// recordChecker is implemented by backends whose states can have
// unchecked records (mstate.unverified).
type recordChecker interface{ needRecords(*mstate) error }

// checkRecords makes sure mb's records were checked (caller holds mb.mu).
func (e *engine) checkRecords(mb *mbox) error {
	if mb.st.unverified == nil {
		return nil
	}
	if rc, ok := mb.be.(recordChecker); ok {
		return rc.needRecords(mb.st)
	}
	return nil
}

// loadState is loadLocked for the few readers that use only a state's
// counters and cached snapshot, which a lazily opened snapshot has checked
// already: SELECT of a big mailbox does not read every message record.
func (e *engine) loadState(mb *mbox) error {
	if mb.gone {
		return ErrNoSuchMailbox
	}
	if mb.st != nil {
		return nil
	}
	be, st, err := e.be.openMailbox(mb.user.name, mb.name)
	if err != nil {
		return err
	}
	st.maxTombs = e.opts.Tombstones
	mb.be, mb.st = be, st
	if l, ok := be.(interface{ setLocker(sync.Locker) }); ok {
		l.setLocker(&mb.mu)
	}
	return nil
}

// lookup returns the mbox of user's mailbox name (not locked).
func (e *engine) lookup(user, name string) (*mbox, error) {
	cn, err := canonName(name)
	if err != nil {
		return nil, ErrNoSuchMailbox
	}
	u, err := e.user(user)
	if err != nil {
		return nil, err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.boxes == nil {
		if err := e.loadBoxes(u); err != nil {
			return nil, err
		}
	}
	mb := u.boxes[cn]
	if mb == nil {
		// Another process may have created it.
		if err := e.loadBoxes(u); err != nil {
			return nil, err
		}
		if mb = u.boxes[cn]; mb == nil {
			return nil, ErrNoSuchMailbox
		}
	}
	return mb, nil
}

// read runs fn with the mailbox locked and refreshed from other processes.
func (e *engine) read(user, name string, fn func(mb *mbox) error) error {
	return e.readState(user, name, true, fn)
}

// readCounters is read for fn that use only mb.st's counters and cached
// snapshot (see loadState).
func (e *engine) readCounters(user, name string, fn func(mb *mbox) error) error {
	return e.readState(user, name, false, fn)
}

func (e *engine) readState(user, name string, records bool, fn func(mb *mbox) error) error {
	mb, err := e.lookup(user, name)
	if err != nil {
		return err
	}
	mb.mu.Lock()
	defer mb.mu.Unlock()
	load := e.loadState
	if records {
		load = e.loadLocked
	}
	if err := load(mb); err != nil {
		return err
	}
	evs, err := mb.be.refresh(mb.st)
	if err != nil {
		return err
	}
	e.applyForeign(mb, evs)
	return fn(mb)
}

// readNoRefresh is read without looking for other processes' changes.
func (e *engine) readNoRefresh(user, name string, fn func(mb *mbox) error) error {
	mb, err := e.lookup(user, name)
	if err != nil {
		return err
	}
	mb.mu.Lock()
	defer mb.mu.Unlock()
	if err := e.loadLocked(mb); err != nil {
		return err
	}
	return fn(mb)
}

// write runs fn with the mailbox locked against threads and processes.
func (e *engine) write(mb *mbox, fn func() ([]Event, error)) error {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	if err := e.loadLocked(mb); err != nil {
		return err
	}
	evs, err := mb.be.begin(mb.st)
	if err != nil {
		return err
	}
	defer mb.be.end()
	e.applyForeign(mb, evs)
	evs, err = fn()
	mb.feed.Publish(evs...)
	return err
}

// applyForeign publishes changes another process made and invalidates the
// quota usage they affect.
func (e *engine) applyForeign(mb *mbox, evs []Event) {
	if len(evs) == 0 {
		return
	}
	mb.user.qmu.Lock()
	mb.user.usageKnown = false
	mb.user.qmu.Unlock()
	mb.feed.Publish(evs...)
}

func (e *engine) ListMailboxes(ctx context.Context, user string) ([]MailboxInfo, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, err := e.userLocked(user)
	if err != nil {
		return nil, err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if err := e.loadBoxes(u); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(u.boxes))
	for n := range u.boxes {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		if names[i] == "INBOX" || names[j] == "INBOX" {
			return names[i] == "INBOX" && names[j] != "INBOX"
		}
		return names[i] < names[j]
	})
	out := make([]MailboxInfo, 0, len(names))
	for i, n := range names {
		info := MailboxInfo{Name: n, SpecialUse: u.rec.SpecialUse[n], Subscribed: slices.Contains(u.rec.Subscribed, n)}
		for _, m := range names[i+1:] {
			if isChildOf(m, n) {
				info.HasChildren = true
				break
			}
		}
		if !info.HasChildren && n == "INBOX" {
			for m := range u.boxes {
				if isChildOf(m, n) {
					info.HasChildren = true
				}
			}
		}
		out = append(out, info)
	}
	return out, nil
}

func validSpecialUse(s string) bool {
	switch s {
	case "", SpecialSent, SpecialDrafts, SpecialTrash, SpecialJunk, SpecialArchive, SpecialAll, SpecialFlagged:
		return true
	}
	return false
}

func (e *engine) CreateMailbox(ctx context.Context, user, name, specialUse string) error {
	cn, err := canonName(name)
	if err != nil {
		return err
	}
	if !validSpecialUse(specialUse) {
		return ErrInvalidName
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	u, err := e.userLocked(user)
	if err != nil {
		return err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if err := e.loadBoxes(u); err != nil {
		return err
	}
	if u.boxes[cn] != nil {
		return ErrMailboxExists
	}
	// RFC 9051 §6.3.4: create missing superior names too.
	var created []ListEvent
	defer func() { e.publishList(ctx, u.name, created...) }() // feed_user.go
	for _, p := range append(parentNames(cn), cn) {
		if u.boxes[p] != nil {
			continue
		}
		if err := e.be.createMailbox(u.name, p); err != nil {
			return err
		}
		u.boxes[p] = &mbox{user: u, name: p}
		created = append(created, ListEvent{Kind: ListCreate, Name: p})
	}
	if specialUse != "" {
		if u.rec.SpecialUse == nil {
			u.rec.SpecialUse = map[string]string{}
		}
		u.rec.SpecialUse[cn] = specialUse
		return e.be.saveDB(e.db)
	}
	return nil
}

func (e *engine) DeleteMailbox(ctx context.Context, user, name string) error {
	cn, err := canonName(name)
	if err != nil {
		return ErrNoSuchMailbox
	}
	if cn == "INBOX" {
		return ErrInvalidName // RFC 9051 §6.3.5
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	u, err := e.userLocked(user)
	if err != nil {
		return err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if err := e.loadBoxes(u); err != nil {
		return err
	}
	mb := u.boxes[cn]
	if mb == nil {
		return ErrNoSuchMailbox
	}
	for n := range u.boxes {
		if isChildOf(n, cn) {
			return ErrHasChildren
		}
	}
	mb.mu.Lock()
	var size, count int64
	if mb.st != nil {
		size, count = mb.st.size, int64(len(mb.st.msgs))
	}
	known := mb.st != nil
	mb.mu.Unlock()
	e.markGone(mb)
	delete(u.boxes, cn)
	if err := e.be.deleteMailbox(u.name, cn); err != nil {
		return err
	}
	e.publishList(ctx, u.name, ListEvent{Kind: ListDelete, Name: cn}) // feed_user.go
	if known {
		u.addUsage(-size, -count)
	} else {
		u.qmu.Lock()
		u.usageKnown = false
		u.qmu.Unlock()
	}
	changed := false
	if _, ok := u.rec.SpecialUse[cn]; ok {
		delete(u.rec.SpecialUse, cn)
		changed = true
	}
	if _, ok := u.rec.MailboxMeta[cn]; ok {
		delete(u.rec.MailboxMeta, cn)
		changed = true
	}
	if changed {
		return e.be.saveDB(e.db)
	}
	return nil
}

func (e *engine) RenameMailbox(ctx context.Context, user, oldName, newName string) error {
	on, err := canonName(oldName)
	if err != nil {
		return ErrNoSuchMailbox
	}
	nn, err := canonName(newName)
	if err != nil {
		return err
	}
	if on == "INBOX" {
		return e.renameInbox(ctx, user, nn)
	}
	if nn == "INBOX" || isChildOf(nn, on) || nn == on {
		return ErrInvalidName
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	u, err := e.userLocked(user)
	if err != nil {
		return err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if err := e.loadBoxes(u); err != nil {
		return err
	}
	if u.boxes[on] == nil {
		return ErrNoSuchMailbox
	}
	if u.boxes[nn] != nil {
		return ErrMailboxExists
	}
	for _, p := range parentNames(nn) {
		if u.boxes[p] == nil {
			if err := e.be.createMailbox(u.name, p); err != nil {
				return err
			}
			u.boxes[p] = &mbox{user: u, name: p}
			e.publishList(ctx, u.name, ListEvent{Kind: ListCreate, Name: p}) // feed_user.go
		}
	}
	var moved []string
	for n := range u.boxes {
		if n == on || isChildOf(n, on) {
			moved = append(moved, n)
		}
	}
	for _, n := range moved {
		e.markGone(u.boxes[n])
		delete(u.boxes, n)
	}
	if err := e.be.renameMailbox(u.name, on, nn); err != nil {
		e.loadBoxes(u)
		return err
	}
	e.publishList(ctx, u.name, ListEvent{Kind: ListRename, Name: nn, OldName: on}) // feed_user.go
	rename := func(n string) string { return nn + n[len(on):] }
	for _, n := range moved {
		m := rename(n)
		u.boxes[m] = &mbox{user: u, name: m}
		if su, ok := u.rec.SpecialUse[n]; ok {
			delete(u.rec.SpecialUse, n)
			u.rec.SpecialUse[m] = su
		}
		if md, ok := u.rec.MailboxMeta[n]; ok {
			delete(u.rec.MailboxMeta, n)
			u.rec.MailboxMeta[m] = md
		}
	}
	return e.be.saveDB(e.db)
}

// renameInbox creates newName and moves every INBOX message into it
// (RFC 9051 §6.3.6); INBOX stays, empty.
func (e *engine) renameInbox(ctx context.Context, user, nn string) error {
	if nn == "INBOX" {
		return ErrMailboxExists
	}
	if err := e.CreateMailbox(ctx, user, nn, ""); err != nil {
		return err
	}
	var uids []uint32
	err := e.read(user, "INBOX", func(mb *mbox) error {
		for _, r := range mb.st.msgs {
			uids = append(uids, r.uid)
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, _, err = e.move(ctx, user, "INBOX", uids, nn, true)
	return err
}

func (e *engine) SetSubscribed(ctx context.Context, user, name string, subscribed bool) error {
	cn, err := canonName(name)
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	u, err := e.userLocked(user)
	if err != nil {
		return err
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	i := slices.Index(u.rec.Subscribed, cn)
	switch {
	case subscribed && i < 0:
		u.rec.Subscribed = append(u.rec.Subscribed, cn)
	case !subscribed && i >= 0:
		u.rec.Subscribed = slices.Delete(u.rec.Subscribed, i, i+1)
	default:
		return nil
	}
	if err := e.be.saveDB(e.db); err != nil {
		return err
	}
	ev := ListEvent{Kind: ListSubscribe, Name: cn} // feed_user.go
	if !subscribed {
		ev.Kind = ListUnsubscribe
	}
	e.publishList(ctx, u.name, ev)
	return nil
}

func (e *engine) Subscriptions(ctx context.Context, user string) ([]string, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, err := e.userLocked(user)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(u.rec.Subscribed)
	sort.Strings(out)
	return out, nil
}

func (e *engine) Status(ctx context.Context, user, mailbox string) (MailboxStatus, error) {
	var st MailboxStatus
	mb, err := e.lookup(user, mailbox)
	if err != nil {
		return st, err
	}
	mb.user.mu.Lock()
	su := mb.user.rec.SpecialUse[mb.name]
	mb.user.mu.Unlock()
	err = e.readCounters(user, mailbox, func(mb *mbox) error {
		st = mb.st.status(mb.name, su)
		st.MailboxID = mailboxID(st.UIDValidity)
		return nil
	})
	return st, err
}

func (e *engine) Watch(ctx context.Context, user, mailbox string) (*Subscription, error) {
	var sub *Subscription
	err := e.readCounters(user, mailbox, func(mb *mbox) error {
		sub = mb.feed.Subscribe(e.opts.EventBuffer)
		return nil
	})
	return sub, err
}
