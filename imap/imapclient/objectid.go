package imapclient

import (
	"strings"

	"github.com/mailwire/mailwire/imap"
	"github.com/mailwire/mailwire/imap/internal/wire"
)

// This file is the client side of OBJECTID (RFC 8474): the MAILBOXID of
// CREATE's tagged OK, of SELECT/EXAMINE (imap.SelectData.MailboxID) and of
// STATUS (imap.StatusOptions.MailboxID). EMAILID and THREADID are FETCH
// items (imap.FetchOptions) and search keys (imap.SearchCriteria).

// MailboxID returns the MAILBOXID response code of a finished command's
// tagged OK: the new mailbox's id after Create (RFC 8474 §4.1), "" if the
// server sent none or the command has not finished.
func (c *Command) MailboxID() string {
	st := c.Status()
	if st == nil || st.Code != imap.CodeMailboxID {
		return ""
	}
	return objectIDArg(st.CodeArg)
}

// objectIDArg returns the objectid of a "(id)" response-code argument.
func objectIDArg(arg string) string {
	arg = strings.TrimSpace(arg)
	if len(arg) < 3 || arg[0] != '(' || arg[len(arg)-1] != ')' {
		return ""
	}
	return arg[1 : len(arg)-1]
}

// readObjectID reads "(" objectid ")".
func readObjectID(d *wire.Decoder) (string, error) {
	var id string
	err := d.List(func() error {
		var e error
		id, e = d.Atom()
		return e
	})
	return id, err
}
