package imapserver

// selected is the state of the selected mailbox of a connection.
type selected struct {
	mbox          Mailbox
	name          string
	readOnly      bool
	uidValidity   uint32
	highestModSeq uint64
	view          view
	// searchRes is the saved search result "$" (RFC 5182), as UIDs.
	searchRes []uint32
	// contexts are the kept SEARCH/SORT results (RFC 5267, ext_context.go).
	contexts *contextSet
}

// pullChanges drains the backend's change feed into the view's pending
// state. It never tells the client anything by itself.
func (c *conn) pullChanges() {
	s := c.sel
	changes, overflow := s.mbox.Changes()
	if overflow {
		c.resyncView()
		return
	}
	v := &s.view
	for _, ch := range changes {
		if ch.ModSeq > s.highestModSeq {
			s.highestModSeq = ch.ModSeq
		}
		switch ch.Kind {
		case ChangeAppend:
			if ch.UID <= v.lastUID() {
				continue // already known (or older: not ours to add)
			}
			v.pendingAppend = append(v.pendingAppend, pendingMsg{ch.UID, c.flagCache.intern(ch.Flags), ch.ModSeq})
		case ChangeExpunge:
			if _, found := v.find(ch.UID); found {
				if v.pendingExpunge == nil {
					v.pendingExpunge = make(map[uint32]struct{})
				}
				v.pendingExpunge[ch.UID] = struct{}{}
			} else if k := v.findPending(ch.UID); k >= 0 {
				v.pendingAppend = append(v.pendingAppend[:k], v.pendingAppend[k+1:]...)
			}
		case ChangeFlags:
			i, found := v.find(ch.UID)
			if !found {
				if k := v.findPending(ch.UID); k >= 0 && ch.ModSeq > v.pendingAppend[k].modseq {
					v.pendingAppend[k].flags = c.flagCache.intern(ch.Flags)
					v.pendingAppend[k].modseq = ch.ModSeq
				}
				continue
			}
			if ch.ModSeq != 0 && ch.ModSeq <= v.modseqAt(i) {
				continue // ours, already reported, or stale
			}
			fs := c.flagCache.intern(ch.Flags)
			v.setModseq(i, ch.ModSeq)
			if fs == v.flagsAt(i) {
				continue
			}
			v.setFlags(i, fs)
			if v.pendingFlags == nil {
				v.pendingFlags = make(map[uint32]struct{})
			}
			v.pendingFlags[ch.UID] = struct{}{}
		}
	}
}

// resyncView rebuilds the pending state from a full listing after the feed
// overflowed.
func (c *conn) resyncView() {
	s := c.sel
	v := &s.view
	present := make(map[uint32]struct{}, len(v.uids))
	var appended []MessageMeta
	err := s.mbox.Resync(c.ctx, func(m MessageMeta) error {
		present[m.UID] = struct{}{}
		if m.ModSeq > s.highestModSeq {
			s.highestModSeq = m.ModSeq
		}
		i, found := v.find(m.UID)
		if !found {
			if m.UID > v.lastUID() {
				appended = append(appended, m)
			} else if k := v.findPending(m.UID); k >= 0 {
				v.pendingAppend[k].flags = c.flagCache.intern(m.Flags)
				v.pendingAppend[k].modseq = m.ModSeq
			}
			return nil
		}
		fs := c.flagCache.intern(m.Flags)
		if fs != v.flagsAt(i) {
			v.setFlags(i, fs)
			if v.pendingFlags == nil {
				v.pendingFlags = make(map[uint32]struct{})
			}
			v.pendingFlags[m.UID] = struct{}{}
		}
		v.setModseq(i, m.ModSeq)
		return nil
	})
	if err != nil {
		c.log.Error("imapserver: resync failed", "err", err)
		return
	}
	for _, u := range v.uids {
		if _, ok := present[u]; !ok {
			if v.pendingExpunge == nil {
				v.pendingExpunge = make(map[uint32]struct{})
			}
			v.pendingExpunge[u] = struct{}{}
		}
	}
	kept := v.pendingAppend[:0]
	for _, p := range v.pendingAppend {
		if _, ok := present[p.uid]; ok {
			kept = append(kept, p)
		}
	}
	v.pendingAppend = kept
	for _, m := range appended {
		v.pendingAppend = append(v.pendingAppend, pendingMsg{m.UID, c.flagCache.intern(m.Flags), m.ModSeq})
	}
}

