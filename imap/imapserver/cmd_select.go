package imapserver

import (
	"errors"
	"strconv"
	"strings"
)

// cmdSelect implements SELECT and EXAMINE (RFC 9051 §6.3.2, §6.3.3) with
// CONDSTORE and QRESYNC parameters (RFC 7162 §3.1.8, §3.2.5).
func (c *conn) cmdSelect(bool) *status {
	readOnly := c.verbOf() == "EXAMINE"
	c.expectSP()
	name := c.mailboxName()
	var qr *qresyncParams
	if c.sp() {
		c.openParen()
		for c.peek() != ')' {
			switch c.atomUpper() {
			case "CONDSTORE":
				c.enabled.condstore = true
			case "QRESYNC":
				if !c.enabled.qresync {
					return bad("QRESYNC is not enabled")
				}
				c.expectSP()
				qr = c.parseQresync()
			default:
				c.fail("Unknown SELECT parameter")
			}
			if !c.sp() {
				break
			}
		}
		c.closeParen()
	}
	c.expectEnd()
	if c.sel != nil {
		c.unselect()
		if c.enabled.rev2 || c.enabled.condstore {
			// RFC 7162 §3.2.11, RFC 9051 §7.1: [CLOSED] ends the
			// previous mailbox's responses.
			c.untagged("OK [CLOSED] Previous mailbox closed")
		}
	}
	mbox, err := c.user.Select(c.ctx, name, readOnly)
	if err != nil {
		return c.backendError("SELECT", err)
	}
	s := &selected{mbox: mbox, name: name, readOnly: readOnly}
	st := mbox.Status()
	s.uidValidity = st.UIDValidity
	s.highestModSeq = st.HighestModSeq
	v := &s.view
	if ss, ok := mbox.(SharedSnapshot); ok {
		uids, modseqs, flagIDs, flagSets := ss.SnapshotArrays()
		highest, ok := v.fromArrays(uids, modseqs, flagIDs, flagSets, &c.flagCache)
		if !ok {
			err = errBadSnapshot
		}
		s.highestModSeq = max(s.highestModSeq, highest)
	} else {
		if st.Messages > 0 {
			v.grow(int(st.Messages))
		}
		err = mbox.Snapshot(c.ctx, func(m MessageMeta) error {
			v.add(m.UID, c.flagCache.intern(m.Flags), m.ModSeq)
			if m.ModSeq > s.highestModSeq {
				s.highestModSeq = m.ModSeq
			}
			return nil
		})
	}
	if err != nil {
		mbox.Close()
		return c.backendError("SELECT", err)
	}
	c.sel = s
	c.state = stateSelected
	if !c.enabled.rev2 && st.Recent > 0 {
		// \Recent: the newest messages as the store counts them.
		v.recent = make(map[uint32]struct{}, st.Recent)
		for i := len(v.uids) - int(st.Recent); i < len(v.uids); i++ {
			if i >= 0 {
				v.recent[v.uids[i]] = struct{}{}
			}
		}
	}
	v.reportedExists = len(v.uids)
	c.untagged(`FLAGS (\Answered \Flagged \Deleted \Seen \Draft)`)
	c.untagged("%d EXISTS", len(v.uids))
	if !c.enabled.rev2 {
		c.untagged("%d RECENT", len(v.recent))
		for i := range v.uids {
			if !v.flagsAt(i).seen {
				c.untagged("OK [UNSEEN %d] First unseen", i+1)
				break
			}
		}
	}
	if readOnly {
		c.untagged("OK [PERMANENTFLAGS ()] Read-only mailbox")
	} else {
		pf := mbox.PermanentFlags()
		extra := " \\*"
		if pf != nil {
			extra = prefixEach(pf)
		}
		c.untaggedS(`OK [PERMANENTFLAGS (\Answered \Flagged \Deleted \Seen \Draft` + extra + `)] Flags permitted`)
	}
	c.untagged("OK [UIDVALIDITY %d] UIDs valid", s.uidValidity)
	c.untagged("OK [UIDNEXT %d] Predicted next UID", st.UIDNext)
	c.untagged("OK [HIGHESTMODSEQ %d] Highest", s.highestModSeq)
	c.selectMailboxID(name) // RFC 8474 §4.2 (ext_objectid.go)
	if c.enabled.rev2 {
		b := append([]byte(`* LIST () "/" `), appendAString(nil, c.encodeMailbox(name))...)
		b = append(b, "\r\n"...)
		c.bw.Write(b)
	}
	if qr != nil && qr.uidValidity == s.uidValidity {
		c.qresyncSelect(qr)
	}
	if readOnly {
		return okCode("READ-ONLY", "EXAMINE completed")
	}
	return okCode("READ-WRITE", "SELECT completed")
}

