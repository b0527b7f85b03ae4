package mailbox

import (
	"context"
	"errors"
	"io"
	"strconv"
	"sync"

	"github.com/mailwire/mailwire/pop3"
)

// POP3Backend makes a Store a pop3.Backend (RFC 1939): the user's INBOX is
// the maildrop.
//
//   - UIDLs are "UIDVALIDITY.UID" in decimal: stable across sessions and
//     never reused, because the store never reuses a UID within a
//     UIDVALIDITY and a new UIDVALIDITY changes every UIDL.
//   - STAT and LIST sizes are the exact octets RETR sends: the CRLF-
//     normalised size (pop3.MessageSize), computed once per message and
//     cached in memory.
//   - Deletions committed at QUIT become store expunges, which concurrent
//     IMAP sessions learn about through the change feed; with
//     MaildropPolicy.Retention set to pop3.RetentionKeep they only set \Seen.
//   - USER/PASS and AUTH PLAIN check the store's password; AUTH
//     SCRAM-SHA-256 uses its stored keys. APOP is not offered: the store
//     keeps no plaintext secret.
//   - The maildrop lock is per process: one POP3 session per user at a time
//     (pop3.ErrInUse for the second).
type POP3Backend struct {
	Store Store
	// MaildropPolicy is advertised in CAPA (LOGIN-DELAY, EXPIRE) and its
	// Retention decides what QUIT does with deleted messages. The backend
	// does not enforce LoginDelay or Expire.
	MaildropPolicy pop3.Policy

	mu    sync.Mutex
	locks map[string]bool           // users with an open maildrop
	sizes map[string]*pop3SizeCache // user → normalised sizes
}

type pop3SizeCache struct {
	uidValidity uint32
	sizes       map[uint32]int64
}

// NewPOP3Backend returns a backend serving s.
func NewPOP3Backend(s Store) *POP3Backend { return &POP3Backend{Store: s} }

var (
	_ pop3.Backend        = (*POP3Backend)(nil)
	_ pop3.PolicyProvider = (*POP3Backend)(nil)
)

// NewSession implements pop3.Backend.
func (b *POP3Backend) NewSession(ctx context.Context, c *pop3.Conn) (pop3.Session, error) {
	return &pop3Session{b: b}, nil
}

// Policy implements pop3.PolicyProvider.
func (b *POP3Backend) Policy() pop3.Policy { return b.MaildropPolicy }

type pop3Session struct {
	b *POP3Backend
}

func (s *pop3Session) CheckPassword(ctx context.Context, user, pass string) error {
	return pop3AuthErr(s.b.Store.VerifyPassword(ctx, user, pass))
}

func (s *pop3Session) ScramCredentials(ctx context.Context, user string) (pop3.ScramCredentials, error) {
	c, err := s.b.Store.ScramCredentials(ctx, user)
	if err != nil {
		if errors.Is(err, ErrNoSuchUser) || errors.Is(err, ErrAuthFailed) {
			return pop3.ScramCredentials{}, pop3.ErrSASLAuthFailed
		}
		return pop3.ScramCredentials{}, err
	}
	return pop3.ScramCredentials(c), nil
}

// pop3AuthErr reports unknown users and wrong passwords alike.
func pop3AuthErr(err error) error {
	if errors.Is(err, ErrAuthFailed) || errors.Is(err, ErrNoSuchUser) {
		return pop3.ErrAuthFailed
	}
	return err
}

func (s *pop3Session) Close() error { return nil }

func (s *pop3Session) Maildrop(ctx context.Context, username string) (pop3.Maildrop, error) {
	user := normUser(username)
	b := s.b
	b.mu.Lock()
	if b.locks[user] {
		b.mu.Unlock()
		return nil, pop3.ErrInUse // RFC 1939 §8: exclusive-access lock
	}
	if b.locks == nil {
		b.locks = map[string]bool{}
	}
	b.locks[user] = true
	b.mu.Unlock()
	return &pop3Maildrop{b: b, user: user}, nil
}

type pop3Maildrop struct {
	b    *POP3Backend
	user string
	uids []uint32 // listing index → UID
}