// sendUpdates tells the client what changed, as far as the RFC allows at
// this point: EXPUNGE only when allowExpunge (never while responding to
// FETCH, STORE or SEARCH, RFC 9051 §7.5.1 and §5.5), then FETCH FLAGS for
// changed messages and EXISTS for new ones.
func (c *conn) sendUpdates(allowExpunge bool) {
	s := c.sel
	c.pullChanges()
	v := &s.view
	if allowExpunge && len(v.pendingExpunge) > 0 {
		var idx []int
		for i, u := range v.uids {
			if _, ok := v.pendingExpunge[u]; ok {
				idx = append(idx, i)
			}
		}
		c.reportExpunged(idx)
		v.removeIndexes(idx)
		v.reportedExists -= len(idx)
		clear(v.pendingExpunge)
	}
	if len(v.pendingAppend) > 0 {
		// New messages get their sequence numbers now, with EXISTS
		// (RFC 9051 §7.4.1).
		for _, p := range v.pendingAppend {
			v.add(p.uid, p.flags, p.modseq)
			if !c.enabled.rev2 {
				if v.recent == nil {
					v.recent = make(map[uint32]struct{})
				}
				v.recent[p.uid] = struct{}{}
			}
		}
		v.pendingAppend = v.pendingAppend[:0]
	}
	if len(v.uids) > v.reportedExists {
		c.untagged("%d EXISTS", len(v.uids))
		if !c.enabled.rev2 {
			c.untagged("%d RECENT", len(v.recent))
		}
	}
	v.reportedExists = len(v.uids)
	if len(v.pendingFlags) > 0 {
		var b []byte
		for i, u := range v.uids {
			if _, ok := v.pendingFlags[u]; !ok {
				continue
			}
			if _, gone := v.pendingExpunge[u]; gone {
				continue
			}
			b = c.appendFlagsFetch(b[:0], i)
			c.bw.Write(b)
		}
		clear(v.pendingFlags)
	}
	c.sendContextUpdates() // RFC 5267 ADDTO/REMOVEFROM, ext_context.go
}

// reportExpunged sends EXPUNGE (or VANISHED with QRESYNC, RFC 7162 §3.2.10)
// for the given ascending view indexes, which the caller then removes.
func (c *conn) reportExpunged(idx []int) {
	if len(idx) == 0 {
		return
	}
	v := &c.sel.view
	if c.enabled.qresync {
		uids := make([]uint32, len(idx))
		for k, i := range idx {
			uids[k] = v.uids[i]
		}
		b := append([]byte("* VANISHED "), appendNumSet(nil, uids)...)
		b = append(b, "\r\n"...)
		c.bw.Write(b)
	} else {
		// Descending order keeps every number valid as sent.
		var b []byte
		for k := len(idx) - 1; k >= 0; k-- {
			b = append(b[:0], "* "...)
			b = appendUint(b, uint64(idx[k]+1))
			b = append(b, " EXPUNGE\r\n"...)
			c.bw.Write(b)
		}
	}
	for _, i := range idx {
		delete(v.recent, v.uids[i])
	}
}

// appendFlagsFetch formats "* n FETCH (UID u FLAGS (...) [MODSEQ (m)])".
func (c *conn) appendFlagsFetch(b []byte, i int) []byte {
	v := &c.sel.view
	b = append(b, "* "...)
	b = appendUint(b, uint64(i+1))
	b = append(b, " FETCH (UID "...)
	b = appendUint(b, uint64(v.uids[i]))
	b = append(b, " FLAGS "...)
	b = c.appendFlags(b, i)
	if c.enabled.condstore {
		b = append(b, " MODSEQ ("...)
		b = appendUint(b, v.modseqAt(i))
		b = append(b, ')')
	}
	return append(b, ")\r\n"...)
}

// appendFlags writes the flag list of view index i, adding \Recent for
// IMAP4rev1 sessions.
func (c *conn) appendFlags(b []byte, i int) []byte {
	v := &c.sel.view
	fs := v.flagsAt(i)
	if len(v.recent) > 0 && v.isRecent(v.uids[i]) {
		if len(fs.flags) == 0 {
			return append(b, `(\Recent)`...)
		}
		b = append(b, fs.wire[:len(fs.wire)-1]...)
		return append(b, ` \Recent)`...)
	}
	return append(b, fs.wire...)
}
