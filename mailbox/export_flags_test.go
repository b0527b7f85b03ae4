package mailbox

import "time"

// ApplyFlagRenames applies the deferred flag renames of every open mailbox
// of m now (what the quiet-period timer does).
func ApplyFlagRenames(m *Maildir) {
	for _, md := range openBoxes(m) {
		md.lock.Lock()
		if !md.closed {
			unlock, err := md.lockIndex()
			if err == nil {
				st, _ := md.flagState()
				md.applyRenames(st, true)
				unlock()
			}
		}
		md.lock.Unlock()
	}
}

// PendingFlagRenames counts the deferred flag renames of every open mailbox.
func PendingFlagRenames(m *Maildir) int {
	n := 0
	for _, md := range openBoxes(m) {
		md.lock.Lock()
		n += len(md.fl.pending)
		md.lock.Unlock()
	}
	return n
}

// SetRenameDelay changes the quiet period after which deferred flag
// renames are applied (the sync-marker delay), for a test.
func SetRenameDelay(d time.Duration) func() { return SetSyncTiming(d, syncAge) }

// SetRenameMaxDelay changes how long renames wait for a quiet period at
// most, for a test.
func SetRenameMaxDelay(d time.Duration) func() {
	old := renameMaxDelay
	renameMaxDelay = d
	return func() { renameMaxDelay = old }
}

// AbandonMaildir drops a store without closing it, as a killed process
// would: no pending rename is applied and no lock is released cleanly.
func AbandonMaildir(m *Maildir) {
	for _, md := range openBoxes(m) {
		md.lock.Lock()
		md.closed = true // the timer does nothing any more
		if md.timer != nil {
			md.timer.Stop()
		}
		md.lock.Unlock()
	}
}

func openBoxes(m *Maildir) []*mdBox {
	m.mu.Lock()
	var boxes []*mbox
	for _, u := range m.users {
		u.mu.Lock()
		for _, mb := range u.boxes {
			boxes = append(boxes, mb)
		}
		u.mu.Unlock()
	}
	m.mu.Unlock()
	var out []*mdBox
	for _, mb := range boxes {
		mb.mu.Lock()
		if md, ok := mb.be.(*mdBox); ok && md.lock != nil {
			out = append(out, md)
		}
		mb.mu.Unlock()
	}
	return out
}
