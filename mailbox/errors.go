package mailbox

import (
	"errors"
	"fmt"
	"log/slog"
)

// Logger is the logging interface the store uses (satisfied by *slog.Logger).
type Logger interface {
	Error(msg string, args ...any)
	Warn(msg string, args ...any)
}

var _ Logger = (*slog.Logger)(nil)

// Errors returned by stores. Match with errors.Is.
var (
	ErrNoSuchUser    = errors.New("mailbox: no such user")
	ErrUserExists    = errors.New("mailbox: user already exists")
	ErrAuthFailed    = errors.New("mailbox: authentication failed")
	ErrNotLocal      = errors.New("mailbox: domain is not local")
	ErrNoSuchMailbox = errors.New("mailbox: no such mailbox")
	ErrMailboxExists = errors.New("mailbox: mailbox already exists")
	ErrHasChildren   = errors.New("mailbox: mailbox has children")
	ErrInvalidName   = errors.New("mailbox: invalid name")
	ErrNoSuchMessage = errors.New("mailbox: no such message")
	ErrOverQuota     = errors.New("mailbox: over quota")
	ErrTooBig        = errors.New("mailbox: message too big")
	ErrModified      = errors.New("mailbox: modified since UNCHANGEDSINCE")
	ErrInvalidFlag   = errors.New("mailbox: invalid flag")
	ErrClosed        = errors.New("mailbox: store closed")
)

// ModifiedError lists the UIDs StoreFlags did not change because their
// MODSEQ was greater than UNCHANGEDSINCE (RFC 7162 §3.1.3 MODIFIED).
type ModifiedError struct {
	UIDs []uint32
}

func (e *ModifiedError) Error() string {
	return fmt.Sprintf("mailbox: %d messages modified since UNCHANGEDSINCE", len(e.UIDs))
}

// Is makes errors.Is(err, ErrModified) true.
func (e *ModifiedError) Is(target error) bool { return target == ErrModified }

// notDurableError reports a commit whose records reached the index but
// whose durability is unknown (an fsync failed): the engine applies the
// records, to stay consistent with the log, and fails the operation.
type notDurableError struct{ err error }

func (e *notDurableError) Error() string { return "mailbox: commit not durable: " + e.err.Error() }
func (e *notDurableError) Unwrap() error { return e.err }
