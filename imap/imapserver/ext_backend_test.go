package imapserver

import (
	"context"
	"io"
	"maps"
	"sync"
	"testing"
)

func init() {
	// Until the command table lists the extension commands itself, the
	// tests register them (test files initialise after commands.go).
	for verb, cmd := range extCommands {
		if _, ok := commands[verb]; !ok || verb == "APPEND" {
			commands[verb] = cmd
		}
	}
}

// extBackend adds quotas and metadata to memBackend: one quota root ""
// for the whole account, as the mailbox store's adapter has.
type extBackend struct {
	*memBackend
	mu           sync.Mutex
	storageLimit uint64 // KiB, 0: unlimited
	messageLimit uint64
	meta         map[string]map[string][]byte
}

func newExtBackend() *extBackend {
	return &extBackend{memBackend: newMemBackend(), meta: map[string]map[string][]byte{}}
}

func startExtServer(t *testing.T, cfg func(*Server)) (*testServer, *extBackend) {
	t.Helper()
	eb := newExtBackend()
	ts := startServer(t, func(s *Server) {
		s.Backend = eb
		if cfg != nil {
			cfg(s)
		}
	})
	ts.b = eb.memBackend
	return ts, eb
}

func (b *extBackend) NewSession(ctx context.Context, conn ConnInfo) (Session, error) {
	return &extSession{memSession{b.memBackend}, b}, nil
}

type extSession struct {
	memSession
	eb *extBackend
}

func (s *extSession) Login(ctx context.Context, user, pass string) (User, error) {
	u, err := s.memSession.Login(ctx, user, pass)
	if err != nil {
		return nil, err
	}
	return &extUser{u.(*memUser), s.eb}, nil
}

type extUser struct {
	*memUser
	eb *extBackend
}

func (u *extUser) usage() (kib, msgs uint64) {
	u.b.mu.Lock()
	defer u.b.mu.Unlock()
	var bytes uint64
	for _, mb := range u.b.boxes {
		for _, m := range mb.msgs {
			bytes += uint64(len(m.body))
			msgs++
		}
	}
	return (bytes + 1023) / 1024, msgs
}

func (u *extUser) QuotaRoots(ctx context.Context, mailbox string) ([]string, error) {
	if _, err := u.Status(ctx, mailbox); err != nil {
		return nil, err
	}
	return []string{""}, nil
}

func (u *extUser) Quota(ctx context.Context, root string) ([]QuotaResource, error) {
	if root != "" {
		return nil, ErrNoSuchQuotaRoot
	}
	kib, msgs := u.usage()
	u.eb.mu.Lock()
	defer u.eb.mu.Unlock()
	var out []QuotaResource
	if u.eb.storageLimit > 0 {
		out = append(out, QuotaResource{"STORAGE", kib, u.eb.storageLimit})
	}
	if u.eb.messageLimit > 0 {
		out = append(out, QuotaResource{"MESSAGE", msgs, u.eb.messageLimit})
	}
	return out, nil
}

func (u *extUser) SetQuota(ctx context.Context, root string, limits []QuotaResource) ([]QuotaResource, error) {
	if root != "" {
		return nil, ErrNoSuchQuotaRoot
	}
	u.eb.mu.Lock()
	for _, l := range limits {
		switch l.Name {
		case "STORAGE":
			u.eb.storageLimit = l.Limit
		case "MESSAGE":
			u.eb.messageLimit = l.Limit
		}
	}
	u.eb.mu.Unlock()
	return u.Quota(ctx, root)
}

func (u *extUser) Append(ctx context.Context, name string, msg AppendMessage, body io.Reader) (AppendResult, error) {
	kib, msgs := u.usage()
	u.eb.mu.Lock()
	over := u.eb.messageLimit > 0 && msgs+1 > u.eb.messageLimit ||
		u.eb.storageLimit > 0 && kib+uint64(msg.Size+1023)/1024 > u.eb.storageLimit
	u.eb.mu.Unlock()
	if over {
		io.Copy(io.Discard, body)
		return AppendResult{}, ErrQuota
	}
	return u.memUser.Append(ctx, name, msg, body)
}

func (u *extUser) GetMetadata(ctx context.Context, mailbox string) (map[string][]byte, error) {
	if mailbox != "" {
		if _, err := u.Status(ctx, mailbox); err != nil {
			return nil, err
		}
	}
	u.eb.mu.Lock()
	defer u.eb.mu.Unlock()
	return maps.Clone(u.eb.meta[mailbox]), nil
}

func (u *extUser) SetMetadata(ctx context.Context, mailbox string, entries map[string][]byte) error {
	if mailbox != "" {
		if _, err := u.Status(ctx, mailbox); err != nil {
			return err
		}
	}
	u.eb.mu.Lock()
	defer u.eb.mu.Unlock()
	m := u.eb.meta[mailbox]
	if m == nil {
		m = map[string][]byte{}
		u.eb.meta[mailbox] = m
	}
	for k, v := range entries {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return nil
}

func (u *extUser) AppendMany(ctx context.Context, name string, next func() (AppendMessage, io.Reader, error)) ([]AppendResult, error) {
	type pending struct {
		msg  AppendMessage
		data []byte
	}
	var all []pending
	for {
		msg, r, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(r)
		if err != nil {
			return nil, err
		}
		all = append(all, pending{msg, data})
	}
	kib, msgs := u.usage()
	var size uint64
	for _, p := range all {
		size += uint64(len(p.data))
	}
	u.eb.mu.Lock()
	over := u.eb.messageLimit > 0 && msgs+uint64(len(all)) > u.eb.messageLimit ||
		u.eb.storageLimit > 0 && kib+(size+1023)/1024 > u.eb.storageLimit
	u.eb.mu.Unlock()
	if over {
		return nil, ErrQuota
	}
	u.b.mu.Lock()
	defer u.b.mu.Unlock()
	mb, err := u.box(name)
	if err != nil {
		return nil, err
	}
	var out []AppendResult
	for _, p := range all {
		m := mb.add(p.data, p.msg.Flags, p.msg.InternalDate)
		out = append(out, AppendResult{UIDValidity: mb.uidval, UID: m.uid})
	}
	return out, nil
}
