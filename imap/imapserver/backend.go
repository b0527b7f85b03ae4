package imapserver

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"time"

	"github.com/mailwire/mailwire/internal/sasl"
)

// This file is the contract between the server and a mail store.
//
// Backends speak durable facts (ARCHITECTURE rule 2): mailboxes by name,
// messages by UID, flags, MODSEQs and message bytes. They never see sequence
// numbers, never decide when an untagged EXISTS, EXPUNGE or FETCH is sent and
// never format IMAP responses. The server keeps every session's
// sequence-number view and applies the backend's change feed to it only at the
// points RFC 9051 §7.5.1 and §5.5 allow.
//
// Every method takes the connection's context first; it is cancelled when the
// connection ends. Errors returned by a backend are logged; the client sees a
// generic NO unless the error is an *imap.Error (or wraps one), whose
// response code and text are sent as they are, or one of the Err values of
// this package.

// Backend creates one Session per accepted connection.
type Backend interface {
	NewSession(ctx context.Context, conn ConnInfo) (Session, error)
}

// ConnInfo describes the connection a session belongs to.
type ConnInfo struct {
	LocalAddr  net.Addr
	RemoteAddr net.Addr
	// TLS is non-nil once the connection is encrypted (implicit TLS or
	// after STARTTLS).
	TLS *tls.ConnectionState
}

// Session is the not-yet-authenticated state of one connection.
type Session interface {
	// Login checks a user name and password (LOGIN, and AUTHENTICATE PLAIN
	// when the session does not implement SASLSession). It returns
	// ErrAuthFailed (or an *Error) for wrong credentials.
	Login(ctx context.Context, username, password string) (User, error)
	// Close releases the session; it is called once when the connection
	// ends, after the User (if any) has been closed.
	Close() error
}

// SASLSession is implemented by sessions that run SASL mechanisms
// themselves (AUTHENTICATE, RFC 9051 §6.2.2, RFC 4959 SASL-IR).
type SASLSession interface {
	Session
	// Mechanisms lists the mechanism names advertised as AUTH=.
	Mechanisms(conn ConnInfo) []string
	// Authenticate starts an exchange. The server feeds the client's
	// responses to Next until done; then it calls Authenticated.
	Authenticate(ctx context.Context, mechanism string) (SASLServer, error)
	// Authenticated returns the user the finished exchange authenticated.
	Authenticated(ctx context.Context) (User, error)
}

// SASLServer is one server-side SASL exchange: the state machine of
// internal/sasl (Next(response) (challenge, done, err), then Identity),
// re-exported so that backends outside this module can name it.
type SASLServer = sasl.Server

// SASL mechanisms a SASLSession can return from Authenticate; they are the
// module's internal/sasl implementations, re-exported.
type (
	// PlainFunc checks a user name and password (PLAIN, LOGIN).
	PlainFunc = sasl.PlainFunc
	// ScramCredentials are the salted keys SCRAM-SHA-256 needs.
	ScramCredentials = sasl.ScramCredentials
	// ScramLookupFunc returns a user's SCRAM credentials.
	ScramLookupFunc = sasl.ScramLookupFunc
)

// NewPlainServer returns the PLAIN mechanism (RFC 4616).
func NewPlainServer(check PlainFunc) SASLServer { return sasl.NewPlainServer(check) }

// NewLoginServer returns the LOGIN mechanism.
func NewLoginServer(check PlainFunc) SASLServer { return sasl.NewLoginServer(check) }

// NewScramSHA256Server returns the SCRAM-SHA-256 mechanism (RFC 7677).
func NewScramSHA256Server(lookup ScramLookupFunc) SASLServer {
	return sasl.NewScramSHA256Server(lookup)
}

// ErrSASLAuthFailed is the error a PlainFunc returns (wrapped or as is) to
// reject credentials.
var ErrSASLAuthFailed = sasl.ErrAuthFailed

// User is the authenticated state: the mailboxes of one user.
// Mailbox names are UTF-8 with Delimiter as the hierarchy separator; the
// server converts modified UTF-7 names of IMAP4rev1 clients.
type User interface {
	Username() string
	// ListMailboxes returns every mailbox of the user (the server does
	// pattern matching, LIST-EXTENDED selection and CHILDREN).
	ListMailboxes(ctx context.Context) ([]MailboxInfo, error)
	Create(ctx context.Context, name string, specialUse []string) error
	Delete(ctx context.Context, name string) error
	Rename(ctx context.Context, oldName, newName string) error
	SetSubscribed(ctx context.Context, name string, subscribed bool) error
	Status(ctx context.Context, name string) (MailboxStatus, error)
	// Append stores a message read from body, which yields exactly size
	// bytes. It returns only when the message is durable (rule 3).
	Append(ctx context.Context, name string, msg AppendMessage, body io.Reader) (AppendResult, error)
	// Select opens a mailbox for this session. The returned Mailbox
	// delivers the changes made after its snapshot through its feed.
	Select(ctx context.Context, name string, readOnly bool) (Mailbox, error)
	// Close is called when the connection ends or the user logs out.
	Close() error
}

