package imapserver

import (
	"slices"

	"github.com/mailwire/mailwire/imap"
)

// RFC 5465 §5.2: "A FETCH response SHOULD NOT be generated for a new
// message created by the client on this particular connection, for
// instance, as the result of an APPEND or COPY command to the selected
// mailbox performed by the client itself."
//
// Suppressing every MessageNew during the client's own command would also
// hide messages other sessions deliver meanwhile, so the server remembers
// exactly the UIDs its APPEND, COPY and MOVE created (their APPENDUID and
// COPYUID results) and leaves only those out of the MessageNew FETCH. The
// EXISTS still counts them: sequence numbers are the view's, and RFC 9051
// §7.4.1 requires EXISTS for every message the client is to address.

// maxOwnRanges bounds the remembered UID ranges of one session (one
// command's worth is consumed at the next notification). Past it the
// oldest are forgotten: those messages then get a FETCH, which is only
// redundant.
const maxOwnRanges = 1024

// ownNew is the set of UIDs this session created in the selected mailbox
// that NOTIFY has not yet reported.
type ownNew struct {
	sel    *selected  // the selection the UIDs belong to
	ranges []numRange // ascending, disjoint, non-adjacent
}

// noteOwnNew records that this session's own command created uids in
// mailbox name (UIDVALIDITY uidValidity). It does nothing unless NOTIFY
// asks for MessageNew FETCHes of that mailbox, selected now.
func (c *conn) noteOwnNew(name string, uidValidity uint32, uids ...uint32) {
	ns := c.notify
	if ns == nil || ns.fetch == nil || ns.selEvents&evMessageNew == 0 || c.sel == nil ||
		c.sel.name != name || c.sel.uidValidity != uidValidity {
		return
	}
	if ns.own.sel != c.sel {
		ns.own = ownNew{sel: c.sel}
	}
	for _, u := range uids {
		ns.own.add(u)
	}
}

// add inserts uid, merging it with its neighbours.
func (o *ownNew) add(uid uint32) {
	if uid == 0 {
		return
	}
	r := o.ranges
	i, _ := slices.BinarySearchFunc(r, uid, func(x numRange, u uint32) int {
		switch {
		case x.hi < u:
			return -1
		case x.lo > u:
			return 1
		}
		return 0
	})
	switch {
	case i < len(r) && r[i].lo <= uid && uid <= r[i].hi:
		return // already there
	case i > 0 && r[i-1].hi+1 == uid:
		r[i-1].hi = uid
		if i < len(r) && r[i].lo == uid+1 {
			r[i-1].hi = r[i].hi
			r = slices.Delete(r, i, i+1)
		}
	case i < len(r) && r[i].lo == uid+1:
		r[i].lo = uid
	default:
		r = slices.Insert(r, i, numRange{uid, uid})
	}
	if len(r) > maxOwnRanges {
		r = slices.Delete(r, 0, len(r)-maxOwnRanges)
	}
	o.ranges = r
}

// newFetchSet returns the UIDs lo..hi for MessageNew FETCH without the
// session's own, and forgets the own UIDs up to hi (they are reported
// now). ok is false when nothing is left to fetch.
func (ns *notifyState) newFetchSet(sel *selected, lo, hi uint32) (set numSet, ok bool) {
	if ns.own.sel != sel {
		ns.own = ownNew{}
	}
	var out []numRange
	next := lo // the lowest UID not yet placed or skipped
	for _, r := range ns.own.ranges {
		if r.hi < next {
			continue
		}
		if r.lo > hi {
			break
		}
		if r.lo > next {
			out = append(out, numRange{next, r.lo - 1})
		}
		next = r.hi + 1
		if next == 0 || next > hi { // wrapped or past the end
			next = 0
			break
		}
	}
	if next != 0 && next <= hi {
		out = append(out, numRange{next, hi})
	}
	// Forget what is at or below hi: those messages are in the view now.
	keep := ns.own.ranges[:0]
	for _, r := range ns.own.ranges {
		if r.hi <= hi {
			continue
		}
		if r.lo <= hi {
			r.lo = hi + 1
		}
		keep = append(keep, r)
	}
	ns.own.ranges = keep
	if len(out) == 0 {
		return numSet{}, false
	}
	set.ranges = out
	set.set = make(imap.SeqSet, len(out))
	for i, r := range out {
		set.set[i] = imap.NumRange{Start: r.lo, Stop: r.hi}
	}
	return set, true
}