// SharedSnapshot is an optional interface of Mailbox that SELECT uses
// instead of Snapshot: the same messages as read-only parallel arrays, in
// ascending UID order (message i has uids[i], modseqs[i] and the flags
// flagSets[flagIDs[i]]). The server keeps uids, modseqs and flagIDs
// without copying them and interns each flag list once, so a SELECT
// costs per distinct flag list, not per message; sessions that get the
// same slices share them until their views change (a view copies an
// array before its first write to it). The backend must never modify any
// of the slices afterwards. flagSets may hold equal lists (one per
// message, say): the server merges them.
type SharedSnapshot interface {
	SnapshotArrays() (uids []uint32, modseqs []uint64, flagIDs []uint32, flagSets [][]string)
}

var errBadSnapshot = errors.New("imapserver: backend snapshot arrays are inconsistent")

// unselect closes the selected mailbox without expunging.
func (c *conn) unselect() {
	if c.sel != nil {
		c.sel.mbox.Close()
		c.sel = nil
	}
	c.state = stateAuthenticated
}

// cmdClose implements CLOSE (expunges silently when read-write) and
// UNSELECT (RFC 3691).
func (c *conn) cmdClose(bool) *status {
	c.expectEnd()
	if c.verbOf() == "CLOSE" && !c.sel.readOnly {
		c.pullChanges()
		v := &c.sel.view
		var uids []uint32
		for i := range v.uids {
			if v.flagsAt(i).deleted {
				uids = append(uids, v.uids[i])
			}
		}
		if len(uids) > 0 {
			if _, err := c.sel.mbox.Expunge(c.ctx, uids); err != nil {
				c.log.Error("imapserver: CLOSE expunge failed", "err", err)
			}
		}
	}
	c.unselect()
	return &status{kind: "OK", text: "completed", noUpdates: true}
}

// cmdExpunge implements EXPUNGE and UID EXPUNGE (RFC 4315 §2.1).
func (c *conn) cmdExpunge(uid bool) *status {
	var set numSet
	if uid {
		c.expectSP()
		set = c.numSet()
	}
	c.expectEnd()
	if c.sel.readOnly {
		return no("READ-ONLY", "Mailbox is read-only")
	}
	c.pullChanges()
	v := &c.sel.view
	var limit map[int]bool
	if uid {
		idx, _ := v.resolve(set, true, c.sel.searchRes)
		limit = make(map[int]bool, len(idx))
		for _, i := range idx {
			limit[i] = true
		}
	}
	var uids []uint32
	for i := range v.uids {
		if v.flagsAt(i).deleted && (limit == nil || limit[i]) {
			uids = append(uids, v.uids[i])
		}
	}
	if len(uids) > 0 {
		removed, err := c.sel.mbox.Expunge(c.ctx, uids)
		if err != nil {
			return c.backendError("EXPUNGE", err)
		}
		c.expungeFromView(removed)
	}
	return ok("EXPUNGE completed")
}

// expungeFromView reports and removes messages this session expunged
// (its own EXPUNGE or MOVE): they are announced now, not as pending.
func (c *conn) expungeFromView(uids []uint32) {
	v := &c.sel.view
	var idx []int
	for _, u := range uids {
		if i, ok := v.find(u); ok {
			idx = append(idx, i)
		}
	}
	idx = normalizeIdx(idx)
	c.reportExpunged(idx)
	v.removeIndexes(idx)
	v.reportedExists -= len(idx)
	for _, u := range uids {
		delete(v.pendingExpunge, u)
	}
}

// cmdCopy implements COPY, MOVE (RFC 6851) and their UID forms with
// COPYUID (RFC 4315).
func (c *conn) cmdCopy(uid bool) *status {
	move := strings.HasSuffix(c.verbOf(), "MOVE")
	c.expectSP()
	set := c.numSet()
	c.expectSP()
	dest := c.mailboxName()
	c.expectEnd()
	if move && c.sel.readOnly {
		return no("READ-ONLY", "Mailbox is read-only")
	}
	v := &c.sel.view
	idx, valid := v.resolve(set, uid, c.sel.searchRes)
	if !valid {
		return bad("Invalid message sequence number")
	}
	if len(idx) == 0 {
		return ok("Nothing to do")
	}
	uids := make([]uint32, len(idx))
	for k, i := range idx {
		uids[k] = v.uids[i]
	}
	var res CopyResult
	var err error
	if move {
		res, err = c.sel.mbox.Move(c.ctx, uids, dest)
	} else {
		res, err = c.sel.mbox.Copy(c.ctx, uids, dest)
	}
	if err != nil {
		if isNoSuchMailbox(err) {
			return no("TRYCREATE", "No such mailbox")
		}
		return c.backendError("COPY", err)
	}
	c.noteOwnNew(dest, res.UIDValidity, res.DestUIDs...) // RFC 5465 §5.2
	code := ""
	if len(res.DestUIDs) > 0 {
		b := []byte("COPYUID ")
		b = strconv.AppendUint(b, uint64(res.UIDValidity), 10)
		b = append(b, ' ')
		b = appendNumSet(b, res.SourceUIDs)
		b = append(b, ' ')
		b = appendNumSet(b, res.DestUIDs)
		code = string(b)
	}
	if move {
		// RFC 6851 §4.3: COPYUID in an untagged OK before the expunges.
		if code != "" {
			c.untaggedS("OK [" + code + "] Moved")
		}
		c.expungeFromView(res.SourceUIDs)
		if !uid {
			st := ok("MOVE completed")
			st.allowExpunge = false
			return st
		}
		return ok("MOVE completed")
	}
	st := okCode(code, "COPY completed")
	if code == "" {
		st = ok("COPY completed")
	}
	st.allowExpunge = uid
	return st
}