// Delimiter is the hierarchy separator the server announces for the
// personal namespace.
const Delimiter = '/'

// MailboxInfo is one entry of ListMailboxes.
type MailboxInfo struct {
	Name       string
	Subscribed bool
	// NoSelect marks a name that exists only as a parent (\Noselect).
	NoSelect bool
	// SpecialUse holds RFC 6154 attributes such as `\Sent` or `\Trash`.
	SpecialUse []string
}

// MailboxStatus holds the counters STATUS and SELECT need.
type MailboxStatus struct {
	Messages      uint32
	Unseen        uint32
	Recent        uint32
	UIDNext       uint32
	UIDValidity   uint32
	HighestModSeq uint64
	Size          int64 // total octets (STATUS SIZE, RFC 8438)
	Deleted       uint32
}

// AppendMessage is what APPEND tells the store about a new message.
type AppendMessage struct {
	Flags        []string
	InternalDate time.Time // zero: now
	Size         int64
}

// AppendResult identifies a stored message (APPENDUID, RFC 4315).
type AppendResult struct {
	UIDValidity uint32
	UID         uint32
}

// CopyResult maps source UIDs to destination UIDs (COPYUID, RFC 4315).
// SourceUIDs[i] became DestUIDs[i].
type CopyResult struct {
	UIDValidity uint32
	SourceUIDs  []uint32
	DestUIDs    []uint32
}

// MessageMeta is the part of a message a session's view keeps in memory.
type MessageMeta struct {
	UID    uint32
	ModSeq uint64
	// Flags must not be modified by the receiver or the backend after it
	// has been handed over; backends may share one slice between many
	// messages (the server interns flag lists).
	Flags []string
}

// Mailbox is a selected mailbox as seen by one session.
type Mailbox interface {
	// Status reports UIDVALIDITY, UIDNEXT and HIGHESTMODSEQ as of the
	// snapshot (or the last Changes call).
	Status() MailboxStatus
	// PermanentFlags lists keywords the mailbox stores, besides system
	// flags; a nil result means any keyword may be created (\*).
	PermanentFlags() []string
	// Snapshot calls fn for every message, in ascending UID order, as of
	// the moment the Mailbox was selected. It is called once.
	Snapshot(ctx context.Context, fn func(MessageMeta) error) error
	// Fetch calls fn for each message of uids (ascending) that still
	// exists. The Message is valid only during the call.
	Fetch(ctx context.Context, uids []uint32, fn func(Message) error) error
	// Store changes flags of the given messages. With unchangedSince != 0
	// (CONDSTORE, RFC 7162 §3.1.3) messages whose MODSEQ is greater are
	// not changed and are reported in failed. fn is called for each
	// message changed with its new flags and MODSEQ.
	Store(ctx context.Context, uids []uint32, op StoreOp, flags []string, unchangedSince uint64, fn func(MessageMeta)) (failed []uint32, err error)
	// Expunge removes the given messages, all of which carry \Deleted
	// from the server's point of view; the backend removes only those
	// that still do. It returns the UIDs removed.
	Expunge(ctx context.Context, uids []uint32) ([]uint32, error)
	// Copy copies messages into another mailbox of the user.
	Copy(ctx context.Context, uids []uint32, dest string) (CopyResult, error)
	// Move moves messages (RFC 6851); the source messages are expunged
	// and reported back through Changes like any other expunge.
	Move(ctx context.Context, uids []uint32, dest string) (CopyResult, error)
	// Updates signals (never blocks the backend, buffer of one) that
	// Changes has something new.
	Updates() <-chan struct{}
	// Changes drains the changes made since the snapshot or the previous
	// call, in MODSEQ order. overflow reports that changes were lost: the
	// server then re-reads the mailbox with Resync.
	Changes() (changes []Change, overflow bool)
	// Resync is like Snapshot but for the current state; it is called
	// after Changes reported an overflow.
	Resync(ctx context.Context, fn func(MessageMeta) error) error
	// Close releases the mailbox (CLOSE, UNSELECT, another SELECT,
	// logout).
	Close() error
}

