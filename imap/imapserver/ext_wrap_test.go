package imapserver

import (
	"context"
	"strings"
	"testing"
	"time"
)

// oidBackend wraps the test memBackend so that its messages and users
// implement the optional interfaces of SAVEDATE (RFC 8514) and OBJECTID
// (RFC 8474): the save date is the internal date + 36 h, the EMAILID is
// "E" + UID and the THREADID "T" + the first character of the subject's
// last word; every mailbox's MAILBOXID is "F" + its UIDVALIDITY.
type oidBackend struct{ *memBackend }

func (b oidBackend) NewSession(ctx context.Context, ci ConnInfo) (Session, error) {
	s, err := b.memBackend.NewSession(ctx, ci)
	return oidSession{s}, err
}

type oidSession struct{ Session }

func (s oidSession) Login(ctx context.Context, user, pass string) (User, error) {
	u, err := s.Session.Login(ctx, user, pass)
	if err != nil {
		return nil, err
	}
	return oidUser{u}, nil
}

type oidUser struct{ User }

func (u oidUser) MailboxID(ctx context.Context, name string) (string, error) {
	st, err := u.Status(ctx, name)
	if err != nil {
		return "", err
	}
	return "F" + u32s(st.UIDValidity), nil
}

func u32s(n uint32) string { return string(appendUint(nil, uint64(n))) }

func (u oidUser) Select(ctx context.Context, name string, readOnly bool) (Mailbox, error) {
	m, err := u.User.Select(ctx, name, readOnly)
	if err != nil {
		return nil, err
	}
	return oidMailbox{m}, nil
}

type oidMailbox struct{ Mailbox }

func (m oidMailbox) Fetch(ctx context.Context, uids []uint32, fn func(Message) error) error {
	return m.Mailbox.Fetch(ctx, uids, func(msg Message) error { return fn(oidMessage{msg}) })
}

type oidMessage struct{ Message }

func (m oidMessage) SaveDate() time.Time { return m.InternalDate().Add(36 * time.Hour) }
func (m oidMessage) EmailID() string     { return "E" + u32s(m.UID()) }
func (m oidMessage) ThreadID() string {
	if m.UID()%2 == 0 {
		return "" // NIL
	}
	return "T1"
}

// startOIDServer starts a server over oidBackend.
func startOIDServer(t *testing.T) *testServer {
	t.Helper()
	var b *memBackend
	ts := startServer(t, func(s *Server) {
		b = s.Backend.(*memBackend)
		s.Backend = oidBackend{b}
	})
	return ts
}

// lineSteps runs commands and checks exact untagged lines.
type lineStep struct {
	cmd    string
	tagged string   // prefix after the tag
	lines  []string // exact lines that must be present
	absent []string // substrings that must not be present
}

func runLineSteps(t *testing.T, c *client, steps []lineStep) {
	t.Helper()
	for _, s := range steps {
		out := c.cmd(s.cmd)
		tag := strings.SplitN(s.cmd, " ", 2)[0]
		if !strings.HasPrefix(last(out), tag+" "+s.tagged) {
			t.Fatalf("%q: want tagged %q, got %q", s.cmd, s.tagged, out)
		}
		for _, want := range s.lines {
			found := false
			for _, l := range out {
				if l == want {
					found = true
				}
			}
			if !found {
				t.Fatalf("%q: missing line %q in %q", s.cmd, want, out)
			}
		}
		mustNotContain(t, out, s.absent...)
	}
}
