package imapclient

import (
	"strings"

	"github.com/mailwire/mailwire/imap"
	"github.com/mailwire/mailwire/imap/internal/wire"
)

// SearchCommand is a SEARCH in flight.
type SearchCommand struct {
	cmd  *command
	data *imap.SearchData
}

// Wait returns the result: ESEARCH data if RETURN options were given (or
// the server answered with ESEARCH), else the classic list in All.
func (s *SearchCommand) Wait() (*imap.SearchData, error) {
	err := s.cmd.wait()
	if s.data == nil {
		s.data = &imap.SearchData{}
	}
	return s.data, err
}

// Search sends SEARCH (RFC 9051 §6.4.4); uid selects UID SEARCH, whose
// results are UIDs. Non-ASCII strings make it send CHARSET UTF-8.
func (c *Client) Search(uid bool, criteria *imap.SearchCriteria, opts *imap.SearchOptions) *SearchCommand {
	name := "SEARCH"
	if uid {
		name = "UID SEARCH"
	}
	sc := &SearchCommand{}
	sc.cmd = c.start(name, func(e *wire.Encoder) error {
		if opts != nil && (opts.Return || opts.ReturnMin || opts.ReturnMax || opts.ReturnAll || opts.ReturnCount || opts.ReturnSave ||
			opts.ReturnUpdate || opts.ReturnContext || opts.ReturnPartial != nil) {
			var ret []string
			for _, o := range []struct {
				on   bool
				name string
			}{{opts.ReturnMin, "MIN"}, {opts.ReturnMax, "MAX"}, {opts.ReturnAll, "ALL"}, {opts.ReturnCount, "COUNT"}, {opts.ReturnSave, "SAVE"}} {
				if o.on {
					ret = append(ret, o.name)
				}
			}
			ret = contextReturnOptions(ret, opts.ReturnUpdate, opts.ReturnContext, opts.ReturnPartial) // context.go
			e.Raw(" RETURN (").Raw(strings.Join(ret, " ")).Byte(')')
		}
		if needsUTF8(criteria) {
			e.Raw(" CHARSET UTF-8")
			e.UTF8 = true
			defer func() { e.UTF8 = false }()
		}
		e.SP()
		wire.WriteSearchKeys(e, criteria)
		return nil
	}, func(cmd *command) {
		cmd.wantsData = func(k string) bool { return k == "SEARCH" || k == "ESEARCH" }
		cmd.onData = func(u *untagged) bool {
			if u.kind == "ESEARCH" && (u.search.Tag != "" && u.search.Tag != cmd.tag || isContextUpdate(u.search)) {
				return false // another command's, or an update: the handler's
			}
			if u.kind == "SEARCH" && sc.data != nil && sc.data.All != nil {
				// several SEARCH responses: merge
				sc.data.All = append(sc.data.All.(imap.SeqSet), u.search.All.(imap.SeqSet)...)
				n := uint32(len(sc.data.All.Ranges()))
				sc.data.Count = &n
				return true
			}
			sc.data = u.search
			return true
		}
		cmd.onDone = func(*StatusResponse) {
			if sc.data != nil && uid {
				sc.data.UID = true
				if set, ok := sc.data.All.(imap.SeqSet); ok {
					sc.data.All = imap.UIDSet(set)
				}
			}
		}
	})
	return sc
}

func needsUTF8(c *imap.SearchCriteria) bool {
	for _, h := range c.Header {
		if !isASCII(h.Value) {
			return true
		}
	}
	for _, lists := range [][]string{c.Body, c.Text} {
		for _, s := range lists {
			if !isASCII(s) {
				return true
			}
		}
	}
	for i := range c.Not {
		if needsUTF8(&c.Not[i]) {
			return true
		}
	}
	for i := range c.Or {
		if needsUTF8(&c.Or[i][0]) || needsUTF8(&c.Or[i][1]) {
			return true
		}
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// CopyCommand is a COPY or MOVE in flight.
type CopyCommand struct {
	cmd *command
	// copyUID is filled from [COPYUID] in the tagged OK (COPY) or an
	// untagged OK (MOVE, RFC 6851 §4.3).
	copyUID *CopyUID
	expunge []uint32
}

// CopyUID is the COPYUID response code (RFC 4315 §3, RFC 9051 §7.1).
type CopyUID struct {
	UIDValidity uint32
	Source      imap.UIDSet
	Dest        imap.UIDSet
}

// Wait returns the COPYUID data if the server sent it (nil otherwise).
func (c *CopyCommand) Wait() (*CopyUID, error) {
	err := c.cmd.wait()
	return c.copyUID, err
}

func parseCopyUID(arg string) *CopyUID {
	f := strings.Fields(arg)
	if len(f) != 3 {
		return nil
	}
	src, err1 := imap.ParseUIDSet(f[1])
	dst, err2 := imap.ParseUIDSet(f[2])
	if err1 != nil || err2 != nil {
		return nil
	}
	return &CopyUID{UIDValidity: parseNum(f[0]), Source: src, Dest: dst}
}

// Copy sends COPY (UID COPY for a UIDSet).
func (c *Client) Copy(set imap.NumSet, mailbox string) *CopyCommand {
	return c.copyMove("COPY", set, mailbox)
}

// Move sends MOVE (RFC 6851, RFC 9051 §6.4.8; UID MOVE for a UIDSet). The
// EXPUNGE responses it causes reach the handler.
func (c *Client) Move(set imap.NumSet, mailbox string) *CopyCommand {
	return c.copyMove("MOVE", set, mailbox)
}

func (c *Client) copyMove(name string, set imap.NumSet, mailbox string) *CopyCommand {
	if _, ok := set.(imap.UIDSet); ok {
		name = "UID " + name
	}
	cc := &CopyCommand{}
	cc.cmd = c.start(name, func(e *wire.Encoder) error {
		e.SP().NumSet(set).SP()
		c.mailboxArg(e, mailbox)
		return nil
	}, func(cmd *command) {
		cmd.wantsData = func(k string) bool { return k == "OK" }
		cmd.onData = func(u *untagged) bool {
			if u.status.Code == imap.CodeCopyUID {
				cc.copyUID = parseCopyUID(u.status.CodeArg)
				return true
			}
			return false
		}
		cmd.onDone = func(st *StatusResponse) {
			if st.Code == imap.CodeCopyUID {
				cc.copyUID = parseCopyUID(st.CodeArg)
			}
		}
	})
	return cc
}
