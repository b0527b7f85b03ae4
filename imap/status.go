package imap

// StatusOptions selects the STATUS data items to return (RFC 9051 §6.3.11).
type StatusOptions struct {
	NumMessages   bool // MESSAGES
	UIDNext       bool // UIDNEXT
	UIDValidity   bool // UIDVALIDITY
	NumUnseen     bool // UNSEEN
	NumDeleted    bool // DELETED (RFC 9051)
	Size          bool // SIZE (RFC 9051, RFC 8438)
	NumRecent     bool // RECENT (IMAP4rev1 only)
	HighestModSeq bool // HIGHESTMODSEQ (RFC 7162)
	AppendLimit   bool // APPENDLIMIT (RFC 7889)
	MailboxID     bool // MAILBOXID (RFC 8474)
}

// StatusData is the result of STATUS or of LIST RETURN (STATUS ...).
// A nil pointer means the item was not requested or not returned.
type StatusData struct {
	Mailbox       string
	NumMessages   *uint32
	UIDNext       uint32 // 0 if not returned
	UIDValidity   uint32 // 0 if not returned
	NumUnseen     *uint32
	NumDeleted    *uint32
	Size          *int64
	NumRecent     *uint32
	HighestModSeq uint64  // 0 if not returned
	AppendLimit   *uint32 // APPENDLIMIT; nil = not returned
	MailboxID     string
}

// SelectOptions are the options of SELECT and EXAMINE.
type SelectOptions struct {
	ReadOnly  bool // EXAMINE
	CondStore bool // (CONDSTORE), RFC 7162
	// QResync holds the QRESYNC parameters (RFC 7162 §3.2.5); nil if absent.
	QResync *SelectQResync
}

// SelectQResync are the parameters of SELECT ... (QRESYNC (...)).
type SelectQResync struct {
	UIDValidity  uint32
	ModSeq       uint64
	KnownUIDs    UIDSet // optional
	SeqMatchSeqs SeqSet // optional known-sequence-set
	SeqMatchUIDs UIDSet // optional known-uid-set
}

// SelectData is what SELECT/EXAMINE report about the mailbox (RFC 9051 §6.3.2).
type SelectData struct {
	Flags          []Flag
	PermanentFlags []Flag
	NumMessages    uint32
	NumRecent      uint32 // IMAP4rev1 only
	UIDNext        uint32
	UIDValidity    uint32
	FirstUnseen    uint32 // IMAP4rev1 [UNSEEN n]; 0 if none
	ReadOnly       bool
	HighestModSeq  uint64    // 0 if the server has no CONDSTORE
	List           *ListData // IMAP4rev2 servers send a LIST response
	MailboxID      string    // OBJECTID [MAILBOXID (id)], RFC 8474 §4.2; "" if not sent
}
