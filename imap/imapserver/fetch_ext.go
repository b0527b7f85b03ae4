package imapserver

import (
	"strconv"
	"time"
)

// MessageSaveDate is implemented by Messages whose store records when
// they were saved in their mailbox: FETCH SAVEDATE (RFC 8514 §4.1).
// Messages without it, or with a zero time, answer SAVEDATE NIL.
type MessageSaveDate interface {
	SaveDate() time.Time
}

// MessageObjectID is implemented by Messages with store-assigned object
// ids (RFC 8474 §5): EMAILID, and THREADID ("" for NIL). The server asks
// only for the ids a command needs. Without it the server derives an
// EMAILID from UIDVALIDITY and UID, which is stable and unique within the
// user's mailbox but changes with COPY and MOVE, which §5.1 forbids; so a
// backend that announces OBJECTID (MailboxIDUser) should implement this
// too. THREADID is then NIL.
type MessageObjectID interface {
	EmailID() string
	ThreadID() string
}

// fetchExt are the FETCH items of fetch_ext.go.
type fetchExt struct {
	saveDate, emailID, threadID bool
	preview                     bool // ext_preview.go
}

func (e fetchExt) any() bool { return e.saveDate || e.emailID || e.threadID || e.preview }

// parseFetchExt handles the FETCH items of this file; it reports false for
// other names.
func (p *fetchPlan) parseFetchExt(name string) bool {
	switch name {
	case "SAVEDATE":
		p.ext.saveDate = true
	case "EMAILID":
		p.ext.emailID = true
	case "THREADID":
		p.ext.threadID = true
	default:
		return false
	}
	return true
}

// appendFetchExt formats the items of this file, each followed by a space.
func (c *conn) appendFetchExt(b []byte, m Message, p *fetchPlan) []byte {
	e := p.ext
	if e.preview {
		b = c.appendPreview(b, m)
	}
	if e.saveDate {
		b = append(b, "SAVEDATE "...)
		if sd, ok := m.(MessageSaveDate); ok && !sd.SaveDate().IsZero() {
			b = appendDateTime(b, sd.SaveDate())
		} else {
			b = append(b, "NIL"...)
		}
		b = append(b, ' ')
	}
	if !e.emailID && !e.threadID {
		return b
	}
	// Only the ids asked for: a store may compute them from the message.
	emailID, threadID := c.objectIDs(m, e.emailID, e.threadID)
	if e.emailID {
		b = append(b, "EMAILID ("...)
		b = append(b, emailID...)
		b = append(b, ") "...)
	}
	if e.threadID {
		// RFC 8474 §5.2: NIL when the server does not thread.
		if threadID == "" {
			b = append(b, "THREADID NIL "...)
		} else {
			b = append(b, "THREADID ("...)
			b = append(b, threadID...)
			b = append(b, ") "...)
		}
	}
	return b
}

// derivedEmailID is "M" + UIDVALIDITY and UID in hex: objectid characters
// only (RFC 8474 §7), at most 18 octets.
func (c *conn) derivedEmailID(uid uint32) string {
	var uv uint32
	if c.sel != nil {
		uv = c.sel.mbox.Status().UIDValidity
	}
	b := make([]byte, 0, 18)
	b = append(b, 'M')
	b = strconv.AppendUint(b, uint64(uv), 16)
	b = append(b, '-')
	b = strconv.AppendUint(b, uint64(uid), 16)
	return string(b)
}