// VanishedSincer is an optional Mailbox interface: the backend's expunge
// tombstones. VanishedSince returns the UIDs expunged with a MODSEQ above
// modseq (a superset is allowed when old tombstones were collapsed, RFC
// 7162 §3.2.5.1). With it, QRESYNC's VANISHED (EARLIER) and UID FETCH
// (VANISHED) name only what changed since the client's MODSEQ instead of
// every gap in the UID range.
type VanishedSincer interface {
	VanishedSince(ctx context.Context, modseq uint64) ([]uint32, error)
}

// StoreOp is the kind of STORE.
type StoreOp int

const (
	StoreReplace StoreOp = iota // FLAGS
	StoreAdd                    // +FLAGS
	StoreRemove                 // -FLAGS
)

// ChangeKind tells what a Change is.
type ChangeKind int

const (
	ChangeAppend ChangeKind = iota + 1
	ChangeExpunge
	ChangeFlags
)

// Change is one entry of a mailbox's change feed.
type Change struct {
	Kind   ChangeKind
	UID    uint32
	ModSeq uint64
	Flags  []string // ChangeAppend, ChangeFlags: the message's flags now
}

// Message gives the facts of one message to FETCH and SEARCH.
type Message interface {
	UID() uint32
	Flags() []string
	ModSeq() uint64
	InternalDate() time.Time
	Size() int64
	// Open returns the raw message (RFC 5322 bytes, CRLF line ends) as a
	// ReaderAt of Size bytes; the server closes it.
	Open() (MessageReader, error)
	// Structure returns the cached structure the store computed when the
	// message arrived (see the store's analyzer hook) or nil when it has
	// none; the server then parses the message itself.
	Structure() []byte
}

// MessageReader is an open message body.
type MessageReader interface {
	io.ReaderAt
	io.Reader
	io.Closer
}

// NotifyUser is implemented by users that can report changes outside the
// selected mailbox, for NOTIFY (RFC 5465; cmd_notify.go). Without it NOTIFY
// still works for the SELECTED and SELECTED-DELAYED filters, and other
// filters get NO.
type NotifyUser interface {
	User
	// Notify starts a watcher for this connection; the server closes it
	// on NOTIFY NONE, on another NOTIFY SET and when the connection ends.
	// queueSize bounds the mailbox-list events the Notifier buffers;
	// beyond it Events reports an overflow.
	Notify(ctx context.Context, queueSize int) (Notifier, error)
}

// Notifier reports the durable facts NOTIFY needs: which watched mailbox
// saw appends, expunges or flag changes, and which mailboxes were
// created, deleted, renamed, subscribed or unsubscribed. It never formats
// responses; the server turns events into STATUS and LIST responses.
type Notifier interface {
	// Watch replaces the set of mailboxes whose message changes are
	// reported. Names that do not exist are ignored. After a rename or
	// delete the server calls Watch again with the new set.
	Watch(ctx context.Context, names []string) error
	// Updates signals (buffer of one, never blocks the backend) that
	// Events has something new.
	Updates() <-chan struct{}
	// Events drains what happened since the previous call. Message events
	// may be coalesced to one per mailbox and ChangeKind. overflow reports
	// that mailbox-list events were lost (RFC 5465 §5.8).
	Events() (events []NotifyEvent, overflow bool)
	Close() error
}

// NotifyEventKind tells what a NotifyEvent reports.
type NotifyEventKind int

const (
	// NotifyMessages: messages of Name changed as Change tells
	// (ChangeAppend, ChangeExpunge or ChangeFlags).
	NotifyMessages    NotifyEventKind = iota + 1
	NotifyCreate                      // Name was created
	NotifyDelete                      // Name was deleted
	NotifyRename                      // OldName and its children became Name
	NotifySubscribe                   // Name was subscribed
	NotifyUnsubscribe                 // Name was unsubscribed
	// NotifyMetadata: the METADATA entry Entry of mailbox Name (of the
	// server when Name is "") was set or deleted (RFC 5465 §5.6, §5.7).
	// Backends should not report changes the watching session made
	// itself (§5 SHOULD NOT).
	NotifyMetadata
)

// NotifyEvent is one entry of a Notifier.
type NotifyEvent struct {
	Kind    NotifyEventKind
	Name    string
	OldName string     // NotifyRename
	Change  ChangeKind // NotifyMessages
	Entry   string     // NotifyMetadata: the entry name, lower case
}