func isNoSuchMailbox(err error) bool {
	return err != nil && (err == ErrNoSuchMailbox || unwrapIs(err, ErrNoSuchMailbox))
}

// qresyncParams is SELECT's (QRESYNC (uidvalidity modseq [known-uids
// [(seqs uids)]])) (RFC 7162 §3.2.5).
type qresyncParams struct {
	uidValidity uint32
	modSeq      uint64
	knownUIDs   *numSet
}

func (c *conn) parseQresync() *qresyncParams {
	q := &qresyncParams{}
	c.openParen()
	q.uidValidity = c.nzNumber()
	c.expectSP()
	q.modSeq = c.number64()
	if c.sp() {
		if c.peek() != '(' {
			s := c.numSet()
			q.knownUIDs = &s
			c.sp()
		}
		if c.peek() == '(' {
			// Sequence match data: accepted, not needed since we
			// compute VANISHED from the known UIDs directly.
			c.openParen()
			c.numSet()
			c.expectSP()
			c.numSet()
			c.closeParen()
		}
	}
	c.closeParen()
	return q
}

// qresyncSelect sends VANISHED (EARLIER) and FETCH for what changed since
// the client's MODSEQ (RFC 7162 §3.2.5.1). With the backend's expunge
// tombstones (VanishedSincer) VANISHED names the UIDs expunged since that
// MODSEQ (limited to known-uids when given); without them the server
// reports every known UID that no longer exists, which the RFC permits.
func (c *conn) qresyncSelect(q *qresyncParams) {
	v := &c.sel.view
	var vanished []uint32
	if tomb, ok := c.tombstones(q.modSeq); ok {
		for _, u := range tomb {
			if q.knownUIDs != nil && !q.knownUIDs.set.Contains(u) {
				continue
			}
			vanished = append(vanished, u)
		}
	} else if q.knownUIDs != nil {
		for _, r := range q.knownUIDs.ranges {
			lo, hi := r.lo, r.hi
			if lo > hi {
				lo, hi = hi, lo
			}
			if hi-lo > 1<<20 {
				hi = lo + 1<<20
			}
			for u := lo; u <= hi && u != 0; u++ {
				if _, ok := v.find(u); !ok {
					vanished = append(vanished, u)
				}
			}
		}
	} else if n := len(v.uids); n > 0 {
		var prev uint32
		for _, u := range v.uids {
			for x := prev + 1; x < u && len(vanished) < 1<<20; x++ {
				vanished = append(vanished, x)
			}
			prev = u
		}
	}
	if len(vanished) > 0 {
		vanished = normalizeUIDs(vanished)
		b := append([]byte("* VANISHED (EARLIER) "), appendNumSet(nil, vanished)...)
		b = append(b, "\r\n"...)
		c.bw.Write(b)
	}
	var b []byte
	for i := range v.uids {
		if v.modseqAt(i) > q.modSeq {
			b = c.appendFlagsFetch(b[:0], i)
			c.bw.Write(b)
		}
	}
}

func normalizeUIDs(u []uint32) []uint32 {
	idx := make([]int, len(u))
	for i, x := range u {
		idx[i] = int(x)
	}
	idx = normalizeIdx(idx)
	out := u[:0]
	for _, x := range idx {
		out = append(out, uint32(x))
	}
	return out
}

// tombstones asks a VanishedSincer backend for the UIDs expunged after
// modseq, keeping only those this session's view no longer has (an expunge
// that raced with SELECT is reported later through the change feed). ok is
// false when the backend cannot tell.
func (c *conn) tombstones(modseq uint64) ([]uint32, bool) {
	vs, ok := c.sel.mbox.(VanishedSincer)
	if !ok {
		return nil, false
	}
	uids, err := vs.VanishedSince(c.ctx, modseq)
	if err != nil {
		c.log.Warn("imapserver: VanishedSince", "err", err)
		return nil, false
	}
	v := &c.sel.view
	out := uids[:0:0]
	for _, u := range uids {
		if _, in := v.find(u); !in {
			out = append(out, u)
		}
	}
	return normalizeUIDs(out), true
}
