package smtp

import (
	"errors"
	"fmt"
	"strings"
)

// Client-side refusals: the Client detected, before sending, that the
// server cannot take the message. They are returned wrapped together with an
// *Error carrying the reply code and enhanced code a server would have used,
// so errors.Is(err, ErrNotAdvertised) and errors.As(err, &smtpErr) both work
// and a relay can bounce with the right status.
var (
	// ErrNotAdvertised: the operation needs an extension the server did not
	// advertise in its EHLO reply (STARTTLS, AUTH, SMTPUTF8, 8BITMIME,
	// BINARYMIME, CHUNKING, REQUIRETLS).
	ErrNotAdvertised = errors.New("smtp: extension not advertised by the server")
	// ErrSizeExceedsLimit: the message is larger than the server's SIZE
	// limit (RFC 1870 §6.1, 552 5.3.4).
	ErrSizeExceedsLimit = errors.New("smtp: message size exceeds the server's SIZE limit")
	// ErrInvalidArgument: an address, parameter or name contains characters
	// that cannot be sent on an SMTP command line (CR, LF, other controls).
	ErrInvalidArgument = errors.New("smtp: invalid argument")
)

// clientCheckError is a refusal decided by the client: a sentinel cause and
// the equivalent server reply.
type clientCheckError struct {
	cause error
	reply *Error
}

func (e *clientCheckError) Error() string {
	return e.cause.Error() + ": " + e.reply.Message
}

func (e *clientCheckError) Unwrap() []error { return []error{e.cause, e.reply} }

func clRefuse(cause error, code int, enh [3]int, format string, args ...any) error {
	return &clientCheckError{cause: cause, reply: &Error{Code: code, EnhancedCode: enh, Message: fmt.Sprintf(format, args...)}}
}

// RcptError is the failure of one recipient: refused at RCPT, or (LMTP)
// refused after the data.
type RcptError struct {
	Rcpt string
	Err  error // usually an *Error
}

func (e *RcptError) Error() string {
	if e.Err == nil {
		return "smtp: recipient <" + e.Rcpt + ">: failed"
	}
	return "smtp: recipient <" + e.Rcpt + ">: " + e.Err.Error()
}
func (e *RcptError) Unwrap() error { return e.Err }

// clValidAddr checks that an address can go between angle brackets on a
// command line: no controls (CR, LF, NUL…), no DEL, no angle brackets
// outside a quoted local part. Non-ASCII (UTF-8) is allowed; whether the
// server takes it is checked against SMTPUTF8 separately.
func clValidAddr(addr string) error {
	quoted := false
	for i := 0; i < len(addr); i++ {
		b := addr[i]
		switch {
		case b < ' ' || b == 0x7f:
			return fmt.Errorf("%w: control character in address %q", ErrInvalidArgument, addr)
		case b == '"':
			quoted = !quoted
		case b == '\\' && quoted:
			i++
		case (b == '<' || b == '>') && !quoted:
			return fmt.Errorf("%w: angle bracket in address %q", ErrInvalidArgument, addr)
		}
	}
	if len(addr) > 4096 {
		return fmt.Errorf("%w: address longer than 4096 octets", ErrInvalidArgument)
	}
	return nil
}

// clIsASCII reports whether s is all ASCII.
func clIsASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// clXtext encodes s as RFC 3461 §4 xtext: "+" followed by two upper-case hex
// digits for "+", "=", and octets outside "!".."~".
func clXtext(s string) string {
	need := false
	for i := 0; i < len(s); i++ {
		if b := s[i]; b < '!' || b > '~' || b == '+' || b == '=' {
			need = true
			break
		}
	}
	if !need {
		return s
	}
	const hex = "0123456789ABCDEF"
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		b := s[i]
		if b < '!' || b > '~' || b == '+' || b == '=' {
			sb.WriteByte('+')
			sb.WriteByte(hex[b>>4])
			sb.WriteByte(hex[b&15])
		} else {
			sb.WriteByte(b)
		}
	}
	return sb.String()
}
