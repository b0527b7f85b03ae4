package mailbox

import (
	"context"
	"io"
	"time"
)

// Store is the contract between the protocol adapters (SMTP/LMTP delivery,
// POP3, IMAP) and a mail store. It speaks durable facts only: users,
// mailboxes, messages identified by UID, flags, MODSEQs and bytes
// (ARCHITECTURE rule 2). Sessions keep their own sequence numbers and views.
//
// Every method is safe for concurrent use. Every method that changes state
// returns only after the change is durable (ARCHITECTURE rule 3) for stores
// that persist anything.
//
// User names are case-insensitive (stored lower-case). Mailbox names use '/'
// as the hierarchy delimiter; "INBOX" is case-insensitive and always exists.
// Flags are IMAP flag strings: the system flags \Seen \Answered \Flagged
// \Deleted \Draft (matched case-insensitively, returned in this canonical
// case) and keywords (atoms such as $Forwarded, compared case-insensitively,
// returned in the case first seen). \Recent is not stored (RFC 9051 dropped
// it); it is silently ignored in input.
//
// Slices returned by the store (MessageInfo.Flags, FlagUpdate.Flags, ...)
// may be shared between calls and must be treated as read-only.
type Store interface {
	// Users. Passwords are never stored: only salted SCRAM-SHA-256 keys
	// (RFC 5802, RFC 7677), from which PLAIN, LOGIN and SCRAM-SHA-256
	// logins can all be verified.
	CreateUser(ctx context.Context, user, password string) error // ErrUserExists; creates INBOX + special-use folders
	DeleteUser(ctx context.Context, user string) error
	RenameUser(ctx context.Context, oldName, newName string) error
	SetPassword(ctx context.Context, user, password string) error
	ListUsers(ctx context.Context) ([]string, error)
	// ScramCredentials returns the stored SCRAM-SHA-256 keys for SASL.
	ScramCredentials(ctx context.Context, user string) (ScramCredentials, error)
	// VerifyPassword checks a plaintext password (PLAIN, LOGIN, POP3 PASS)
	// in constant time. It returns nil, ErrAuthFailed or ErrNoSuchUser
	// (adapters should report both failures identically to the peer).
	VerifyPassword(ctx context.Context, user, password string) error

	// Addresses. Domains are compared case-insensitively (IDNA A-labels
	// are the caller's business).
	AddDomain(ctx context.Context, domain string) error
	RemoveDomain(ctx context.Context, domain string) error
	Domains(ctx context.Context) ([]string, error)
	// SetAlias makes the address alias (local@domain, in a local domain)
	// deliver to user; an empty user removes the alias.
	SetAlias(ctx context.Context, alias, user string) error
	Aliases(ctx context.Context) (map[string]string, error)
	// SetCatchAll makes unknown local parts of domain deliver to user; an
	// empty user turns the catch-all off (the default).
	SetCatchAll(ctx context.Context, domain, user string) error
	// ResolveRecipient maps an RFC 5321 address to the local user that
	// receives it: aliases, then exact user, then sub-addressing
	// (user+tag@domain → user), then the domain's catch-all. It returns
	// ErrNotLocal when the domain is not local and ErrNoSuchUser when the
	// domain is local but nobody receives the address.
	ResolveRecipient(ctx context.Context, addr string) (string, error)

	// Mailboxes.
	ListMailboxes(ctx context.Context, user string) ([]MailboxInfo, error)
	// CreateMailbox creates a mailbox and any missing parents. specialUse
	// is empty or one of the RFC 6154 attributes (\Sent, \Drafts, ...).
	CreateMailbox(ctx context.Context, user, name string, specialUse string) error
	// DeleteMailbox deletes a mailbox and its messages. INBOX cannot be
	// deleted (ErrInvalidName). A mailbox with children is refused with
	// ErrHasChildren (RFC 9051 §6.3.5: the server keeps it as \Noselect is
	// not supported by this store).
	DeleteMailbox(ctx context.Context, user, name string) error
	// RenameMailbox renames a mailbox and its children. Renaming INBOX
	// moves all its messages into the new mailbox and leaves INBOX empty
	// (RFC 9051 §6.3.6).
	RenameMailbox(ctx context.Context, user, oldName, newName string) error
	SetSubscribed(ctx context.Context, user, name string, subscribed bool) error
	// Subscriptions lists subscribed names (they need not exist).
	Subscriptions(ctx context.Context, user string) ([]string, error)
	// Status returns the counters of a mailbox without scanning it.
	Status(ctx context.Context, user, mailbox string) (MailboxStatus, error)

	// Messages.

	// Append stores a message and returns its UID once it is durable.
	// A zero internalDate means now. ErrOverQuota if the user's quota
	// would be exceeded.
	Append(ctx context.Context, user, mailbox string, r io.Reader, flags []string, internalDate time.Time) (uint32, error)
	// List returns every message of the mailbox in ascending UID order.
	// It reads the in-memory index only; cheap even for 100,000 messages.
	List(ctx context.Context, user, mailbox string) ([]MessageInfo, error)
	// ListChangedSince returns the messages whose MODSEQ is greater than
	// modseq (RFC 7162 CHANGEDSINCE), ascending by UID.
	ListChangedSince(ctx context.Context, user, mailbox string, modseq uint64) ([]MessageInfo, error)
	// Open returns the raw message (RFC 5322 bytes as appended) for
	// random access. The caller must Close it.
	Open(ctx context.Context, user, mailbox string, uid uint32) (Message, error)
	// Cached returns the blob that Options.Analyze computed for the message
	// when it was stored (nil if there is no analyzer).
	Cached(ctx context.Context, user, mailbox string, uid uint32) ([]byte, error)
	// StoreFlags changes the flags of the messages with the given UIDs
	// (missing UIDs are ignored). If unchangedSince is non-zero, messages
	// whose MODSEQ is greater are left alone (RFC 7162 §3.1.3) and the
	// returned error is a *ModifiedError (errors.Is(err, ErrModified))
	// listing them; the updates of the other messages are still returned
	// and applied. Each update reports the message's flags and MODSEQ after
	// the operation; MODSEQ grows only for messages whose flags changed.
	StoreFlags(ctx context.Context, user, mailbox string, uids []uint32, op FlagOp, flags []string, unchangedSince uint64) ([]FlagUpdate, error)
	// Expunge permanently removes the messages with the given UIDs
	// (whatever their flags: the IMAP adapter selects \Deleted ones, POP3
	// its deletion marks) and returns the UIDs actually removed, ascending.
	Expunge(ctx context.Context, user, mailbox string, uids []uint32) ([]uint32, error)
	// Copy copies messages to another mailbox of the same user, keeping
	// flags and internal dates. It returns the source UIDs that existed
	// and, in the same order, their new UIDs (RFC 4315 COPYUID).
	Copy(ctx context.Context, user, src string, uids []uint32, dst string) (srcUIDs, dstUIDs []uint32, err error)
	// Move is Copy + Expunge of the source messages, atomically: no
	// observer or crash ever sees a message in both mailboxes or in neither
	// (RFC 6851).
	Move(ctx context.Context, user, src string, uids []uint32, dst string) (srcUIDs, dstUIDs []uint32, err error)
	// VanishedSince returns the UIDs expunged with a MODSEQ greater than
	// modseq (RFC 7162 QRESYNC VANISHED (EARLIER)), ascending. When the
	// tombstones do not reach that far back it may return a superset: UIDs
	// that never existed or that the client never saw, as RFC 7162 §3.2.5.1 permits.
	VanishedSince(ctx context.Context, user, mailbox string, modseq uint64) ([]uint32, error)

	// Watch subscribes to the change feed of a mailbox: appends, flag
	// changes and expunges in MODSEQ order. The caller must Close the
	// subscription.
	Watch(ctx context.Context, user, mailbox string) (*Subscription, error)

	// Quotas (RFC 9208 vocabulary: STORAGE in bytes here — the IMAP adapter
	// converts to KiB —, MESSAGE as a count). Zero limit means unlimited.
	GetQuota(ctx context.Context, user string) (Quota, error)
	SetQuota(ctx context.Context, user string, storageLimit, messageLimit int64) error

	// Metadata (RFC 5464 entries). mailbox "" addresses the user-level
	// (server) entries. A nil value deletes the entry.
	GetMetadata(ctx context.Context, user, mailbox string) (map[string][]byte, error)
	SetMetadata(ctx context.Context, user, mailbox, key string, value []byte) error

	// Close releases files and locks. Pending operations finish first.
	Close() error
}

