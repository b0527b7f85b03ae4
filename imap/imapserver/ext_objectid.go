package imapserver

import "context"

// This file implements the mailbox half of OBJECTID (RFC 8474 §4): the
// MAILBOXID response code of SELECT/EXAMINE and CREATE and the STATUS item
// MAILBOXID. EMAILID and THREADID are in fetch_ext.go (FETCH) and
// ext_search.go (SEARCH).
//
// OBJECTID is announced only once a user is authenticated and only when
// that user implements MailboxIDUser, because the extension obliges the
// server to report a MAILBOXID on every SELECT and CREATE (§4.1, §4.2).

// MailboxIDUser is implemented by Users whose store gives every mailbox a
// MAILBOXID (RFC 8474 §4). The id must be an objectid (1 to 255 of
// ALPHA, DIGIT, "_" and "-", §7), stay the same for as long as the mailbox
// keeps its name and UIDVALIDITY and across RENAME, and never be reported
// for two mailboxes at once nor reused for another mailbox. Its Messages
// should implement MessageObjectID, whose EMAILIDs survive COPY and MOVE
// (§5.1); the server's fallback EMAILID does not.
type MailboxIDUser interface {
	User
	MailboxID(ctx context.Context, name string) (string, error)
}

func (c *conn) mailboxIDUser() (MailboxIDUser, bool) {
	u, ok := c.user.(MailboxIDUser)
	return u, ok
}

// objectIDCapability is " OBJECTID" when the session can keep the
// extension's promises.
func (c *conn) objectIDCapability() string {
	if _, ok := c.mailboxIDUser(); ok {
		return " OBJECTID"
	}
	return ""
}

// mailboxID returns the MAILBOXID of name, or "" if the user has none or
// the store failed (logged; the command itself succeeded).
func (c *conn) mailboxID(name string) string {
	u, ok := c.mailboxIDUser()
	if !ok {
		return ""
	}
	id, err := u.MailboxID(c.ctx, name)
	if err != nil || !validObjectID(id) {
		c.log.Warn("imapserver: MAILBOXID", "mailbox", name, "id", id, "err", err)
		return ""
	}
	return id
}

func validObjectID(id string) bool {
	if len(id) == 0 || len(id) > 255 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if !isObjectIDChar(id[i]) {
			return false
		}
	}
	return true
}

// selectMailboxID sends the untagged OK [MAILBOXID (id)] of SELECT and
// EXAMINE (RFC 8474 §4.2).
func (c *conn) selectMailboxID(name string) {
	if id := c.mailboxID(name); id != "" {
		c.untaggedS("OK [MAILBOXID (" + id + ")] Ok")
	}
}

// createdStatus is the tagged OK of a successful CREATE, with the new
// mailbox's MAILBOXID (RFC 8474 §4.1).
func (c *conn) createdStatus(name string) *status {
	if id := c.mailboxID(name); id != "" {
		return okCode("MAILBOXID ("+id+")", "CREATE completed")
	}
	return ok("CREATE completed")
}

// appendStatusMailboxID appends the STATUS item MAILBOXID (RFC 8474 §4.3),
// preceded by a space when sep is set.
func (c *conn) appendStatusMailboxID(b []byte, name string, sep bool) []byte {
	id := c.mailboxID(name)
	if id == "" {
		return b
	}
	if sep {
		b = append(b, ' ')
	}
	b = append(b, "MAILBOXID ("...)
	b = append(b, id...)
	return append(b, ')')
}
