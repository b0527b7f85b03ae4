package server

import (
	"context"
	"errors"
	"strings"

	"github.com/mailwire/mailwire/mailbox"
	"github.com/mailwire/mailwire/smtp"
)

// submissionBackend adds the submission policy to the store's SMTP
// backend: an authenticated user may send only as one of its own
// addresses (RFC 6409 §6.1 lets the MSA check the envelope sender), so a
// mailbox on this server cannot be used to forge another user's mail.
// Bounces (the null sender) are not submitted by users and are refused.
type submissionBackend struct {
	inner smtp.Backend
	store mailbox.Store
}

var errSenderNotOwned = &smtp.Error{Code: 553, EnhancedCode: [3]int{5, 7, 1}, Message: "Sender address not owned by the authenticated user"}

func (b *submissionBackend) NewSession(ctx context.Context, c *smtp.Conn) (smtp.Session, error) {
	s, err := b.inner.NewSession(ctx, c)
	if err != nil {
		return nil, err
	}
	return &submissionSession{Session: s, conn: c, store: b.store}, nil
}

type submissionSession struct {
	smtp.Session
	conn  *smtp.Conn
	store mailbox.Store
}

func (s *submissionSession) Mail(ctx context.Context, from string, opts *smtp.MailOptions) error {
	if user := s.conn.AuthIdentity(); user != "" {
		owner, err := s.store.ResolveRecipient(ctx, from)
		if err != nil && !errors.Is(err, mailbox.ErrNotLocal) && !errors.Is(err, mailbox.ErrNoSuchUser) {
			return err
		}
		if from == "" || owner == "" || !strings.EqualFold(owner, user) {
			return errSenderNotOwned
		}
	}
	return s.Session.Mail(ctx, from, opts)
}

// The AUTH interfaces of the inner session are forwarded, so the server
// advertises the same mechanisms.

func (s *submissionSession) AuthPassword(ctx context.Context, identity, username, password string) error {
	ps, ok := s.Session.(smtp.PasswordSession)
	if !ok {
		return smtp.ErrAuthFailed
	}
	return ps.AuthPassword(ctx, identity, username, password)
}

func (s *submissionSession) ScramCredentials(ctx context.Context, username string) (smtp.ScramCredentials, error) {
	ss, ok := s.Session.(smtp.ScramSession)
	if !ok {
		return smtp.ScramCredentials{}, smtp.ErrAuthFailed
	}
	return ss.ScramCredentials(ctx, username)
}

var (
	_ smtp.PasswordSession = (*submissionSession)(nil)
	_ smtp.ScramSession    = (*submissionSession)(nil)
)

// mxBackend serves the MX port: mail from the world for local users only.
// Its sessions hide the store session's AUTH interfaces, so the MX
// advertises no AUTH: relaying and the per-account sending limit live on
// the submission ports only, and cannot be bypassed by authenticating on
// port 25.
type mxBackend struct{ inner smtp.Backend }

type mxSession struct{ smtp.Session }

func (b *mxBackend) NewSession(ctx context.Context, c *smtp.Conn) (smtp.Session, error) {
	s, err := b.inner.NewSession(ctx, c)
	if err != nil {
		return nil, err
	}
	return mxSession{s}, nil
}
