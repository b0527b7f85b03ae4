package imapserver

import "errors"

// ErrServerClosed is returned by Serve and ListenAndServe after Shutdown or
// Close.
var ErrServerClosed = errors.New("imapserver: server closed")

// ErrAuthFailed is returned by a backend's Login for wrong credentials; the
// client sees NO [AUTHENTICATIONFAILED] (RFC 5530).
var ErrAuthFailed = errors.New("imapserver: authentication failed")

// ErrNoSuchMailbox is returned by a backend for a missing mailbox; the client
// sees NO [NONEXISTENT] (RFC 5530).
var ErrNoSuchMailbox = errors.New("imapserver: no such mailbox")

// ErrMailboxExists is returned by Create and Rename when the target exists;
// the client sees NO [ALREADYEXISTS].
var ErrMailboxExists = errors.New("imapserver: mailbox already exists")

// ErrQuota is returned by Append, Copy and Move when the user's quota would
// be exceeded; the client sees NO [OVERQUOTA].
var ErrQuota = errors.New("imapserver: over quota")

func unwrapIs(err, target error) bool { return errors.Is(err, target) }
