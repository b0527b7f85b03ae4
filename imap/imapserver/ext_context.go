package imapserver

import (
	"slices"

	"github.com/mailwire/mailwire/imap"
)

// This file implements CONTEXT=SEARCH and CONTEXT=SORT (RFC 5267 §4): the
// SEARCH and SORT return options UPDATE, CONTEXT and PARTIAL, the
// unsolicited ESEARCH ADDTO/REMOVEFROM updates of a kept result, and
// CANCELUPDATE. returnOptions (search.go) parses the options through
// parseReturnContext; cmdSearch and cmdSort (cmd_sort.go) hand their
// results to contextResult; sendUpdates (updates.go) calls
// sendContextUpdates after every batch of EXISTS/EXPUNGE/FETCH.
//
// Choices where the RFC leaves room:
//   - UPDATE is accepted with UID SEARCH and UID SORT only (BAD otherwise):
//     updates then name messages by UID, which EXPUNGE never renumbers.
//   - CONTEXT is a hint (§4.2) and changes nothing.
//   - Positions in ADDTO/REMOVEFROM are 1-based places in the result
//     (ascending UIDs for SEARCH, the sort order for SORT), each relative
//     to the result as changed by the pairs before it; REMOVEFROM is sent
//     before ADDTO.
//   - A session keeps at most Server.MaxSearchContexts contexts; a further
//     UPDATE is answered normally plus an untagged NO [NOUPDATE "tag"]
//     (§4.2), and the result is not kept. Contexts end with the mailbox
//     (CLOSE, UNSELECT, SELECT) or with CANCELUPDATE.
//   - A kept result is recomputed (the whole SEARCH, or SORT) whenever the
//     mailbox changed (new MODSEQ, messages added or expunged) and an
//     update may be sent; that costs what the command cost.

// contextCapabilities are the CAPABILITY words of this file.
const contextCapabilities = "CONTEXT=SEARCH CONTEXT=SORT"

func (s *Server) maxSearchContexts() int { return defInt(s.MaxSearchContexts, 16) }

// searchContext is one kept UPDATE result.
type searchContext struct {
	tag  string
	key  *searchKey
	sort []imap.SortCriterion // nil for SEARCH
	need sortFields
	uids []uint32   // the result the client knows, in result order
	gen  contextGen // the mailbox state uids was computed on
}

// contextGen identifies a state of the selected mailbox; results are
// recomputed only when it changes.
type contextGen struct {
	modseq    uint64
	n         int
	last      uint32
	expunging int
}

// contextSet is the kept results of the selected mailbox.
type contextSet struct {
	list []*searchContext
}

// parseReturnContext handles the return options of RFC 5267 §4 for
// returnOptions; it reports false for other options.
func (c *conn) parseReturnContext(ret *searchReturn, opt string) bool {
	switch opt {
	case "UPDATE":
		ret.update = true
	case "CONTEXT":
		// A hint that the client will ask for updates or parts (§4.2).
	case "PARTIAL":
		// ret-opt-partial = "PARTIAL" SP partial-range (§6).
		c.expectSP()
		lo := c.nzNumber()
		c.expect(':')
		hi := c.nzNumber()
		if lo > hi {
			lo, hi = hi, lo
		}
		ret.partial, ret.partialLo, ret.partialHi = true, lo, hi
	default:
		return false
	}
	return true
}

// checkContextOptions rejects UPDATE with sequence numbers.
func (c *conn) checkContextOptions(ret searchReturn, uid bool) {
	if ret.update && !uid {
		c.fail("UPDATE needs UID SEARCH or UID SORT")
	}
}

// contextResult appends the PARTIAL result (§4.4) to an ESEARCH response
// under construction and keeps the result when UPDATE was asked for. nums
// are the result in result order (UIDs when uid).
func (c *conn) contextResult(b []byte, ret searchReturn, nums []uint32, uid bool, key *searchKey, sort []imap.SortCriterion) []byte {
	if ret.partial {
		b = append(b, " PARTIAL ("...)
		b = appendUint(b, uint64(ret.partialLo))
		b = append(b, ':')
		b = appendUint(b, uint64(ret.partialHi))
		b = append(b, ' ')
		if int(ret.partialLo) > len(nums) {
			b = append(b, "NIL"...)
		} else {
			b = appendNumSet(b, nums[ret.partialLo-1:min(int(ret.partialHi), len(nums))])
		}
		b = append(b, ')')
	}
	if ret.update && uid {
		c.keepContext(&searchContext{tag: c.tag, key: key, sort: sort, need: sortNeeds(sort), uids: slices.Clone(nums)})
	}
	return b
}

// keepContext stores ctx, replacing a context of the same tag.
func (c *conn) keepContext(ctx *searchContext) {
	s := c.sel
	if s.contexts == nil {
		s.contexts = &contextSet{}
	}
	cs := s.contexts
	cs.list = slices.DeleteFunc(cs.list, func(x *searchContext) bool { return x.tag == ctx.tag })
	if len(cs.list) >= c.srv.maxSearchContexts() {
		b := append([]byte("* NO [NOUPDATE "), appendString(nil, ctx.tag)...)
		b = append(b, "] Too many search contexts\r\n"...)
		c.bw.Write(b)
		return
	}
	ctx.gen = c.contextGen()
	cs.list = append(cs.list, ctx)
}

func (c *conn) contextGen() contextGen {
	v := &c.sel.view
	g := contextGen{modseq: c.sel.highestModSeq, n: len(v.uids), expunging: len(v.pendingExpunge)}
	if len(v.uids) > 0 {
		g.last = v.uids[len(v.uids)-1]
	}
	return g
}

