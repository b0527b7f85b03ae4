package imapclient

import (
	"strings"

	"github.com/mailwire/mailwire/imap"
	"github.com/mailwire/mailwire/imap/internal/wire"
)

// Command is a command in flight whose result is only its status.
type Command struct{ cmd *command }

// Wait waits for the tagged response; a NO or BAD is an *imap.Error.
func (c *Command) Wait() error { return c.cmd.wait() }

// Status returns the tagged response, after Wait.
func (c *Command) Status() *StatusResponse { return c.cmd.status }

func (c *Client) simple(name string, args func(e *wire.Encoder) error) *Command {
	return &Command{cmd: c.start(name, args, nil)}
}

// simpleDone is simple with a hook run when the tagged response arrives.
func (c *Client) simpleDone(name string, args func(e *wire.Encoder) error, onDone func(*StatusResponse)) *Command {
	return &Command{cmd: c.start(name, args, func(cmd *command) { cmd.onDone = onDone })}
}

// mailboxArg writes a mailbox name: UTF-8 if UTF8=ACCEPT (or IMAP4rev2)
// is enabled, modified UTF-7 otherwise.
func (c *Client) mailboxArg(e *wire.Encoder, name string) {
	c.mu.Lock()
	utf8 := c.enabled["UTF8=ACCEPT"] || c.enabled["IMAP4REV2"]
	c.mu.Unlock()
	e.UTF8 = utf8
	e.Mailbox(name)
	e.UTF8 = false
}

// Noop sends NOOP; pending updates arrive at the handler.
func (c *Client) Noop() *Command { return c.simple("NOOP", nil) }

// Check sends CHECK (IMAP4rev1).
func (c *Client) Check() *Command { return c.simple("CHECK", nil) }

// Logout sends LOGOUT and closes the connection after the reply.
func (c *Client) Logout() *Command {
	cmd := c.simple("LOGOUT", nil)
	go func() {
		<-cmd.cmd.done
		c.closeWith(ErrClosed)
	}()
	return cmd
}

// CapabilityCommand is a CAPABILITY in flight.
type CapabilityCommand struct {
	cmd  *command
	caps []string
}

// Wait returns the capabilities.
func (c *CapabilityCommand) Wait() ([]string, error) {
	err := c.cmd.wait()
	return c.caps, err
}

// Capability sends CAPABILITY.
func (c *Client) Capability() *CapabilityCommand {
	cc := &CapabilityCommand{}
	cc.cmd = c.start("CAPABILITY", nil, func(cmd *command) {
		cmd.wantsData = func(k string) bool { return k == "CAPABILITY" }
		cmd.onData = func(u *untagged) bool { cc.caps = u.words; return true }
	})
	return cc
}

// Login sends LOGIN (RFC 9051 §6.2.3). Servers refuse it on cleartext
// connections that advertise LOGINDISABLED; use StartTLS first.
func (c *Client) Login(username, password string) *Command {
	return c.simpleDone("LOGIN", func(e *wire.Encoder) error {
		e.SP().AString(username).SP().AString(password)
		return nil
	}, c.onAuthDone)
}

func (c *Client) onAuthDone(st *StatusResponse) {
	if st.Type == imap.StatusOK {
		c.mu.Lock()
		c.state = StateAuthenticated
		c.mu.Unlock()
	}
}

// EnableCommand is an ENABLE in flight.
type EnableCommand struct {
	cmd     *command
	enabled []string
}

// Wait returns the capabilities the server enabled.
func (c *EnableCommand) Wait() ([]string, error) {
	err := c.cmd.wait()
	return c.enabled, err
}

// Enable sends ENABLE (RFC 5161, RFC 9051 §6.3.1).
func (c *Client) Enable(caps ...string) *EnableCommand {
	ec := &EnableCommand{}
	ec.cmd = c.start("ENABLE", func(e *wire.Encoder) error {
		for _, cp := range caps {
			e.SP().Atom(cp)
		}
		return nil
	}, func(cmd *command) {
		cmd.wantsData = func(k string) bool { return k == "ENABLED" }
		cmd.onData = func(u *untagged) bool { ec.enabled = append(ec.enabled, u.words...); return true }
	})
	return ec
}

