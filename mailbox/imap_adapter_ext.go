package mailbox

import (
	"bytes"
	"context"
	"io"
	"os"
	"time"

	"github.com/mailwire/mailwire/imap"
	"github.com/mailwire/mailwire/imap/imapserver"
)

// This file gives the IMAP adapter's users the optional interfaces of
// imapserver's extensions: QUOTA (RFC 9208) and METADATA (RFC 5464).

var (
	_ imapserver.QuotaUser    = (*imapUser)(nil)
	_ imapserver.MetadataUser = (*imapUser)(nil)
)

// QuotaRoots implements imapserver.QuotaUser: every mailbox of a user
// belongs to the one quota root "" of the account, when the account has a
// limit (RFC 9208 §3; a mailbox without limits has no root, §4.2.2).
func (u *imapUser) QuotaRoots(ctx context.Context, mailbox string) ([]string, error) {
	if _, err := u.store.Status(ctx, u.name, mailbox); err != nil {
		return nil, imapErr(err)
	}
	q, err := u.store.GetQuota(ctx, u.name)
	if err != nil {
		return nil, imapErr(err)
	}
	if q.StorageLimit == 0 && q.MessageLimit == 0 {
		return []string{}, nil
	}
	return []string{""}, nil
}

// Quota implements imapserver.QuotaUser with the store's STORAGE (bytes,
// reported in KiB as RFC 9208 §5.1 requires, rounded up) and MESSAGE
// resources. SETQUOTA is not offered: users must not raise their own
// limits; administrators call Store.SetQuota.
func (u *imapUser) Quota(ctx context.Context, root string) ([]imapserver.QuotaResource, error) {
	if root != "" {
		return nil, imapserver.ErrNoSuchQuotaRoot
	}
	q, err := u.store.GetQuota(ctx, u.name)
	if err != nil {
		return nil, imapErr(err)
	}
	var out []imapserver.QuotaResource
	if q.StorageLimit > 0 {
		out = append(out, imapserver.QuotaResource{Name: "STORAGE",
			Usage: uint64(q.StorageUsed+1023) / 1024, Limit: uint64(q.StorageLimit) / 1024})
	}
	if q.MessageLimit > 0 {
		out = append(out, imapserver.QuotaResource{Name: "MESSAGE",
			Usage: uint64(q.MessagesUsed), Limit: uint64(q.MessageLimit)})
	}
	if out == nil {
		return nil, imapserver.ErrNoSuchQuotaRoot
	}
	return out, nil
}

// GetMetadata implements imapserver.MetadataUser over the store's
// metadata (mailbox "" holds the server entries).
func (u *imapUser) GetMetadata(ctx context.Context, mailbox string) (map[string][]byte, error) {
	m, err := u.store.GetMetadata(ctx, u.name, mailbox)
	return m, imapErr(err)
}

// SetMetadata implements imapserver.MetadataUser; each entry is stored
// durably in turn.
func (u *imapUser) SetMetadata(ctx context.Context, mailbox string, entries map[string][]byte) error {
	if mailbox != "" {
		if _, err := u.store.Status(ctx, u.name, mailbox); err != nil {
			return imapErr(err)
		}
	}
	for k, v := range entries {
		if err := u.store.SetMetadata(ctx, u.name, mailbox, k, v); err != nil {
			return imapErr(err)
		}
	}
	return nil
}

var _ imapserver.MultiAppendUser = (*imapUser)(nil)

// spoolMemory is the size up to which a MULTIAPPEND message waits in
// memory; larger ones wait in a temporary file.
const spoolMemory = 256 << 10

// AppendMany implements imapserver.MultiAppendUser (RFC 3502) with the
// store's BatchAppender: all messages or none. The messages arrive one
// after the other and the store needs them together, so each is spooled
// (in memory up to 256 KiB, else in a temporary file) until the last has
// arrived. A single message goes straight to Append.
func (u *imapUser) AppendMany(ctx context.Context, name string, next func() (imapserver.AppendMessage, io.Reader, error)) ([]imapserver.AppendResult, error) {
	var spooled []AppendMessage
	var files []*os.File
	defer func() {
		for _, f := range files {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	for {
		msg, body, err := next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		var r io.Reader
		if msg.Size <= spoolMemory {
			b := make([]byte, msg.Size)
			if _, err := io.ReadFull(body, b); err != nil {
				return nil, err
			}
			r = bytes.NewReader(b)
		} else {
			f, err := os.CreateTemp("", "mailwire-append-*")
			if err != nil {
				return nil, err
			}
			files = append(files, f)
			if _, err := io.Copy(f, body); err != nil {
				return nil, err
			}
			if _, err := f.Seek(0, io.SeekStart); err != nil {
				return nil, err
			}
			r = f
		}
		spooled = append(spooled, AppendMessage{Body: r, Flags: msg.Flags, InternalDate: msg.InternalDate})
	}
	if len(spooled) == 1 {
		res, err := u.Append(ctx, name, imapserver.AppendMessage{Flags: spooled[0].Flags, InternalDate: spooled[0].InternalDate}, spooled[0].Body)
		return []imapserver.AppendResult{res}, err
	}
	ba, ok := u.store.(BatchAppender)
	if !ok {
		return nil, imap.ErrNo(imap.CodeCannot, "This store cannot append several messages at once")
	}
	uids, err := ba.AppendMany(ctx, u.name, name, spooled)
	if err != nil {
		return nil, imapErr(err)
	}
	st, err := u.store.Status(ctx, u.name, name)
	if err != nil {
		return nil, imapErr(err)
	}
	out := make([]imapserver.AppendResult, len(uids))
	for i, uid := range uids {
		out[i] = imapserver.AppendResult{UIDValidity: st.UIDValidity, UID: uid}
	}
	return out, nil
}

var _ imapserver.MessageSaveDate = (*imapMessage)(nil)

// SaveDate implements imapserver.MessageSaveDate (RFC 8514): when the
// message was stored in this mailbox.
func (x *imapMessage) SaveDate() time.Time { return x.info.SaveDate }
