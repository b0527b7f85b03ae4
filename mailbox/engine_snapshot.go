package mailbox

import (
	"context"
)

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

	keys  []uint64 // per flag set: keyword set << 8 | system bits
	owner any      // keeps the memory the arrays live in (a file mapping)
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
	err = e.readCounters(user, mailbox, func(mb *mbox) error {
		if !mb.st.snapCurrent() {
			if err := e.checkRecords(mb); err != nil {
				return err
			}
		}
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
	if s.snapCurrent() {
		return s.snap
	}
	snap := newSnapArrays(len(s.msgs))
	f := fillSnapArrays(snap, s.msgs, 0, len(s.msgs))
	s.finishSnapshot(snap, []snapFill{f})
	return snap
}

// snapCurrent reports whether the cached snapshot is still s's state. Any
// change raises HIGHESTMODSEQ or changes UIDNEXT or the message count.
func (s *mstate) snapCurrent() bool {
	c := s.snap
	return c != nil && c.Status.HighestModSeq == s.highestModSeq &&
		c.Status.UIDValidity == s.uidValidity && c.Status.UIDNext == s.uidNext &&
		len(c.UIDs) == len(s.msgs) && (len(s.msgs) == 0 || c.UIDs[len(c.UIDs)-1] == s.msgs[len(s.msgs)-1].uid)
}

// newSnapArrays allocates the arrays of a snapshot of n messages.
func newSnapArrays(n int) *MailboxSnapshot {
	return &MailboxSnapshot{UIDs: make([]uint32, n), ModSeqs: make([]uint64, n), FlagIDs: make([]uint32, n)}
}

// snapFill is what fillSnapArrays found in its range of messages.
type snapFill struct {
	maxSys uint8   // highest system-flag bits of a message without keywords
	kw     []int32 // indexes of the messages with keywords
}

// fillSnapArrays fills messages lo..hi-1 of snap's arrays from msgs. It
// touches nothing else, so disjoint ranges can be filled in parallel (the
// snapshot loader does it while checking the records). A message without
// keywords gets its system-flag bits as flag id; finishSnapshot assigns
// the others.
func fillSnapArrays(snap *MailboxSnapshot, msgs []msgRec, lo, hi int) snapFill {
	var f snapFill
	uids, modseqs, ids := snap.UIDs[lo:hi], snap.ModSeqs[lo:hi], snap.FlagIDs[lo:hi]
	for i := range uids {
		r := &msgs[lo+i]
		uids[i] = r.uid
		modseqs[i] = r.modseq
		if r.kwset != 0 {
			f.kw = append(f.kw, int32(lo+i))
			continue
		}
		sys := r.sys & sysMask
		ids[i] = uint32(sys)
		f.maxSys = max(f.maxSys, sys)
	}
	return f
}

// sysMask keeps the defined system-flag bits.
const sysMask = 1<<len(sysNames) - 1

// finishSnapshot completes a snapshot whose arrays fillSnapArrays filled
// from s.msgs: FlagSets[0..maxSys] are the lists of system flags alone
// (indexed by their bits, so that the fill needs no shared table), then
// one list per keyword combination in use. It caches snap as s's snapshot.
func (s *mstate) finishSnapshot(snap *MailboxSnapshot, fills []snapFill) {
	var maxSys uint8
	for _, f := range fills {
		maxSys = max(maxSys, f.maxSys)
	}
	snap.FlagSets = make([][]string, int(maxSys)+1, int(maxSys)+2)
	snap.keys = make([]uint64, len(snap.FlagSets), cap(snap.FlagSets))
	for sys := range snap.FlagSets {
		snap.FlagSets[sys] = s.kw.flagStrings(uint8(sys), 0)
		snap.keys[sys] = uint64(sys)
	}
	var other map[uint64]uint32
	for _, f := range fills {
		for _, i := range f.kw {
			r := &s.msgs[i]
			if other == nil {
				other = map[uint64]uint32{}
			}
			k := uint64(r.kwset)<<8 | uint64(r.sys&sysMask)
			id, ok := other[k]
			if !ok {
				id = uint32(len(snap.FlagSets))
				snap.FlagSets = append(snap.FlagSets, s.kw.flagStrings(r.sys&sysMask, r.kwset))
				snap.keys = append(snap.keys, k)
				other[k] = id
			}
			snap.FlagIDs[i] = id
		}
	}
	snap.Status = s.status("", "")
	s.snap = snap
}