// SelectCommand is a SELECT or EXAMINE in flight.
type SelectCommand struct {
	cmd  *command
	data imap.SelectData
}

// Wait returns what the server reported about the mailbox.
func (s *SelectCommand) Wait() (*imap.SelectData, error) {
	err := s.cmd.wait()
	return &s.data, err
}

// Select sends SELECT, or EXAMINE if opts.ReadOnly (RFC 9051 §6.3.2).
func (c *Client) Select(mailbox string, opts *imap.SelectOptions) *SelectCommand {
	if opts == nil {
		opts = &imap.SelectOptions{}
	}
	name := "SELECT"
	if opts.ReadOnly {
		name = "EXAMINE"
	}
	sc := &SelectCommand{}
	sc.data.ReadOnly = opts.ReadOnly
	c.mu.Lock()
	if c.state == StateSelected {
		c.state = StateAuthenticated // RFC 9051 §6.3.2: SELECT deselects first
		c.mailbox = nil
	}
	c.mu.Unlock()
	sc.cmd = c.start(name, func(e *wire.Encoder) error {
		e.SP()
		c.mailboxArg(e, mailbox)
		if opts.CondStore && opts.QResync == nil {
			e.Raw(" (CONDSTORE)")
		}
		if q := opts.QResync; q != nil {
			e.Raw(" (QRESYNC (").Number(q.UIDValidity).SP().Number64(q.ModSeq)
			if len(q.KnownUIDs) > 0 {
				e.SP().NumSet(q.KnownUIDs)
			}
			if len(q.SeqMatchSeqs) > 0 {
				e.Raw(" (").NumSet(q.SeqMatchSeqs).SP().NumSet(q.SeqMatchUIDs).Byte(')')
			}
			e.Raw("))")
		}
		return nil
	}, func(cmd *command) {
		d := &sc.data
		cmd.wantsData = func(k string) bool {
			switch k {
			case "FLAGS", "EXISTS", "RECENT", "OK", "LIST":
				return true
			}
			return false
		}
		cmd.onData = func(u *untagged) bool {
			switch u.kind {
			case "FLAGS":
				d.Flags = u.flags
			case "EXISTS":
				d.NumMessages = u.num
			case "RECENT":
				d.NumRecent = u.num
			case "LIST":
				d.List = u.list
			case "OK":
				st := u.status
				switch st.Code {
				case imap.CodePermanentFlags:
					d.PermanentFlags = parseFlagList(st.CodeArg)
				case imap.CodeUIDNext:
					d.UIDNext = parseNum(st.CodeArg)
				case imap.CodeUIDValidity:
					d.UIDValidity = parseNum(st.CodeArg)
				case imap.CodeUnseen:
					d.FirstUnseen = parseNum(st.CodeArg)
				case imap.CodeHighestModSeq:
					d.HighestModSeq = parseNum64(st.CodeArg)
				case imap.CodeMailboxID:
					d.MailboxID = objectIDArg(st.CodeArg) // objectid.go
				default:
					return false // ALERT etc. go to the handler
				}
			}
			return true
		}
		cmd.onDone = func(st *StatusResponse) {
			if st.Type != imap.StatusOK {
				return
			}
			switch st.Code {
			case imap.CodeReadOnly:
				d.ReadOnly = true
			case imap.CodeReadWrite:
				d.ReadOnly = false
			}
			c.mu.Lock()
			c.state = StateSelected
			c.mailbox = &MailboxState{Name: mailbox, ReadOnly: d.ReadOnly, NumMessages: d.NumMessages, UIDValidity: d.UIDValidity}
			c.mu.Unlock()
		}
	})
	return sc
}

func parseFlagList(s string) []imap.Flag {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "(")
	s = strings.TrimSuffix(s, ")")
	var out []imap.Flag
	for _, f := range strings.Fields(s) {
		out = append(out, imap.Flag(f).Canonical())
	}
	return out
}

