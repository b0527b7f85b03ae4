package mailbox

import (
	"context"
	"errors"
)

// Open first tries the mailbox state this process already has: a message
// file is immutable, so if the UID is known and its file opens, it is the
// right message (another process's flag change renames the file, which
// open follows). Only when that fails — a UID this process has not seen
// yet, or a file gone — is the index re-read before answering.
func (e *engine) Open(ctx context.Context, user, mailbox string, uid uint32) (Message, error) {
	var m Message
	open := func(mb *mbox) error {
		i := mb.st.find(uid)
		if i < 0 {
			return ErrNoSuchMessage
		}
		var err error
		m, err = mb.be.open(mb.st, &mb.st.msgs[i])
		return err
	}
	err := e.readNoRefresh(user, mailbox, open)
	if err == nil || !errors.Is(err, ErrNoSuchMessage) {
		return m, err
	}
	err = e.read(user, mailbox, open)
	return m, err
}

func (e *engine) Cached(ctx context.Context, user, mailbox string, uid uint32) ([]byte, error) {
	var b []byte
	err := e.read(user, mailbox, func(mb *mbox) error {
		i := mb.st.find(uid)
		if i < 0 {
			return ErrNoSuchMessage
		}
		var err error
		b, err = mb.be.cached(mb.st, &mb.st.msgs[i])
		return err
	})
	return b, err
}
