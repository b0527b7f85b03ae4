package pop3

import "strings"

// Error is a POP3 failure: an -ERR response with its RFC 2449 extended
// response code (RFC 3206 defines IN-USE, LOGIN-DELAY, SYS/TEMP, SYS/PERM and
// AUTH; RFC 6856 defines UTF8) and the human-readable text.
//
// A Backend returns *Error (or an error wrapping one) to choose the response
// the client sees; the server sends Code and Message as is. Any other error
// from a backend is logged and the client sees a generic "-ERR [SYS/TEMP]".
// The Client returns every -ERR response as *Error. Match with errors.As.
type Error struct {
	Code    string // response code without brackets, e.g. "IN-USE"; "" when absent
	Message string // text after the code
}

// RFC 2449 §8 / RFC 3206 response codes.
const (
	CodeInUse      = "IN-USE"      // the maildrop is locked by another session
	CodeLoginDelay = "LOGIN-DELAY" // logged in too soon after the previous login
	CodeSysTemp    = "SYS/TEMP"    // temporary server problem; try later
	CodeSysPerm    = "SYS/PERM"    // permanent server problem; do not retry
	CodeAuth       = "AUTH"        // the credentials were wrong
	CodeUTF8       = "UTF8"        // the message needs UTF-8 mode (RFC 6856 §5)
)

// Errors a Backend commonly returns. The server matches them with errors.As,
// so a backend may wrap them.
var (
	ErrAuthFailed = &Error{Code: CodeAuth, Message: "authentication failed"}
	ErrInUse      = &Error{Code: CodeInUse, Message: "maildrop is locked by another session"}
	ErrLoginDelay = &Error{Code: CodeLoginDelay, Message: "login rejected: too soon after the previous one"}
	ErrTemporary  = &Error{Code: CodeSysTemp, Message: "temporary failure, try again later"}
	ErrPermanent  = &Error{Code: CodeSysPerm, Message: "permanent failure"}
)

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("pop3: -ERR ")
	if e.Code != "" {
		b.WriteString("[" + e.Code + "] ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// Temporary reports whether retrying later may succeed: the SYS/TEMP,
// IN-USE and LOGIN-DELAY codes (RFC 3206 §4, RFC 2449 §8.1).
func (e *Error) Temporary() bool {
	switch e.Code {
	case CodeSysTemp, CodeInUse, CodeLoginDelay:
		return true
	}
	return false
}