func (c *Client) deselect(st *StatusResponse) {
	if st.Type == imap.StatusOK {
		c.mu.Lock()
		c.state = StateAuthenticated
		c.mailbox = nil
		c.mu.Unlock()
	}
}

// Close sends CLOSE: expunge \Deleted messages and leave the mailbox.
func (c *Client) CloseMailbox() *Command {
	return c.simpleDone("CLOSE", nil, c.deselect)
}

// Unselect sends UNSELECT (RFC 3691, RFC 9051 §6.4.2): leave the mailbox
// without expunging.
func (c *Client) Unselect() *Command {
	return c.simpleDone("UNSELECT", nil, c.deselect)
}

// Create sends CREATE; specialUse (RFC 6154 CREATE-SPECIAL-USE) is optional.
func (c *Client) Create(mailbox string, specialUse ...imap.MailboxAttr) *Command {
	return c.simple("CREATE", func(e *wire.Encoder) error {
		e.SP()
		c.mailboxArg(e, mailbox)
		if len(specialUse) > 0 {
			e.Raw(" (USE (")
			for i, a := range specialUse {
				if i > 0 {
					e.SP()
				}
				e.Atom(string(a))
			}
			e.Raw("))")
		}
		return nil
	})
}

// Delete sends DELETE.
func (c *Client) Delete(mailbox string) *Command {
	return c.simple("DELETE", func(e *wire.Encoder) error { e.SP(); c.mailboxArg(e, mailbox); return nil })
}

// Rename sends RENAME.
func (c *Client) Rename(from, to string) *Command {
	return c.simple("RENAME", func(e *wire.Encoder) error {
		e.SP()
		c.mailboxArg(e, from)
		e.SP()
		c.mailboxArg(e, to)
		return nil
	})
}

// Subscribe sends SUBSCRIBE.
func (c *Client) Subscribe(mailbox string) *Command {
	return c.simple("SUBSCRIBE", func(e *wire.Encoder) error { e.SP(); c.mailboxArg(e, mailbox); return nil })
}

// Unsubscribe sends UNSUBSCRIBE.
func (c *Client) Unsubscribe(mailbox string) *Command {
	return c.simple("UNSUBSCRIBE", func(e *wire.Encoder) error { e.SP(); c.mailboxArg(e, mailbox); return nil })
}

// ListCommand is a LIST or LSUB in flight.
type ListCommand struct {
	cmd   *command
	lists []*imap.ListData
}

// Wait returns the mailboxes; with LIST-STATUS each carries its Status.
func (l *ListCommand) Wait() ([]*imap.ListData, error) {
	err := l.cmd.wait()
	return l.lists, err
}

// List sends LIST ref pattern (RFC 9051 §6.3.9), with LIST-EXTENDED
// options if opts asks for any (RFC 5258, RFC 5819, RFC 6154).
func (c *Client) List(ref, pattern string, opts *imap.ListOptions) *ListCommand {
	return c.list("LIST", ref, []string{pattern}, opts)
}

// ListPatterns sends LIST with several patterns (RFC 5258).
func (c *Client) ListPatterns(ref string, patterns []string, opts *imap.ListOptions) *ListCommand {
	return c.list("LIST", ref, patterns, opts)
}

// Lsub sends LSUB (IMAP4rev1; IMAP4rev2 servers use LIST (SUBSCRIBED)).
func (c *Client) Lsub(ref, pattern string) *ListCommand {
	return c.list("LSUB", ref, []string{pattern}, nil)
}

