package smtp

import (
	"fmt"
	"strconv"
)

// Error is an SMTP reply that reports a failure: a 4yz (temporary) or 5yz
// (permanent) reply code, the RFC 3463 enhanced status code when there is one,
// and the reply text. The server sends a returned *Error to the client as is;
// the client returns the server's failure replies as *Error. Match with errors.As.
type Error struct {
	Code         int    // RFC 5321 §4.2 reply code, e.g. 550
	EnhancedCode [3]int // RFC 3463 class.subject.detail, e.g. {5, 1, 1}; zero when absent
	Message      string // reply text without the codes; several lines are joined by "\n"
}

// NoEnhancedCode is the zero EnhancedCode: the reply carries no enhanced status code.
var NoEnhancedCode = [3]int{}

func (e *Error) Error() string {
	s := "smtp: " + strconv.Itoa(e.Code)
	if e.EnhancedCode != NoEnhancedCode {
		s += fmt.Sprintf(" %d.%d.%d", e.EnhancedCode[0], e.EnhancedCode[1], e.EnhancedCode[2])
	}
	return s + " " + e.Message
}

// Temporary reports whether the failure is transient (4yz): the client may
// retry later (RFC 5321 §4.2.1).
func (e *Error) Temporary() bool { return e.Code >= 400 && e.Code < 500 }

// Permanent reports whether the failure is permanent (5yz): retrying the same
// transaction will fail again (RFC 5321 §4.2.1).
func (e *Error) Permanent() bool { return e.Code >= 500 && e.Code < 600 }
