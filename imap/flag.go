package imap

import "strings"

// Flag is a message flag: a system flag such as \Seen or a keyword such as
// $Forwarded (RFC 9051 §2.3.2). System flags begin with a backslash.
type Flag string

// System flags (RFC 9051 §2.3.2, RFC 3501 §2.3.2).
const (
	FlagSeen     Flag = `\Seen`
	FlagAnswered Flag = `\Answered`
	FlagFlagged  Flag = `\Flagged`
	FlagDeleted  Flag = `\Deleted`
	FlagDraft    Flag = `\Draft`
	// FlagRecent exists only for IMAP4rev1 sessions; IMAP4rev2 removed it
	// (RFC 9051 Appendix E). It cannot be set by STORE.
	FlagRecent Flag = `\Recent`

	// FlagWildcard appears only in PERMANENTFLAGS: the client may create
	// new keywords (RFC 9051 §7.1).
	FlagWildcard Flag = `\*`
)

// Common keywords (RFC 9051 §2.3.2, registered in the IMAP keywords registry).
const (
	FlagForwarded  Flag = "$Forwarded"
	FlagMDNSent    Flag = "$MDNSent"
	FlagJunk       Flag = "$Junk"
	FlagNotJunk    Flag = "$NotJunk"
	FlagPhishing   Flag = "$Phishing"
	FlagImportant  Flag = "$Important"
	FlagSubmitted  Flag = "$Submitted"
	FlagSubmitPend Flag = "$SubmitPending"
)

var systemFlags = [...]Flag{FlagSeen, FlagAnswered, FlagFlagged, FlagDeleted, FlagDraft, FlagRecent}

// IsSystem reports whether f is a system flag (begins with a backslash).
func (f Flag) IsSystem() bool { return len(f) > 0 && f[0] == '\\' }

// Canonical returns the flag with system flags in their canonical case:
// flags compare case-insensitively (RFC 9051 §2.3.2), so `\SEEN` becomes `\Seen`.
// Keywords are returned unchanged.
func (f Flag) Canonical() Flag {
	if !f.IsSystem() {
		return f
	}
	for _, s := range systemFlags {
		if strings.EqualFold(string(f), string(s)) {
			return s
		}
	}
	return f
}

// Equal reports whether two flags are the same flag; flag names are
// case-insensitive.
func (f Flag) Equal(g Flag) bool { return strings.EqualFold(string(f), string(g)) }

// IsValidKeyword reports whether f is a syntactically valid keyword: a
// non-empty atom without atom-specials, "]" or a leading backslash
// (RFC 9051 §9 flag-keyword).
func (f Flag) IsValidKeyword() bool {
	if len(f) == 0 || f[0] == '\\' {
		return false
	}
	for i := 0; i < len(f); i++ {
		if !IsAtomChar(f[i]) {
			return false
		}
	}
	return true
}

// IsAtomChar reports whether c may appear in an atom (RFC 9051 §9 ATOM-CHAR):
// any CHAR except atom-specials: ( ) { SP CTL % * " \ ].
func IsAtomChar(c byte) bool {
	if c <= 0x20 || c >= 0x7f {
		return false
	}
	switch c {
	case '(', ')', '{', '%', '*', '"', '\\', ']':
		return false
	}
	return true
}

// MailboxAttr is a mailbox name attribute returned by LIST (RFC 9051 §7.3.1)
// or a special-use attribute (RFC 6154).
type MailboxAttr string

// Mailbox name attributes (RFC 9051 §7.3.1, RFC 5258, RFC 3348).
const (
	MailboxAttrNonExistent   MailboxAttr = `\NonExistent`
	MailboxAttrNoInferiors   MailboxAttr = `\Noinferiors`
	MailboxAttrNoSelect      MailboxAttr = `\Noselect`
	MailboxAttrHasChildren   MailboxAttr = `\HasChildren`
	MailboxAttrHasNoChildren MailboxAttr = `\HasNoChildren`
	MailboxAttrMarked        MailboxAttr = `\Marked`
	MailboxAttrUnmarked      MailboxAttr = `\Unmarked`
	MailboxAttrSubscribed    MailboxAttr = `\Subscribed`
	MailboxAttrRemote        MailboxAttr = `\Remote`
)

// Special-use attributes (RFC 6154 §2, RFC 8457 for \Important).
const (
	MailboxAttrAll       MailboxAttr = `\All`
	MailboxAttrArchive   MailboxAttr = `\Archive`
	MailboxAttrDrafts    MailboxAttr = `\Drafts`
	MailboxAttrFlagged   MailboxAttr = `\Flagged`
	MailboxAttrJunk      MailboxAttr = `\Junk`
	MailboxAttrSent      MailboxAttr = `\Sent`
	MailboxAttrTrash     MailboxAttr = `\Trash`
	MailboxAttrImportant MailboxAttr = `\Important`
)

// IsSpecialUse reports whether a is one of the RFC 6154/8457 special-use attributes.
func (a MailboxAttr) IsSpecialUse() bool {
	switch {
	case strings.EqualFold(string(a), string(MailboxAttrAll)),
		strings.EqualFold(string(a), string(MailboxAttrArchive)),
		strings.EqualFold(string(a), string(MailboxAttrDrafts)),
		strings.EqualFold(string(a), string(MailboxAttrFlagged)),
		strings.EqualFold(string(a), string(MailboxAttrJunk)),
		strings.EqualFold(string(a), string(MailboxAttrSent)),
		strings.EqualFold(string(a), string(MailboxAttrTrash)),
		strings.EqualFold(string(a), string(MailboxAttrImportant)):
		return true
	}
	return false
}
