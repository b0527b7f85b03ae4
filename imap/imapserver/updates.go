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
			if n := len(v.uids); n > 0 && ch.UID <= v.uids[n-1] {
				continue // already known (or older: not ours to add)
			}
			v.add(ch.UID, c.flagCache.intern(ch.Flags), ch.ModSeq)
			if !c.enabled.rev2 {
				if v.recent == nil {
					v.recent = make(map[uint32]struct{})
				}
				v.recent[ch.UID] = struct{}{}
			}
		case ChangeExpunge:
			if _, found := v.find(ch.UID); found {
				if v.pendingExpunge == nil {
					v.pendingExpunge = make(map[uint32]struct{})
				}
				v.pendingExpunge[ch.UID] = struct{}{}
			}
		case ChangeFlags:
			i, found := v.find(ch.UID)
			if !found || ch.ModSeq != 0 && ch.ModSeq <= v.modseq[i] {
				continue // ours, already reported, or stale
			}
			fs := c.flagCache.intern(ch.Flags)
			v.modseq[i] = ch.ModSeq
			if fs == v.flags[i] {
				continue
			}
			v.flags[i] = fs
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
			if n := len(v.uids); n == 0 || m.UID > v.uids[n-1] {
				appended = append(appended, m)
			}
			return nil
		}
		fs := c.flagCache.intern(m.Flags)
		if fs != v.flags[i] {
			v.flags[i] = fs
			if v.pendingFlags == nil {
				v.pendingFlags = make(map[uint32]struct{})
			}
			v.pendingFlags[m.UID] = struct{}{}
		}
		v.modseq[i] = m.ModSeq
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
	for _, m := range appended {
		v.add(m.UID, c.flagCache.intern(m.Flags), m.ModSeq)
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
	if len(v.uids) != v.reportedExists {
		// EXISTS never decreases without EXPUNGE (RFC 9051 §7.4.1);
		// pending expunges still hold their sequence numbers.
		if len(v.uids) > v.reportedExists {
			c.untagged("%d EXISTS", len(v.uids))
			if !c.enabled.rev2 {
				c.untagged("%d RECENT", len(v.recent))
			}
		}
		v.reportedExists = len(v.uids)
	}
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
		b = appendUint(b, v.modseq[i])
		b = append(b, ')')
	}
	return append(b, ")\r\n"...)
}

// appendFlags writes the flag list of view index i, adding \Recent for
// IMAP4rev1 sessions.
func (c *conn) appendFlags(b []byte, i int) []byte {
	v := &c.sel.view
	fs := v.flags[i]
	if len(v.recent) > 0 && v.isRecent(v.uids[i]) {
		if len(fs.flags) == 0 {
			return append(b, `(\Recent)`...)
		}
		b = append(b, fs.wire[:len(fs.wire)-1]...)
		return append(b, ` \Recent)`...)
	}
	return append(b, fs.wire...)
}