func (c *Client) list(name, ref string, patterns []string, opts *imap.ListOptions) *ListCommand {
	lc := &ListCommand{}
	byName := map[string]*imap.ListData{}
	lc.cmd = c.start(name, func(e *wire.Encoder) error {
		var sel []string
		if opts != nil {
			for _, o := range []struct {
				on   bool
				name string
			}{{opts.SelectSubscribed, "SUBSCRIBED"}, {opts.SelectRemote, "REMOTE"}, {opts.SelectRecursiveMatch, "RECURSIVEMATCH"}, {opts.SelectSpecialUse, "SPECIAL-USE"}} {
				if o.on {
					sel = append(sel, o.name)
				}
			}
		}
		if len(sel) > 0 {
			e.Raw(" (").Raw(strings.Join(sel, " ")).Byte(')')
		}
		e.SP()
		c.mailboxArg(e, ref)
		e.SP()
		if len(patterns) == 1 {
			c.patternArg(e, patterns[0])
		} else {
			e.BeginList()
			for i, p := range patterns {
				if i > 0 {
					e.SP()
				}
				c.patternArg(e, p)
			}
			e.EndList()
		}
		if opts != nil {
			var ret []string
			if opts.ReturnSubscribed {
				ret = append(ret, "SUBSCRIBED")
			}
			if opts.ReturnChildren {
				ret = append(ret, "CHILDREN")
			}
			if opts.ReturnSpecialUse {
				ret = append(ret, "SPECIAL-USE")
			}
			if opts.ReturnStatus != nil {
				ret = append(ret, "STATUS "+statusItems(opts.ReturnStatus))
			}
			if len(ret) > 0 {
				e.Raw(" RETURN (").Raw(strings.Join(ret, " ")).Byte(')')
			}
		}
		return nil
	}, func(cmd *command) {
		cmd.wantsData = func(k string) bool { return k == name || k == "STATUS" }
		cmd.onData = func(u *untagged) bool {
			if u.list != nil {
				lc.lists = append(lc.lists, u.list)
				byName[u.list.Mailbox] = u.list
				return true
			}
			if u.statusData != nil {
				if l := byName[u.statusData.Mailbox]; l != nil {
					l.Status = u.statusData
					return true
				}
			}
			return false
		}
	})
	return lc
}

// patternArg writes a LIST pattern: list-mailbox allows % and * unquoted.
func (c *Client) patternArg(e *wire.Encoder, p string) {
	c.mu.Lock()
	utf8 := c.enabled["UTF8=ACCEPT"] || c.enabled["IMAP4REV2"]
	c.mu.Unlock()
	if !utf8 {
		p = wire.EncodeUTF7(p)
	}
	if isListPattern(p) {
		e.Atom(p)
		return
	}
	e.UTF8 = utf8
	e.AString(p)
	e.UTF8 = false
}

// isListPattern reports whether p can go as 1*list-char (RFC 9051 §9).
func isListPattern(p string) bool {
	if p == "" {
		return false
	}
	for i := 0; i < len(p); i++ {
		if c := p[i]; c != '%' && c != '*' && !wire.IsAStringChar(c) {
			return false
		}
	}
	return true
}

// NamespaceCommand is a NAMESPACE in flight.
type NamespaceCommand struct {
	cmd  *command
	data *imap.NamespaceData
}

// Wait returns the namespaces.
func (n *NamespaceCommand) Wait() (*imap.NamespaceData, error) {
	err := n.cmd.wait()
	return n.data, err
}

// Namespace sends NAMESPACE (RFC 2342, RFC 9051 §6.3.10).
func (c *Client) Namespace() *NamespaceCommand {
	nc := &NamespaceCommand{}
	nc.cmd = c.start("NAMESPACE", nil, func(cmd *command) {
		cmd.wantsData = func(k string) bool { return k == "NAMESPACE" }
		cmd.onData = func(u *untagged) bool { nc.data = u.namespace; return true }
	})
	return nc
}

// StatusCommand is a STATUS in flight.
type StatusCommand struct {
	cmd  *command
	data *imap.StatusData
}

// Wait returns the mailbox status.
func (s *StatusCommand) Wait() (*imap.StatusData, error) {
	err := s.cmd.wait()
	if err == nil && s.data == nil {
		return nil, &imap.Error{Type: imap.StatusNO, Text: "no STATUS response"}
	}
	return s.data, err
}

