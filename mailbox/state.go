package mailbox

import (
	"sort"
	"time"
)

// msgRec is the resident per-message index entry: 56 bytes, no pointers,
// so a 100,000-message mailbox costs ~5.6 MB and nothing for the GC to scan.
type msgRec struct {
	uid    uint32
	kwset  uint32 // keyword set id in the mailbox's kwTable
	modseq uint64
	size   int64
	idate  int64  // internal date, Unix seconds
	sdate  int64  // save date, Unix seconds
	loc    int64  // backend-specific locator (Maildir: offset of the append record)
	reclen uint32 // backend-specific (Maildir: length of the append record)
	tz     int16  // internal date's zone offset in minutes
	sys    uint8  // system flags
	bits   uint8  // backend-specific bits (Maildir: file is in new/)
}

func (r *msgRec) internalDate() time.Time {
	return time.Unix(r.idate, 0).In(zoneFor(r.tz))
}

func zoneFor(tz int16) *time.Location {
	if tz == 0 {
		return time.UTC
	}
	return time.FixedZone("", int(tz)*60)
}

func zoneOffset(t time.Time) int16 {
	_, off := t.Zone()
	return int16(off / 60)
}

type tombstone struct {
	uid    uint32
	modseq uint64
}

// mstate is the in-memory state of one mailbox, shared by all stores. It is
// guarded by the owning mbox's mutex. Every mutation method keeps the
// counters current so Status never scans.
type mstate struct {
	uidValidity   uint32
	uidNext       uint32
	highestModSeq uint64
	msgs          []msgRec // ascending UID
	kw            *kwTable
	unseen        uint32
	deleted       uint32
	size          int64
	tombs         []tombstone // ascending modseq
	tombFloor     uint64      // tombstones with modseq <= tombFloor were dropped
	maxTombs      int
	meta          map[string][]byte
	snap          *MailboxSnapshot // cached by snapshot() until the next change

	// unverified is set while msgs are still as mapped from a snapshot
	// that was opened lazily and not yet checked: nothing may read or
	// change msgs before the backend's needRecords clears it (the counts
	// above and snap are checked already).
	unverified *recCheck
	mapping    *snapMapping // keeps the snapshot mapping msgs may live in
}

func newMState(uidValidity uint32, maxTombs int) *mstate {
	return &mstate{uidValidity: uidValidity, uidNext: 1, kw: newKwTable(), maxTombs: maxTombs, highestModSeq: 1}
}

func (s *mstate) count(r *msgRec, sign int) {
	if r.sys&sysSeen == 0 {
		s.unseen += uint32(sign)
	}
	if r.sys&sysDeleted != 0 {
		s.deleted += uint32(sign)
	}
	s.size += int64(sign) * r.size
}

// find returns the index of uid in msgs, or -1.
func (s *mstate) find(uid uint32) int {
	i := sort.Search(len(s.msgs), func(i int) bool { return s.msgs[i].uid >= uid })
	if i < len(s.msgs) && s.msgs[i].uid == uid {
		return i
	}
	return -1
}

// add appends a message (uid must be >= uidNext).
func (s *mstate) add(r msgRec) {
	s.msgs = append(s.msgs, r)
	s.count(&s.msgs[len(s.msgs)-1], 1)
	if r.uid >= s.uidNext {
		s.uidNext = r.uid + 1
	}
	if r.modseq > s.highestModSeq {
		s.highestModSeq = r.modseq
	}
}

// setFlags changes the flags of msgs[i].
func (s *mstate) setFlags(i int, sys uint8, kwset uint32, modseq uint64) {
	r := &s.msgs[i]
	s.count(r, -1)
	r.sys, r.kwset, r.modseq = sys, kwset, modseq
	s.count(r, 1)
	if modseq > s.highestModSeq {
		s.highestModSeq = modseq
	}
}

// expunge removes the given UIDs (any order) and records tombstones.
func (s *mstate) expunge(uids map[uint32]bool, modseq uint64) {
	out := s.msgs[:0]
	for i := range s.msgs {
		r := &s.msgs[i]
		if uids[r.uid] {
			s.count(r, -1)
			s.tombs = append(s.tombs, tombstone{r.uid, modseq})
			continue
		}
		out = append(out, *r)
	}
	clear(s.msgs[len(out):])
	s.msgs = out
	if modseq > s.highestModSeq {
		s.highestModSeq = modseq
	}
	if n := len(s.tombs) - s.maxTombs; s.maxTombs > 0 && n > 0 {
		s.tombFloor = s.tombs[n-1].modseq
		s.tombs = append(s.tombs[:0], s.tombs[n:]...)
	}
}

func (s *mstate) info(r *msgRec) MessageInfo {
	return MessageInfo{
		UID:          r.uid,
		ModSeq:       r.modseq,
		Size:         r.size,
		InternalDate: r.internalDate(),
		SaveDate:     time.Unix(r.sdate, 0).UTC(),
		Flags:        s.kw.flagStrings(r.sys, r.kwset),
	}
}

// vanishedSince implements Store.VanishedSince.
func (s *mstate) vanishedSince(modseq uint64) []uint32 {
	var out []uint32
	if modseq < s.tombFloor {
		// Tombstones were dropped: answer with every UID below UIDNEXT
		// that does not exist (a superset, RFC 7162 §3.2.5.1).
		j := 0
		for uid := uint32(1); uid < s.uidNext; uid++ {
			for j < len(s.msgs) && s.msgs[j].uid < uid {
				j++
			}
			if j < len(s.msgs) && s.msgs[j].uid == uid {
				continue
			}
			out = append(out, uid)
		}
		return out
	}
	for _, t := range s.tombs {
		if t.modseq > modseq {
			out = append(out, t.uid)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// applyFlagOp computes new flags for r.
func (s *mstate) applyFlagOp(r *msgRec, op FlagOp, sys uint8, kwIDs []uint16) (uint8, uint32) {
	switch op {
	case FlagsSet:
		ids := append([]uint16(nil), kwIDs...)
		return sys, s.kw.setID(ids)
	case FlagsAdd:
		cur := s.kw.set(r.kwset)
		ids := append([]uint16(nil), cur...)
		for _, id := range kwIDs {
			if !s.kw.hasKeyword(r.kwset, id) {
				ids = append(ids, id)
			}
		}
		if len(ids) == len(cur) {
			return r.sys | sys, r.kwset
		}
		return r.sys | sys, s.kw.setID(ids)
	default:
		cur := s.kw.set(r.kwset)
		var ids []uint16
		for _, id := range cur {
			drop := false
			for _, k := range kwIDs {
				if k == id {
					drop = true
					break
				}
			}
			if !drop {
				ids = append(ids, id)
			}
		}
		if len(ids) == len(cur) {
			return r.sys &^ sys, r.kwset
		}
		return r.sys &^ sys, s.kw.setID(ids)
	}
}

func (s *mstate) status(name, special string) MailboxStatus {
	return MailboxStatus{
		Name:          name,
		UIDValidity:   s.uidValidity,
		UIDNext:       s.uidNext,
		HighestModSeq: s.highestModSeq,
		Messages:      uint32(len(s.msgs)),
		Unseen:        s.unseen,
		Deleted:       s.deleted,
		Size:          s.size,
		SpecialUse:    special,
	}
}