// Message is an open stored message: sequential reads, random access for
// partial fetches, and its exact size.
type Message interface {
	io.Reader
	io.ReaderAt
	io.Seeker
	io.Closer
	Size() int64
}

// MailboxInfo describes one mailbox in ListMailboxes.
type MailboxInfo struct {
	Name        string // full name with '/' delimiters; "INBOX" for the inbox
	SpecialUse  string // RFC 6154 attribute such as `\Sent`, or ""
	Subscribed  bool
	HasChildren bool
}

// MailboxStatus holds the counters of a mailbox, kept current on every change.
type MailboxStatus struct {
	Name          string
	UIDValidity   uint32
	UIDNext       uint32
	HighestModSeq uint64
	Messages      uint32
	Unseen        uint32 // messages without \Seen
	Deleted       uint32 // messages with \Deleted
	Size          int64  // sum of message sizes in bytes
	SpecialUse    string
	// MailboxID is the mailbox's object id (RFC 8474 §4 MAILBOXID): the
	// same for as long as the mailbox exists, kept across RenameMailbox,
	// never shared by two mailboxes of the store nor reused. The built-in
	// stores derive it from UIDVALIDITY (see mailboxID).
	MailboxID string
}

// MessageInfo is the per-message index entry returned by List.
type MessageInfo struct {
	UID          uint32
	ModSeq       uint64
	Size         int64
	InternalDate time.Time
	SaveDate     time.Time // when it was stored in this mailbox (RFC 8514)
	Flags        []string  // read-only, may be shared between messages
}

