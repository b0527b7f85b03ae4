package imap

import "strings"

// Delim is the hierarchy delimiter of every mailwire mailbox name.
const Delim = '/'

// Inbox is the name of the special mailbox INBOX; it is case-insensitive
// (RFC 9051 §5.1).
const Inbox = "INBOX"

// CanonicalMailboxName returns "INBOX" for any case variant of INBOX and
// for names below it ("inbox/x" becomes "INBOX/x"); other names are
// returned unchanged.
func CanonicalMailboxName(name string) string {
	if len(name) < 5 || !strings.EqualFold(name[:5], Inbox) {
		return name
	}
	if len(name) == 5 {
		return Inbox
	}
	if name[5] == Delim {
		return Inbox + name[5:]
	}
	return name
}
