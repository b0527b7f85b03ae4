package imapclient

import (
	"io"
	"strings"
	"time"

	"github.com/mailwire/mailwire/imap"
	"github.com/mailwire/mailwire/imap/internal/wire"
)

// AppendOptions are the optional arguments of APPEND.
type AppendOptions struct {
	Flags []imap.Flag
	Time  time.Time // internal date; zero = server's choice
	// Binary sends the message as literal8 (RFC 3516), which may contain
	// NUL octets; the server must announce BINARY.
	Binary bool
}

// AppendCommand is an APPEND in flight.
type AppendCommand struct {
	cmd *command
}

// AppendUID is the APPENDUID response code (RFC 4315 §3).
type AppendUID struct {
	UIDValidity uint32
	UID         uint32
}

// Wait returns APPENDUID data if the server sent it (nil otherwise).
func (a *AppendCommand) Wait() (*AppendUID, error) {
	if err := a.cmd.wait(); err != nil {
		return nil, err
	}
	st := a.cmd.status
	if st == nil || st.Code != imap.CodeAppendUID {
		return nil, nil
	}
	f := strings.Fields(st.CodeArg)
	if len(f) != 2 {
		return nil, nil
	}
	return &AppendUID{UIDValidity: parseNum(f[0]), UID: parseNum(f[1])}, nil
}

// Append sends APPEND (RFC 9051 §6.3.12) with a message of size octets
// streamed from r: the literal is non-synchronizing when the server
// announced LITERAL+ (or LITERAL- and size <= 4096), else the client
// waits for the continuation request. If the server refuses the literal
// (NO [TOOBIG], [OVERQUOTA]...), Wait returns that error and r is not read.
func (c *Client) Append(mailbox string, size int64, r io.Reader, opts *AppendOptions) *AppendCommand {
	if opts == nil {
		opts = &AppendOptions{}
	}
	a := &AppendCommand{}
	a.cmd = c.start("APPEND", func(e *wire.Encoder) error {
		e.SP()
		c.mailboxArg(e, mailbox)
		if len(opts.Flags) > 0 {
			e.SP().Flags(opts.Flags)
		}
		if !opts.Time.IsZero() {
			e.SP().DateTime(opts.Time)
		}
		e.SP()
		c.literalMode(e)
		defer func() { e.NonSyncLiterals, e.MaxNonSync = false, 0 }()
		return e.LiteralFrom(r, size, opts.Binary)
	}, nil)
	return a
}

// literalMode sets the encoder's literal form from the capabilities.
func (c *Client) literalMode(e *wire.Encoder) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.caps["LITERAL+"]:
		e.NonSyncLiterals, e.MaxNonSync = true, 0
	case c.caps["LITERAL-"] || c.caps["IMAP4REV2"]:
		e.NonSyncLiterals, e.MaxNonSync = true, 4096 // RFC 7888 §5, RFC 9051 §4.3
	}
}
