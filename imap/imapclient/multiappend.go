package imapclient

import (
	"io"
	"slices"
	"strings"

	"github.com/mailwire/mailwire/imap"
	"github.com/mailwire/mailwire/imap/internal/wire"
)

// AppendItem is one message of AppendMany.
type AppendItem struct {
	Size    int64
	Body    io.Reader
	Options *AppendOptions
}

// MultiAppendCommand is an APPEND of several messages in flight.
type MultiAppendCommand struct {
	cmd *command
	n   int
}

// Wait returns the UIDVALIDITY and the UIDs of the new messages, in the
// order sent, if the server sent APPENDUID (RFC 4315 §3); uids is nil
// otherwise.
func (m *MultiAppendCommand) Wait() (uidValidity uint32, uids []uint32, err error) {
	if err := m.cmd.wait(); err != nil {
		return 0, nil, err
	}
	st := m.cmd.status
	if st == nil || st.Code != imap.CodeAppendUID {
		return 0, nil, nil
	}
	f := strings.Fields(st.CodeArg)
	if len(f) != 2 {
		return 0, nil, nil
	}
	set, perr := imap.ParseUIDSet(f[1])
	if perr != nil {
		return parseNum(f[0]), nil, nil
	}
	if set.Dynamic() || set.Count() != uint64(m.n) {
		// Not one UID per message: do not trust (or expand) it.
		return parseNum(f[0]), nil, nil
	}
	return parseNum(f[0]), slices.Collect(set.All()), nil
}

// AppendMany sends one APPEND with several messages (MULTIAPPEND, RFC
// 3502): the server stores all of them or none. Each body is streamed in
// turn; the server must announce MULTIAPPEND.
func (c *Client) AppendMany(mailbox string, items []AppendItem) *MultiAppendCommand {
	m := &MultiAppendCommand{n: len(items)}
	m.cmd = c.start("APPEND", func(e *wire.Encoder) error {
		e.SP()
		c.mailboxArg(e, mailbox)
		c.literalMode(e)
		defer func() { e.NonSyncLiterals, e.MaxNonSync = false, 0 }()
		for _, it := range items {
			opts := it.Options
			if opts == nil {
				opts = &AppendOptions{}
			}
			if len(opts.Flags) > 0 {
				e.SP().Flags(opts.Flags)
			}
			if !opts.Time.IsZero() {
				e.SP().DateTime(opts.Time)
			}
			e.SP()
			if err := e.LiteralFrom(it.Body, it.Size, opts.Binary); err != nil {
				return err
			}
		}
		return nil
	}, nil)
	return m
}
