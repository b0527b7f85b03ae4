package imapserver

// cmdStore implements STORE and UID STORE (RFC 9051 §6.4.6) with
// UNCHANGEDSINCE (RFC 7162 §3.1.3).
func (c *conn) cmdStore(uid bool) *status {
	c.expectSP()
	set := c.numSet()
	c.expectSP()
	var unchangedSince uint64
	condStore := false
	if c.peek() == '(' {
		c.openParen()
		if c.atomUpper() != "UNCHANGEDSINCE" {
			c.fail("Unknown STORE modifier")
		}
		c.expectSP()
		unchangedSince = c.number64()
		condStore = true
		c.closeParen()
		c.expectSP()
	}
	item := c.atomUpper()
	op := StoreReplace
	switch item[0] {
	case '+':
		op = StoreAdd
		item = item[1:]
	case '-':
		op = StoreRemove
		item = item[1:]
	}
	silent := false
	switch item {
	case "FLAGS":
	case "FLAGS.SILENT":
		silent = true
	default:
		c.fail("Expected FLAGS, +FLAGS or -FLAGS")
	}
	c.expectSP()
	flags := c.flagList(true)
	c.expectEnd()
	st := c.store(set, uid, op, flags, silent, condStore, unchangedSince)
	st.allowExpunge = uid
	return st
}

func (c *conn) store(set numSet, uid bool, op StoreOp, flags []string, silent, condStore bool, unchangedSince uint64) *status {
	if condStore && !c.enabled.condstore {
		// RFC 7162 §3.1: the first CONDSTORE command enables it.
		c.enabled.condstore = true
	}
	if c.sel.readOnly {
		return no("READ-ONLY", "Mailbox is read-only")
	}
	v := &c.sel.view
	idx, valid := v.resolve(set, uid, c.sel.searchRes)
	if !valid {
		return bad("Invalid message sequence number")
	}
	clean := flags[:0:0]
	for _, f := range flags {
		if f == `\Recent` {
			continue // RFC 3501: \Recent cannot be altered by STORE
		}
		if f[0] == '\\' {
			known := false
			for _, s := range systemFlagNames {
				if s == f {
					known = true
				}
			}
			if !known {
				return bad("Unknown system flag")
			}
		}
		clean = append(clean, f)
	}
	uids := make([]uint32, 0, len(idx))
	for _, i := range idx {
		if _, gone := v.pendingExpunge[v.uids[i]]; gone {
			continue
		}
		uids = append(uids, v.uids[i])
	}
	if len(uids) == 0 {
		return ok("STORE completed")
	}
	if !condStore {
		unchangedSince = 0
	}
	failed, err := c.sel.mbox.Store(c.ctx, uids, op, clean, unchangedSince, func(m MessageMeta) {
		if i, ok := v.find(m.UID); ok {
			v.setFlags(i, c.flagCache.intern(m.Flags))
			if m.ModSeq > v.modseqAt(i) {
				v.setModseq(i, m.ModSeq)
			}
			if m.ModSeq > c.sel.highestModSeq {
				c.sel.highestModSeq = m.ModSeq
			}
		}
	})
	if err != nil {
		return c.backendError("STORE", err)
	}
	var failedSet map[uint32]bool
	if len(failed) > 0 {
		failedSet = make(map[uint32]bool, len(failed))
		for _, u := range failed {
			failedSet[u] = true
		}
	}
	if !silent || c.enabled.condstore {
		var b []byte
		for _, u := range uids {
			if failedSet[u] {
				continue
			}
			i, ok := v.find(u)
			if !ok {
				continue
			}
			if silent {
				// RFC 7162 §3.1.3: with .SILENT only the MODSEQ is
				// still reported under CONDSTORE.
				if !condStore {
					continue
				}
				b = append(b[:0], "* "...)
				b = appendUint(b, uint64(i+1))
				b = append(b, " FETCH (UID "...)
				b = appendUint(b, uint64(u))
				b = append(b, " MODSEQ ("...)
				b = appendUint(b, v.modseqAt(i))
				b = append(b, "))\r\n"...)
			} else {
				b = c.appendFlagsFetch(b[:0], i)
			}
			c.bw.Write(b)
		}
	}
	if len(failed) > 0 {
		var nums []uint32
		if uid {
			nums = failed
		} else {
			for _, u := range failed {
				if i, ok := v.find(u); ok {
					nums = append(nums, uint32(i+1))
				}
			}
		}
		return okCode("MODIFIED "+string(appendNumSet(nil, normalizeUIDs(nums))), "Conditional STORE failed for some messages")
	}
	return ok("STORE completed")
}