func (d *pop3Maildrop) List(ctx context.Context) ([]pop3.MessageInfo, error) {
	st, err := d.b.Store.Status(ctx, d.user, "INBOX")
	if err != nil {
		return nil, err
	}
	msgs, err := d.b.Store.List(ctx, d.user, "INBOX")
	if err != nil {
		return nil, err
	}
	// Messages appended between Status and List have UIDs >= UIDNEXT of
	// the Status; they belong to the same UIDVALIDITY, so the prefix is
	// fine. A UIDVALIDITY change in between is caught by the cache check.
	sizes, err := d.sizes(ctx, st.UIDValidity, msgs)
	if err != nil {
		return nil, err
	}
	prefix := strconv.FormatUint(uint64(st.UIDValidity), 10) + "."
	out := make([]pop3.MessageInfo, len(msgs))
	d.uids = make([]uint32, len(msgs))
	for i, m := range msgs {
		d.uids[i] = m.UID
		out[i] = pop3.MessageInfo{UID: prefix + strconv.FormatUint(uint64(m.UID), 10), Size: sizes[i]}
	}
	return out, nil
}

// sizes returns the CRLF-normalised size of each message, from the cache
// or by reading the message once. The cache keeps only listed messages.
func (d *pop3Maildrop) sizes(ctx context.Context, uidValidity uint32, msgs []MessageInfo) ([]int64, error) {
	b := d.b
	b.mu.Lock()
	old := b.sizes[d.user]
	b.mu.Unlock()
	if old != nil && old.uidValidity != uidValidity {
		old = nil
	}
	fresh := &pop3SizeCache{uidValidity: uidValidity, sizes: make(map[uint32]int64, len(msgs))}
	out := make([]int64, len(msgs))
	for i, m := range msgs {
		if old != nil {
			if n, ok := old.sizes[m.UID]; ok {
				out[i] = n
				fresh.sizes[m.UID] = n
				continue
			}
		}
		n, err := d.normalisedSize(ctx, m.UID)
		if err != nil {
			return nil, err
		}
		out[i] = n
		fresh.sizes[m.UID] = n
	}
	b.mu.Lock()
	if b.sizes == nil {
		b.sizes = map[string]*pop3SizeCache{}
	}
	b.sizes[d.user] = fresh
	b.mu.Unlock()
	return out, nil
}

func (d *pop3Maildrop) normalisedSize(ctx context.Context, uid uint32) (int64, error) {
	m, err := d.b.Store.Open(ctx, d.user, "INBOX", uid)
	if err != nil {
		return 0, err
	}
	defer m.Close()
	return pop3.MessageSize(m)
}

func (d *pop3Maildrop) Open(ctx context.Context, i int) (io.ReadCloser, error) {
	m, err := d.b.Store.Open(ctx, d.user, "INBOX", d.uids[i])
	if errors.Is(err, ErrNoSuchMessage) {
		// Expunged by an IMAP session since the listing.
		return nil, &pop3.Error{Message: "message was removed by another session"}
	}
	if err != nil {
		return nil, err
	}
	return m, nil
}

func (d *pop3Maildrop) Commit(ctx context.Context, deleted []int) error {
	if len(deleted) == 0 {
		return nil
	}
	uids := make([]uint32, len(deleted))
	for i, idx := range deleted {
		uids[i] = d.uids[idx]
	}
	if d.b.MaildropPolicy.Retention == pop3.RetentionKeep {
		_, err := d.b.Store.StoreFlags(ctx, d.user, "INBOX", uids, FlagsAdd, []string{FlagSeen}, 0)
		return err
	}
	// Messages already expunged by another session are simply absent.
	_, err := d.b.Store.Expunge(ctx, d.user, "INBOX", uids)
	return err
}

func (d *pop3Maildrop) Close() error {
	d.b.mu.Lock()
	delete(d.b.locks, d.user)
	d.b.mu.Unlock()
	return nil
}

func (d *pop3Maildrop) Policy() pop3.Policy { return d.b.MaildropPolicy }
