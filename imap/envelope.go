package imap

// Envelope is the ENVELOPE of a message (RFC 9051 §7.5.2). String fields
// hold the raw header values, unfolded but not decoded: encoded words
// (RFC 2047) stay encoded, as IMAP requires. An empty string is sent as
// NIL unless Empty marks the header as present but empty, which is sent
// as "" (RFC 9051 §7.5.2).
type Envelope struct {
	Date      string // raw Date: header
	Subject   string
	From      []Address
	Sender    []Address
	ReplyTo   []Address
	To        []Address
	Cc        []Address
	Bcc       []Address
	InReplyTo string // raw In-Reply-To: value
	MessageID string // raw Message-ID: value

	// Empty flags the Date, Subject, In-Reply-To and Message-ID fields
	// that were present in the header but empty.
	Empty EnvelopeFields
}

// EnvelopeFields is a set of envelope string fields.
type EnvelopeFields uint8

// Envelope string fields.
const (
	EnvelopeDate EnvelopeFields = 1 << iota
	EnvelopeSubject
	EnvelopeInReplyTo
	EnvelopeMessageID
)

// Address is one address of an envelope (RFC 9051 §7.5.2 address):
// personal name, mailbox (local part) and host. The source route (adl) is
// always NIL.
//
// Group syntax (RFC 5322 §3.4) is a start marker with Host == "" and
// Mailbox set to the group name, then the members, then an end marker with
// Mailbox == "" and Host == "".
type Address struct {
	Name    string // personal name, raw (encoded words kept)
	Mailbox string // local part
	Host    string // domain
}

// Addr returns "mailbox@host", or the mailbox alone if there is no host.
func (a Address) Addr() string {
	if a.Host == "" {
		return a.Mailbox
	}
	return a.Mailbox + "@" + a.Host
}

// IsGroupStart reports whether a is a group start marker.
func (a Address) IsGroupStart() bool { return a.Host == "" && a.Mailbox != "" }

// IsGroupEnd reports whether a is a group end marker.
func (a Address) IsGroupEnd() bool { return a.Host == "" && a.Mailbox == "" }
