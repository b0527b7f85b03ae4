package imapserver

// This file holds the SEARCH keys of two extensions, hooked into
// search_parse.go and search.go:
//
//   - SAVEDATE (RFC 8514 §4.2): SAVEDBEFORE, SAVEDON and SAVEDSINCE compare
//     the calendar date of the save date (MessageSaveDate) like BEFORE, ON
//     and SINCE do for the internal date; SAVEDATESUPPORTED matches every
//     message that has a save date. A message without one (a backend
//     without MessageSaveDate) matches none of the four: there is no date
//     to compare, and SAVEDATESUPPORTED is false for its mailbox.
//   - OBJECTID (RFC 8474 §6): EMAILID and THREADID match the object ids
//     FETCH reports for the message; THREADID never matches a message whose
//     THREADID is NIL (§5.2).

// parseSearchKeyExt parses the keys of this file into k; it reports false
// for other names.
func (c *conn) parseSearchKeyExt(k *searchKey, name string) bool {
	switch name {
	case "SAVEDBEFORE", "SAVEDON", "SAVEDSINCE":
		c.expectSP()
		k.op = map[string]searchOp{"SAVEDBEFORE": sSavedBefore, "SAVEDON": sSavedOn, "SAVEDSINCE": sSavedSince}[name]
		k.date = c.searchDate()
	case "SAVEDATESUPPORTED":
		k.op = sSaveDateSupported
	case "EMAILID", "THREADID":
		c.expectSP()
		k.op = sEmailID
		if name == "THREADID" {
			k.op = sThreadID
		}
		k.str = c.objectID()
	default:
		return false
	}
	return true
}

// objectID parses objectid = 1*255(ALPHA / DIGIT / "_" / "-")
// (RFC 8474 §7).
func (c *conn) objectID() string {
	start := c.pos
	for c.pos < len(c.line) && c.pos-start < 256 && isObjectIDChar(c.line[c.pos]) {
		c.pos++
	}
	if n := c.pos - start; n == 0 || n > 255 {
		c.fail("Invalid objectid")
	}
	return string(c.line[start:c.pos])
}

func isObjectIDChar(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '_' || b == '-'
}

// needsExt reports what the keys of this file need beyond the view: the
// Message (for its save date or object ids), never the server's own read
// of the content.
func (k *searchKey) needsExt() (msg, content bool) {
	switch k.op {
	case sSavedBefore, sSavedOn, sSavedSince, sSaveDateSupported, sEmailID, sThreadID:
		return true, false
	}
	return false, false
}

// matchExt evaluates the keys of this file on e.m (non-nil).
func (e *searchEval) matchExt(k *searchKey) bool {
	switch k.op {
	case sSavedBefore, sSavedOn, sSavedSince, sSaveDateSupported:
		sd, ok := e.m.(MessageSaveDate)
		if !ok || sd.SaveDate().IsZero() {
			return false
		}
		if k.op == sSaveDateSupported {
			return true
		}
		return compareDate(sd.SaveDate(), k.date, k.op-sSavedBefore)
	case sEmailID:
		id, _ := e.c.objectIDs(e.m, true, false)
		return id == k.str
	case sThreadID:
		_, id := e.c.objectIDs(e.m, false, true)
		return id != "" && id == k.str
	}
	return false
}

// objectIDs returns the EMAILID and THREADID of m as FETCH reports them
// (fetch_ext.go): the backend's (MessageObjectID), else an EMAILID derived
// from UIDVALIDITY and UID and no THREADID.
func (c *conn) objectIDs(m Message, wantEmail, wantThread bool) (emailID, threadID string) {
	if o, ok := m.(MessageObjectID); ok {
		if wantEmail {
			emailID = o.EmailID()
		}
		if wantThread {
			threadID = o.ThreadID()
		}
	}
	if wantEmail && emailID == "" {
		emailID = c.derivedEmailID(m.UID())
	}
	return emailID, threadID
}