// FlagOp selects how StoreFlags combines the given flags with the current ones.
type FlagOp uint8

const (
	FlagsSet    FlagOp = iota // replace (STORE FLAGS)
	FlagsAdd                  // add (STORE +FLAGS)
	FlagsRemove               // remove (STORE -FLAGS)
)

// FlagUpdate is the state of one message after StoreFlags.
type FlagUpdate struct {
	UID     uint32
	ModSeq  uint64
	Flags   []string // read-only
	Changed bool     // the flags actually changed (and ModSeq grew)
}

// Quota is a user's usage and limits (RFC 9208 STORAGE and MESSAGE
// resources). A zero limit means unlimited.
type Quota struct {
	StorageUsed  int64 // bytes
	StorageLimit int64 // bytes
	MessagesUsed int64
	MessageLimit int64
}

// Standard system flags (RFC 9051 §2.3.2).
const (
	FlagSeen     = `\Seen`
	FlagAnswered = `\Answered`
	FlagFlagged  = `\Flagged`
	FlagDeleted  = `\Deleted`
	FlagDraft    = `\Draft`
)

// Special-use attributes (RFC 6154) created for every new user.
const (
	SpecialSent    = `\Sent`
	SpecialDrafts  = `\Drafts`
	SpecialTrash   = `\Trash`
	SpecialJunk    = `\Junk`
	SpecialArchive = `\Archive`
	SpecialAll     = `\All`
	SpecialFlagged = `\Flagged`
)

// DefaultFolders are the mailboxes CreateUser makes besides INBOX, with
// their special-use attributes.
var DefaultFolders = []struct{ Name, SpecialUse string }{
	{"Sent", SpecialSent},
	{"Drafts", SpecialDrafts},
	{"Trash", SpecialTrash},
	{"Junk", SpecialJunk},
	{"Archive", SpecialArchive},
}

// Options configure a store. The zero value works.
type Options struct {
	// Analyze, if set, is run once on every stored message (Append,
	// delivery, Copy keeps the blob) and its result is kept with the
	// message in the index; Store.Cached returns it. The IMAP adapter
	// plugs its ENVELOPE/BODYSTRUCTURE encoder here. An error is logged
	// and stores a nil blob.
	Analyze func(r io.Reader) ([]byte, error)
	// ScramIterations is the PBKDF2 iteration count for new passwords
	// (default 4096, the RFC 7677 minimum).
	ScramIterations int
	// MaxMessageSize bounds one message (default 64 MiB); larger appends
	// fail with ErrTooBig.
	MaxMessageSize int64
	// EventBuffer is the capacity of each Watch subscription (default
	// 1024 events); when a slow subscriber falls behind it receives
	// EventOverflow instead of the lost events.
	EventBuffer int
	// Tombstones is how many expunged UIDs per mailbox are remembered for
	// VanishedSince (default 100,000).
	Tombstones int
	// RecycledFiles is how many expunged message files (emptied) a
	// Maildir mailbox keeps in its tmp/ to be reused by the next
	// deliveries instead of creating files (default 4096, negative: none;
	// see maildir_spare.go). They are removed when the mailbox is closed.
	RecycledFiles int
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives internal errors (default slog.Default()).
	Logger Logger
}

// Outbound is the relay contract between the SMTP adapter and an outbound
// queue (dnsmx.Queue implements it): Relay returns only after the message
// is queued durably.
type Outbound interface {
	Relay(ctx context.Context, from string, to []string, body io.Reader) error
}

// EnvelopeOutbound is an Outbound that also carries the submission's DSN
// parameters (RFC 3461) and body type; the SMTP adapter calls RelayEnvelope
// instead of Relay when its Outbound implements it. The types are plain so
// that a queue package need not be imported here: a few lines convert them
// (see examples/mailserver/server for dnsmx.Queue.Enqueue).
type EnvelopeOutbound interface {
	Outbound
	RelayEnvelope(ctx context.Context, env *RelayEnvelope, body io.Reader) error
}

// RelayEnvelope is the envelope of a message to relay.
type RelayEnvelope struct {
	From       string // "" is the null sender
	Rcpts      []RelayRecipient
	EnvelopeID string // ENVID (RFC 3461 §4.4), "" when absent
	Return     string // RET (RFC 3461 §4.3): "FULL", "HDRS" or ""
	BodyType   string // BODY (RFC 6152, RFC 3030): "7BIT", "8BITMIME", "BINARYMIME" or ""
	SMTPUTF8   bool   // SMTPUTF8 (RFC 6531)
}

// RelayRecipient is one recipient of a RelayEnvelope.
type RelayRecipient struct {
	Addr string
	// Notify is the NOTIFY list (RFC 3461 §4.1): "NEVER", "SUCCESS",
	// "FAILURE", "DELAY"; nil when absent.
	Notify []string
	// ORCPTType and ORCPT are the ORCPT parameter (RFC 3461 §4.2): the
	// address type (e.g. "rfc822") and the decoded original address.
	ORCPTType, ORCPT string
}
