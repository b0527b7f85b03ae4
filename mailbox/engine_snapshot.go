package mailbox

import "context"

// MailboxSnapshot is a compact, read-only picture of a mailbox's messages
// at one instant, for a session that opens the mailbox (IMAP SELECT):
// parallel arrays in ascending UID order instead of a MessageInfo with its
// own dates and flag slice per message. Message i has UID UIDs[i], MODSEQ
// ModSeqs[i] and the flags FlagSets[FlagIDs[i]].
//
// Every slice is shared by all callers that get the same snapshot (the
// store hands out one snapshot per mailbox state) and must never be
// modified; a session that needs to change its copy clones it first.
type MailboxSnapshot struct {
	Status   MailboxStatus
	UIDs     []uint32
	ModSeqs  []uint64
	FlagIDs  []uint32
	FlagSets [][]string // distinct flag lists, each read-only
}

// Snapshotter is implemented by stores that can produce a MailboxSnapshot
// (both built-in stores do). The IMAP adapter's SELECT uses it when
// available and falls back to Status and List otherwise.
type Snapshotter interface {
	Snapshot(ctx context.Context, user, mailbox string) (*MailboxSnapshot, error)
}

var _ Snapshotter = (*engine)(nil)

// Snapshot implements Snapshotter. The snapshot is built from the
// in-memory index without allocating per message beyond the arrays, and
// kept with the mailbox state until the next change (any change raises
// HIGHESTMODSEQ), so sessions that select an unchanged mailbox share it.
func (e *engine) Snapshot(ctx context.Context, user, mailbox string) (*MailboxSnapshot, error) {
	mb, err := e.lookup(user, mailbox)
	if err != nil {
		return nil, err
	}
	mb.user.mu.Lock()
	su := mb.user.rec.SpecialUse[mb.name]
	mb.user.mu.Unlock()
	var snap *MailboxSnapshot
	err = e.read(user, mailbox, func(mb *mbox) error {
		snap = mb.st.snapshot()
		if snap.Status.Name != mb.name || snap.Status.SpecialUse != su {
			// Renamed since, or a special use changed: the arrays are
			// still right, the status is per call.
			c := *snap
			c.Status.Name, c.Status.SpecialUse = mb.name, su
			snap = &c
		}
		return nil
	})
	return snap, err
}

// snapshot returns the cached snapshot of s, building it if s changed.
func (s *mstate) snapshot() *MailboxSnapshot {
	if c := s.snap; c != nil && c.Status.HighestModSeq == s.highestModSeq &&
		c.Status.UIDValidity == s.uidValidity && c.Status.UIDNext == s.uidNext &&
		len(c.UIDs) == len(s.msgs) && (len(s.msgs) == 0 || c.UIDs[len(c.UIDs)-1] == s.msgs[len(s.msgs)-1].uid) {
		return c
	}
	n := len(s.msgs)
	snap := &MailboxSnapshot{
		Status:  s.status("", ""),
		UIDs:    make([]uint32, n),
		ModSeqs: make([]uint64, n),
		FlagIDs: make([]uint32, n),
	}
	// Flag lists: messages without keywords index a table by their
	// system bits; the rare keyword combinations go through a map.
	var bySys [256]uint32 // 1 + index into FlagSets, 0 = not yet
	var other map[uint64]uint32
	for i := range s.msgs {
		r := &s.msgs[i]
		snap.UIDs[i] = r.uid
		snap.ModSeqs[i] = r.modseq
		var id uint32
		if r.kwset == 0 {
			if id = bySys[r.sys]; id == 0 {
				snap.FlagSets = append(snap.FlagSets, s.kw.flagStrings(r.sys, 0))
				id = uint32(len(snap.FlagSets))
				bySys[r.sys] = id
			}
		} else {
			if other == nil {
				other = map[uint64]uint32{}
			}
			k := uint64(r.kwset)<<8 | uint64(r.sys)
			if id = other[k]; id == 0 {
				snap.FlagSets = append(snap.FlagSets, s.kw.flagStrings(r.sys, r.kwset))
				id = uint32(len(snap.FlagSets))
				other[k] = id
			}
		}
		snap.FlagIDs[i] = id - 1
	}
	s.snap = snap
	return snap
}