// sortNeeds is the header fields a SORT program needs.
func sortNeeds(criteria []imap.SortCriterion) sortFields {
	var need sortFields
	for _, cr := range criteria {
		switch cr.Key {
		case imap.SortDate:
			need |= sfDate
		case imap.SortSubject:
			need |= sfSubject
		case imap.SortFrom, imap.SortDisplayFrom:
			need |= sfFrom
		case imap.SortTo, imap.SortDisplayTo:
			need |= sfTo
		case imap.SortCc:
			need |= sfCc
		}
	}
	return need
}

// cmdCancelUpdate implements CANCELUPDATE (RFC 5267 §4.3):
// "CANCELUPDATE" 1*(SP quoted).
func (c *conn) cmdCancelUpdate(bool) *status {
	var tags []string
	for c.sp() {
		tags = append(tags, c.quoted())
	}
	c.expectEnd()
	if len(tags) == 0 {
		return bad("CANCELUPDATE needs a tag")
	}
	cs := c.sel.contexts
	unknown := false
	for _, t := range tags {
		n := 0
		if cs != nil {
			n = len(cs.list)
			cs.list = slices.DeleteFunc(cs.list, func(x *searchContext) bool { return x.tag == t })
		}
		if cs == nil || len(cs.list) == n {
			unknown = true
		}
	}
	if unknown {
		return no("", "No such search context")
	}
	return ok("CANCELUPDATE completed")
}

// sendContextUpdates sends ADDTO/REMOVEFROM for every kept result that
// changed since it was last reported.
func (c *conn) sendContextUpdates() {
	s := c.sel
	if s == nil || s.contexts == nil || len(s.contexts.list) == 0 {
		return
	}
	g := c.contextGen()
	for _, ctx := range s.contexts.list {
		if ctx.gen == g {
			continue
		}
		ctx.gen = g
		now, err := c.contextNow(ctx)
		if err != nil {
			c.log.Warn("imapserver: search context", "tag", ctx.tag, "err", err)
			continue
		}
		c.writeContextDiff(ctx.tag, ctx.uids, now)
		ctx.uids = now
	}
}

// contextNow recomputes a kept result.
func (c *conn) contextNow(ctx *searchContext) ([]uint32, error) {
	v := &c.sel.view
	if ctx.sort == nil {
		matches, _, err := c.search(ctx.key)
		if err != nil {
			return nil, err
		}
		out := make([]uint32, len(matches))
		for k, i := range matches {
			out[k] = v.uids[i]
		}
		return out, nil
	}
	msgs, _, err := c.sortMessages(ctx.key, true, ctx.need)
	if err != nil {
		return nil, err
	}
	out := make([]uint32, len(msgs))
	for k, i := range imap.SortOrder(msgs, ctx.sort) {
		out[k] = msgs[i].Num
	}
	return out, nil
}

// contextRun is one position/UIDs pair of ADDTO or REMOVEFROM.
type contextRun struct {
	pos  int
	uids []uint32
}

// contextDiff computes the REMOVEFROM and ADDTO pairs that turn old into
// now. Messages never change places in a result (sort keys are
// immutable), so removals and insertions suffice; if they did, the whole
// old result is removed and the new one added.
func contextDiff(old, now []uint32) (removed, added []contextRun) {
	inNow := make(map[uint32]struct{}, len(now))
	for _, u := range now {
		inNow[u] = struct{}{}
	}
	inOld := make(map[uint32]struct{}, len(old))
	for _, u := range old {
		inOld[u] = struct{}{}
	}
	// The survivors must keep their order.
	var keptOld, keptNow []uint32
	for _, u := range old {
		if _, ok := inNow[u]; ok {
			keptOld = append(keptOld, u)
		}
	}
	for _, u := range now {
		if _, ok := inOld[u]; ok {
			keptNow = append(keptNow, u)
		}
	}
	if !slices.Equal(keptOld, keptNow) {
		clear(inNow)
		clear(inOld)
	}
	gone := 0
	for i := 0; i < len(old); {
		if _, ok := inNow[old[i]]; ok {
			i++
			continue
		}
		r := contextRun{pos: i - gone + 1}
		for ; i < len(old); i++ {
			if _, ok := inNow[old[i]]; ok {
				break
			}
			r.uids = append(r.uids, old[i])
		}
		gone += len(r.uids)
		removed = append(removed, r)
	}
	for j := 0; j < len(now); {
		if _, ok := inOld[now[j]]; ok {
			j++
			continue
		}
		r := contextRun{pos: j + 1}
		for ; j < len(now); j++ {
			if _, ok := inOld[now[j]]; ok {
				break
			}
			r.uids = append(r.uids, now[j])
		}
		added = append(added, r)
	}
	return removed, added
}

// writeContextDiff sends "* ESEARCH (TAG t) UID REMOVEFROM (...)" and
// "... ADDTO (...)" (RFC 5267 §4.3) for the change from old to now.
func (c *conn) writeContextDiff(tag string, old, now []uint32) {
	removed, added := contextDiff(old, now)
	for _, part := range []struct {
		name string
		runs []contextRun
	}{{"REMOVEFROM", removed}, {"ADDTO", added}} {
		if len(part.runs) == 0 {
			continue
		}
		b := append([]byte("* ESEARCH (TAG "), appendString(nil, tag)...)
		b = append(b, ") UID "...)
		b = append(b, part.name...)
		b = append(b, " ("...)
		for k, r := range part.runs {
			if k > 0 {
				b = append(b, ' ')
			}
			b = appendUint(b, uint64(r.pos))
			b = append(b, ' ')
			b = appendNumSet(b, r.uids)
		}
		b = append(b, ")\r\n"...)
		c.bw.Write(b)
	}
}
