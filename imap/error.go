package imap

import "strings"

// StatusType is the kind of a status response (RFC 9051 §7.1).
type StatusType string

// Status response types.
const (
	StatusOK      StatusType = "OK"
	StatusNO      StatusType = "NO"
	StatusBAD     StatusType = "BAD"
	StatusBYE     StatusType = "BYE"
	StatusPREAUTH StatusType = "PREAUTH"
)

// ResponseCode is the atom in brackets at the start of status response
// text, e.g. [TRYCREATE] (RFC 9051 §7.1, RFC 5530).
type ResponseCode string

// Response codes of RFC 9051 §7.1 and RFC 3501 §7.1.
const (
	CodeAlert          ResponseCode = "ALERT"
	CodeBadCharset     ResponseCode = "BADCHARSET"
	CodeCapability     ResponseCode = "CAPABILITY"
	CodeParse          ResponseCode = "PARSE"
	CodePermanentFlags ResponseCode = "PERMANENTFLAGS"
	CodeReadOnly       ResponseCode = "READ-ONLY"
	CodeReadWrite      ResponseCode = "READ-WRITE"
	CodeTryCreate      ResponseCode = "TRYCREATE"
	CodeUIDNext        ResponseCode = "UIDNEXT"
	CodeUIDValidity    ResponseCode = "UIDVALIDITY"
	CodeUnseen         ResponseCode = "UNSEEN"
	CodeAppendUID      ResponseCode = "APPENDUID" // RFC 4315, RFC 9051
	CodeCopyUID        ResponseCode = "COPYUID"   // RFC 4315, RFC 9051
	CodeUIDNotSticky   ResponseCode = "UIDNOTSTICKY"
	CodeClosed         ResponseCode = "CLOSED" // RFC 7162, RFC 9051
	CodeNotSaved       ResponseCode = "NOTSAVED"
	CodeHasChildren    ResponseCode = "HASCHILDREN"
	CodeTooBig         ResponseCode = "TOOBIG" // RFC 7889
)

// Response codes of RFC 5530 §3.
const (
	CodeUnavailable          ResponseCode = "UNAVAILABLE"
	CodeAuthenticationFailed ResponseCode = "AUTHENTICATIONFAILED"
	CodeAuthorizationFailed  ResponseCode = "AUTHORIZATIONFAILED"
	CodeExpired              ResponseCode = "EXPIRED"
	CodePrivacyRequired      ResponseCode = "PRIVACYREQUIRED"
	CodeContactAdmin         ResponseCode = "CONTACTADMIN"
	CodeNoPerm               ResponseCode = "NOPERM"
	CodeInUse                ResponseCode = "INUSE"
	CodeExpungeIssued        ResponseCode = "EXPUNGEISSUED"
	CodeCorruption           ResponseCode = "CORRUPTION"
	CodeServerBug            ResponseCode = "SERVERBUG"
	CodeClientBug            ResponseCode = "CLIENTBUG"
	CodeCannot               ResponseCode = "CANNOT"
	CodeLimit                ResponseCode = "LIMIT"
	CodeOverQuota            ResponseCode = "OVERQUOTA"
	CodeAlreadyExists        ResponseCode = "ALREADYEXISTS"
	CodeNonExistent          ResponseCode = "NONEXISTENT"
)

// Response codes of extensions.
const (
	CodeHighestModSeq        ResponseCode = "HIGHESTMODSEQ"        // RFC 7162
	CodeNoModSeq             ResponseCode = "NOMODSEQ"             // RFC 7162
	CodeModified             ResponseCode = "MODIFIED"             // RFC 7162
	CodeUseAttr              ResponseCode = "USEATTR"              // RFC 6154
	CodeCompressionActive    ResponseCode = "COMPRESSIONACTIVE"    // RFC 4978
	CodeMetadata             ResponseCode = "METADATA"             // RFC 5464
	CodeNotificationOverflow ResponseCode = "NOTIFICATIONOVERFLOW" // RFC 5465
	CodeBadEvent             ResponseCode = "BADEVENT"             // RFC 5465
	CodeMailboxID            ResponseCode = "MAILBOXID"            // RFC 8474
)

// Error is a NO, BAD or BYE status response as a Go error. Backends return
// it to choose the response the server sends; the client returns it when a
// command fails. Match it with errors.As.
type Error struct {
	Type StatusType   // NO, BAD or BYE
	Code ResponseCode // optional response code, without brackets
	// CodeArg is the raw text after the code inside the brackets, for
	// example "38505 3955" for [APPENDUID 38505 3955]; empty if none.
	CodeArg string
	Text    string // human-readable text; never internal error details
}

// Error returns the response as it would be written after the tag, for
// example "NO [TRYCREATE] Mailbox does not exist".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("imap: ")
	b.WriteString(string(e.Type))
	if e.Code != "" {
		b.WriteString(" [")
		b.WriteString(string(e.Code))
		if e.CodeArg != "" {
			b.WriteByte(' ')
			b.WriteString(e.CodeArg)
		}
		b.WriteByte(']')
	}
	if e.Text != "" {
		b.WriteByte(' ')
		b.WriteString(e.Text)
	}
	return b.String()
}

// ErrNo returns a NO error with the given code and text.
func ErrNo(code ResponseCode, text string) *Error {
	return &Error{Type: StatusNO, Code: code, Text: text}
}

// ErrBad returns a BAD error with the given code and text.
func ErrBad(code ResponseCode, text string) *Error {
	return &Error{Type: StatusBAD, Code: code, Text: text}
}
