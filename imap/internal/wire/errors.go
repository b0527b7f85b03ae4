package wire

import (
	"errors"
	"fmt"
)

// Errors a Decoder returns for bad input. They are recoverable at the
// protocol level: the server answers BAD, calls SkipLine and reads the
// next command. Any other error (I/O) ends the connection.
var (
	// ErrSyntax: the input does not follow the grammar (wrapped by *SyntaxError).
	ErrSyntax = errors.New("wire: syntax error")
	// ErrCommandTooLong: the command exceeds Limits.MaxCommand.
	ErrCommandTooLong = errors.New("wire: command too long")
	// ErrLiteralTooLarge: a literal exceeds Limits.MaxLiteral, or a
	// non-synchronizing literal exceeds Limits.MaxNonSyncLiteral (LITERAL-,
	// RFC 7888 §5: the reply must carry [TOOBIG]).
	ErrLiteralTooLarge = errors.New("wire: literal too large")
	// ErrTooDeep: lists or search keys nest deeper than Limits.MaxDepth.
	ErrTooDeep = errors.New("wire: nesting too deep")
)

// SyntaxError describes where the grammar was violated.
type SyntaxError struct {
	Msg string
}

func (e *SyntaxError) Error() string { return "wire: syntax error: " + e.Msg }
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

func syntaxErr(format string, args ...any) error {
	return &SyntaxError{Msg: fmt.Sprintf(format, args...)}
}

// LiteralError is returned for a literal that exceeds a limit; it wraps
// ErrLiteralTooLarge and tells whether the peer will send the data anyway.
type LiteralError struct {
	Size    int64
	NonSync bool // {n+}: the bytes follow without waiting
}

func (e *LiteralError) Error() string {
	return fmt.Sprintf("wire: literal of %d octets too large", e.Size)
}
func (e *LiteralError) Unwrap() error { return ErrLiteralTooLarge }

// IsProtocolError reports whether err is bad input that a server answers
// with BAD while keeping the connection (as opposed to an I/O error).
func IsProtocolError(err error) bool {
	return errors.Is(err, ErrSyntax) || errors.Is(err, ErrCommandTooLong) ||
		errors.Is(err, ErrLiteralTooLarge) || errors.Is(err, ErrTooDeep)
}
