package mailbox

import "strconv"

// mailboxID derives a mailbox's MAILBOXID (RFC 8474 §4) from its
// UIDVALIDITY. That is sound for both built-in stores because:
//
//   - UIDVALIDITY values come from one store-wide counter that never hands
//     out a value twice: the Maildir store's persisted, strictly increasing
//     .mailwire/uidvalidity (nextUIDValidity), the memory store's
//     process-wide atomic counter. So no two mailboxes of a store (of any
//     user) share one, and a deleted and re-created mailbox gets a new one.
//   - RenameMailbox keeps it: the Maildir store renames the folder
//     together with its index, which holds UIDVALIDITY; the memory store
//     moves the mailbox state to the new name. RFC 8474 §4 wants exactly
//     this (same id across RENAME); renaming INBOX creates a new mailbox
//     (RFC 9051 §6.3.6) with a new id and leaves INBOX its own.
//   - RFC 8474 §4 lets the id change when UIDVALIDITY changes, the only
//     case where it does (a Maildir index rebuilt without usable file
//     names).
//
// Two Maildir folders copied by hand outside the store would share a
// UIDVALIDITY and so an id; the store never does that itself.
func mailboxID(uidValidity uint32) string {
	b := make([]byte, 0, 9)
	b = append(b, 'F')
	return string(strconv.AppendUint(b, uint64(uidValidity), 16))
}