func statusItems(o *imap.StatusOptions) string {
	var items []string
	for _, it := range []struct {
		on   bool
		name string
	}{{o.NumMessages, "MESSAGES"}, {o.UIDNext, "UIDNEXT"}, {o.UIDValidity, "UIDVALIDITY"}, {o.NumUnseen, "UNSEEN"},
		{o.NumDeleted, "DELETED"}, {o.Size, "SIZE"}, {o.NumRecent, "RECENT"}, {o.HighestModSeq, "HIGHESTMODSEQ"},
		{o.AppendLimit, "APPENDLIMIT"}, {o.MailboxID, "MAILBOXID"}} {
		if it.on {
			items = append(items, it.name)
		}
	}
	return "(" + strings.Join(items, " ") + ")"
}

// Status sends STATUS (RFC 9051 §6.3.11).
func (c *Client) Status(mailbox string, opts *imap.StatusOptions) *StatusCommand {
	sc := &StatusCommand{}
	sc.cmd = c.start("STATUS", func(e *wire.Encoder) error {
		e.SP()
		c.mailboxArg(e, mailbox)
		e.SP().Raw(statusItems(opts))
		return nil
	}, func(cmd *command) {
		cmd.wantsData = func(k string) bool { return k == "STATUS" }
		cmd.onData = func(u *untagged) bool { sc.data = u.statusData; return true }
	})
	return sc
}

// ExpungeCommand is an EXPUNGE (or UID EXPUNGE) in flight.
type ExpungeCommand struct {
	cmd      *command
	seqNums  []uint32
	vanished imap.UIDSet
}

// Wait returns the sequence numbers expunged, in the order the server
// reported them (each relative to the mailbox after the previous ones),
// or, with QRESYNC enabled, the UIDs that vanished.
func (x *ExpungeCommand) Wait() ([]uint32, imap.UIDSet, error) {
	err := x.cmd.wait()
	return x.seqNums, x.vanished, err
}

// Expunge sends EXPUNGE (RFC 9051 §6.4.3).
func (c *Client) Expunge() *ExpungeCommand { return c.expunge(nil) }

// UIDExpunge sends UID EXPUNGE (RFC 4315, RFC 9051 §6.4.9).
func (c *Client) UIDExpunge(uids imap.UIDSet) *ExpungeCommand { return c.expunge(uids) }

func (c *Client) expunge(uids imap.UIDSet) *ExpungeCommand {
	name := "EXPUNGE"
	if uids != nil {
		name = "UID EXPUNGE"
	}
	x := &ExpungeCommand{}
	x.cmd = c.start(name, func(e *wire.Encoder) error {
		if uids != nil {
			e.SP().NumSet(uids)
		}
		return nil
	}, func(cmd *command) {
		cmd.wantsData = func(k string) bool { return k == "EXPUNGE" || k == "VANISHED" }
		cmd.onData = func(u *untagged) bool {
			if u.kind == "EXPUNGE" {
				x.seqNums = append(x.seqNums, u.num)
			} else if !u.earlier {
				x.vanished = append(x.vanished, u.uids...)
			}
			if h := c.opts.Handler; h != nil { // the view changed for everyone
				if u.kind == "EXPUNGE" && h.Expunge != nil {
					h.Expunge(u.num)
				} else if u.kind == "VANISHED" && h.Vanished != nil {
					h.Vanished(u.uids, u.earlier)
				}
			}
			return true
		}
	})
	return x
}

// IDCommand is an ID in flight.
type IDCommand struct {
	cmd  *command
	data map[string]string
}

// Wait returns the server's identification (nil if it sent NIL).
func (i *IDCommand) Wait() (map[string]string, error) {
	err := i.cmd.wait()
	return i.data, err
}

// ID sends ID (RFC 2971) with the client's fields (nil sends NIL).
func (c *Client) ID(fields map[string]string) *IDCommand {
	ic := &IDCommand{}
	ic.cmd = c.start("ID", func(e *wire.Encoder) error {
		e.SP()
		if fields == nil {
			e.NIL()
			return nil
		}
		e.BeginList()
		i := 0
		for k, v := range fields {
			if i > 0 {
				e.SP()
			}
			i++
			e.String(k).SP().NString(v)
		}
		e.EndList()
		return nil
	}, func(cmd *command) {
		cmd.wantsData = func(k string) bool { return k == "ID" }
		cmd.onData = func(u *untagged) bool { ic.data = u.id; return true }
	})
	return ic
}
