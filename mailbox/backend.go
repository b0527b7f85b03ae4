package mailbox

import (
	"io"
	"time"
)

// backend is the persistence layer under the shared engine: memory or
// Maildir. The engine owns the in-memory state, locking, MODSEQ and UID
// assignment, quotas and events; a backend makes them durable and serves
// message bytes.
type backend interface {
	loadDB() (*userDB, error)
	saveDB(db *userDB) error
	createUser(user string) error
	deleteUser(user string) error
	renameUser(oldName, newName string) error
	listMailboxes(user string) ([]string, error) // canonical names, INBOX included
	createMailbox(user, name string) error
	deleteMailbox(user, name string) error
	renameMailbox(user, oldName, newName string) error // also renames children
	openMailbox(user, name string) (mbBackend, *mstate, error)
	close() error
}

// staged is a message body written to a mailbox's staging area, durable
// but not yet visible.
type staged interface {
	size() int64
	reader() (io.ReadCloser, error)
	sync() error
	discard()
}

// appendItem is one message of a group commit.
type appendItem struct {
	st    staged
	rec   msgRec
	cache []byte
}

// flagChange is one message whose flags StoreFlags changes.
type flagChange struct {
	idx int    // index in mstate.msgs
	old msgRec // before
	sys uint8
	kw  uint32
}

// mbBackend persists one mailbox. Every commit method is called with the
// engine's mailbox lock held, between begin and end, before the engine
// applies the change to mstate; it returns only once the change is durable.
type mbBackend interface {
	// stage writes a body to the staging area; with syncNow it is durable
	// on return, otherwise after staged.sync.
	stage(r io.Reader, max int64, mtime time.Time, syncNow bool) (staged, error)
	// begin takes the cross-process lock and loads changes made by other
	// processes into st, returning their events.
	begin(st *mstate) ([]Event, error)
	end()
	// refresh loads other processes' changes without locking.
	refresh(st *mstate) ([]Event, error)
	commitAppend(st *mstate, items []*appendItem) error
	commitFlags(st *mstate, changes []flagChange, modseq uint64) error
	commitExpunge(st *mstate, recs []msgRec, modseq uint64) error
	// commitCopy stores copies of srcRecs (from src, which is of the same
	// kind) as dstRecs in this mailbox; if moveModseq != 0 the sources are
	// expunged from src with that MODSEQ in the same durable step.
	commitCopy(dst *mstate, dstRecs []msgRec, src mbBackend, srcSt *mstate, srcRecs []msgRec, moveModseq uint64) error
	open(st *mstate, r *msgRec) (Message, error)
	cached(st *mstate, r *msgRec) ([]byte, error)
	close() error
}
