package imapclient

import (
	"slices"
	"strconv"
	"strings"

	"github.com/mailwire/mailwire/imap/internal/wire"
)

// MetadataOptions are the GETMETADATA options (RFC 5464 §4.2). The zero
// value asks for the entries themselves with no size limit.
type MetadataOptions struct {
	// MaxSize, if non-zero, leaves out values longer than it; the server
	// reports the longest left out (LongEntries).
	MaxSize uint32
	// Depth is 0 (the entries), 1 (and their children) or -1 (all
	// descendants, "infinity").
	Depth int
}

// MetadataData is a METADATA response: the entries of a mailbox ("" for
// the server). A nil value is an entry the server has no value for (NIL).
type MetadataData struct {
	Mailbox string
	Entries map[string][]byte
	// changed holds, in wire order, the entry names of an unsolicited
	// METADATA response (RFC 5464 §4.4.2), which carries no values; such
	// a response goes to UnilateralHandler.Metadata, never to a
	// GETMETADATA.
	changed []string
}

// GetMetadataCommand is a GETMETADATA in flight.
type GetMetadataCommand struct {
	cmd  *command
	data *MetadataData
}

// Wait returns the entries the server sent (keys as the server spelled
// them, lower case for mailwire).
func (g *GetMetadataCommand) Wait() (*MetadataData, error) {
	err := g.cmd.wait()
	if g.data == nil && err == nil {
		g.data = &MetadataData{Entries: map[string][]byte{}}
	}
	return g.data, err
}

// LongEntries returns the size of the longest value MAXSIZE left out, or
// -1 (RFC 5464 §4.2.2, [METADATA LONGENTRIES n]). Call it after Wait.
func (g *GetMetadataCommand) LongEntries() int64 {
	st := g.cmd.status
	if st == nil || st.Code != "METADATA" {
		return -1
	}
	f := strings.Fields(st.CodeArg)
	if len(f) != 2 || !strings.EqualFold(f[0], "LONGENTRIES") {
		return -1
	}
	n, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// GetMetadata sends GETMETADATA (RFC 5464 §4.2) for entries of mailbox
// ("" for server entries, METADATA-SERVER).
func (c *Client) GetMetadata(mailbox string, entries []string, opts *MetadataOptions) *GetMetadataCommand {
	g := &GetMetadataCommand{}
	g.cmd = c.start("GETMETADATA", func(e *wire.Encoder) error {
		e.SP()
		if opts != nil && (opts.MaxSize > 0 || opts.Depth != 0) {
			e.BeginList()
			sep := false
			if opts.MaxSize > 0 {
				e.Raw("MAXSIZE ").Number(opts.MaxSize)
				sep = true
			}
			if opts.Depth != 0 {
				if sep {
					e.SP()
				}
				e.Raw("DEPTH ")
				if opts.Depth < 0 {
					e.Raw("infinity")
				} else {
					e.Raw(strconv.Itoa(opts.Depth))
				}
			}
			e.EndList().SP()
		}
		metadataMailboxArg(c, e, mailbox)
		e.SP().BeginList()
		for i, en := range entries {
			if i > 0 {
				e.SP()
			}
			e.AString(en)
		}
		e.EndList()
		return nil
	}, func(cmd *command) {
		cmd.wantsData = func(k string) bool { return k == "METADATA" }
		cmd.onData = func(u *untagged) bool {
			d, ok := u.ext.(*MetadataData)
			if !ok || d.changed != nil || d.Mailbox != mailbox && !strings.EqualFold(d.Mailbox, mailbox) {
				return false
			}
			if g.data == nil {
				g.data = &MetadataData{Mailbox: d.Mailbox, Entries: map[string][]byte{}}
			}
			for k, v := range d.Entries {
				g.data.Entries[k] = v
			}
			return true
		}
	})
	return g
}

// SetMetadata sends SETMETADATA (RFC 5464 §4.3); a nil value deletes the
// entry. Values are sent as literals when they are not plain text.
func (c *Client) SetMetadata(mailbox string, entries map[string][]byte) *Command {
	keys := make([]string, 0, len(entries))
	for k := range entries {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return c.simple("SETMETADATA", func(e *wire.Encoder) error {
		e.SP()
		metadataMailboxArg(c, e, mailbox)
		e.SP().BeginList()
		for i, k := range keys {
			if i > 0 {
				e.SP()
			}
			e.AString(k).SP()
			if v := entries[k]; v == nil {
				e.NIL()
			} else {
				e.String(string(v))
			}
		}
		e.EndList()
		return e.Err()
	})
}

func metadataMailboxArg(c *Client, e *wire.Encoder, mailbox string) {
	if mailbox == "" {
		e.Raw(`""`)
		return
	}
	c.mailboxArg(e, mailbox)
}

// readMetadata parses the rest of "* METADATA mailbox (entry value ...)"
// or, for unsolicited notifications, "* METADATA mailbox entry ...".
func (c *Client) readMetadata() (*MetadataData, error) {
	d := c.dec
	if err := d.SP(); err != nil {
		return nil, err
	}
	mbox, err := d.AString()
	if err != nil {
		return nil, err
	}
	if mbox != "" {
		mbox = c.mailboxName(mbox)
	}
	md := &MetadataData{Mailbox: mbox, Entries: map[string][]byte{}}
	if err := d.SP(); err != nil {
		return nil, err
	}
	if !d.PeekIs('(') {
		// Unsolicited entry list without values (RFC 5464 §4.4.2).
		for {
			en, err := d.AString()
			if err != nil {
				return nil, err
			}
			md.Entries[en] = nil
			md.changed = append(md.changed, en)
			if !d.Accept(' ') {
				return md, nil
			}
		}
	}
	err = d.List(func() error {
		en, err := d.AString()
		if err != nil {
			return err
		}
		if err := d.SP(); err != nil {
			return err
		}
		v, ok, err := d.NString()
		if err != nil {
			return err
		}
		if ok {
			md.Entries[en] = []byte(v)
		} else {
			md.Entries[en] = nil
		}
		return nil
	})
	return md, err
}
