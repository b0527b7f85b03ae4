package mailbox

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"io"
	"net/mail"
	"os"
	"strings"
	"time"

	"github.com/mailwire/mailwire/imap"
	"github.com/mailwire/mailwire/imap/imapserver"
)

// This file gives the IMAP adapter's users the optional interfaces of
// imapserver's extensions: QUOTA (RFC 9208), METADATA (RFC 5464),
// MULTIAPPEND (RFC 3502), SAVEDATE (RFC 8514) and OBJECTID (RFC 8474).

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

var (
	_ imapserver.MailboxIDUser   = (*imapUser)(nil)
	_ imapserver.MessageObjectID = (*imapMessage)(nil)
)

// MailboxID implements imapserver.MailboxIDUser with the store's
// MailboxStatus.MailboxID (RFC 8474 §4; see mailboxID for why the built-in
// stores' ids are stable across RENAME and never reused).
func (u *imapUser) MailboxID(ctx context.Context, name string) (string, error) {
	st, err := u.store.Status(ctx, u.name, name)
	if err != nil {
		return "", imapErr(err)
	}
	return st.MailboxID, nil
}

// EmailID implements imapserver.MessageObjectID (RFC 8474 §5.1): "M" and
// 128 bits of SHA-256 over the internal date and the message bytes, which
// are exactly what stays immutable for a message. COPY and MOVE keep both,
// so the copy has the source's EMAILID as §5.1 requires, and so do
// identical APPENDs with the same internal date (which §5.1 allows). The
// message is read (streamed, not held) on every call; "" (then the server
// derives one) if it cannot be read.
func (x *imapMessage) EmailID() string {
	r, err := x.m.u.store.Open(x.ctx, x.m.u.name, x.m.name, x.info.UID)
	if err != nil {
		return ""
	}
	defer r.Close()
	h := sha256.New()
	var d [8]byte
	binary.BigEndian.PutUint64(d[:], uint64(x.info.InternalDate.Unix()))
	h.Write(d[:])
	if _, err := io.Copy(h, r); err != nil {
		return ""
	}
	return objectID('M', h.Sum(nil))
}

// threadHeaderLimit bounds the header ThreadID reads.
const threadHeaderLimit = 256 << 10

// ThreadID implements imapserver.MessageObjectID (RFC 8474 §5.2): "T" and
// 128 bits of SHA-256 over the thread's root message id, the first one in
// References, else in In-Reply-To, else the message's own Message-ID. A
// reply therefore shares its THREADID with the message it answers, in any
// mailbox (the SHOULD of §5.2); the id depends only on the message's bytes,
// so it never changes and equal EMAILIDs have equal THREADIDs (the MUSTs).
// A message without any message id is a thread of its own (its EMAILID
// hash); "" (NIL) if it cannot be read.
func (x *imapMessage) ThreadID() string {
	r, err := x.m.u.store.Open(x.ctx, x.m.u.name, x.m.name, x.info.UID)
	if err != nil {
		return ""
	}
	root := threadRoot(io.LimitReader(r, threadHeaderLimit))
	r.Close()
	if root == "" {
		e := x.EmailID()
		if e == "" {
			return ""
		}
		return "T" + e[1:]
	}
	sum := sha256.Sum256([]byte(root))
	return objectID('T', sum[:])
}

// threadRoot returns the root message id of the header read from r, or "".
func threadRoot(r io.Reader) string {
	m, err := mail.ReadMessage(bufio.NewReader(r))
	if err != nil {
		return ""
	}
	for _, k := range []string{"References", "In-Reply-To", "Message-Id"} {
		if id := firstMsgID(m.Header.Get(k)); id != "" {
			return id
		}
	}
	return ""
}

// firstMsgID returns the first "<...>" of s without the brackets.
func firstMsgID(s string) string {
	i := strings.IndexByte(s, '<')
	if i < 0 {
		return ""
	}
	j := strings.IndexByte(s[i:], '>')
	if j < 2 {
		return ""
	}
	return s[i+1 : i+j]
}

// objectID is prefix + hex of the first 16 bytes of sum: objectid
// characters only (RFC 8474 §7).
func objectID(prefix byte, sum []byte) string {
	b := make([]byte, 1, 33)
	b[0] = prefix
	return string(hex.AppendEncode(b, sum[:16]))
}
