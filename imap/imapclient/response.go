package imapclient

import (
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/mailwire/mailwire/imap"
	"github.com/mailwire/mailwire/imap/internal/wire"
)

// untagged is one parsed untagged response.
type untagged struct {
	kind       string // upper case: FETCH, EXISTS, SEARCH, LIST, OK, ...
	num        uint32
	status     *StatusResponse
	fetch      *FetchMessage
	search     *imap.SearchData
	list       *imap.ListData
	statusData *imap.StatusData
	flags      []imap.Flag
	words      []string // CAPABILITY, ENABLED
	namespace  *imap.NamespaceData
	id         map[string]string
	uids       imap.UIDSet // VANISHED
	earlier    bool
	nums       []uint32 // SORT
	// text is the raw rest of the line of a response this reader does not
	// parse itself (THREAD, extensions), without the leading space.
	text string
	// ext is the parsed data of an extension response: *QuotaData,
	// *quotaRootData (quota.go), *MetadataData (metadata.go).
	ext any
}

type upgradeReq struct {
	paused chan struct{} // closed by the reader when it stopped reading
	resume chan struct{} // closed by StartTLS when the new reader is set
}

// readLoop reads every response until the connection ends.
func (c *Client) readLoop() {
	defer close(c.readerDone)
	for {
		err := c.readResponse()
		if err == nil {
			continue
		}
		if wire.IsProtocolError(err) {
			c.log.Warn("imapclient: malformed response", "err", err)
			if err := c.dec.SkipLine(); err == nil {
				continue
			}
		}
		c.mu.Lock()
		closed := c.closed
		c.mu.Unlock()
		if !closed {
			if errors.Is(err, io.EOF) {
				err = ErrClosed
			}
			c.closeWith(err)
		}
		return
	}
}

func (c *Client) readResponse() error {
	d := c.dec
	d.BeginCommand()
	b, err := d.Peek()
	if err != nil {
		return err
	}
	switch b {
	case '+':
		d.ReadByte()
		text := ""
		if d.Accept(' ') {
			if text, err = d.Text(); err != nil {
				return err
			}
		}
		if err := d.CRLF(); err != nil {
			return err
		}
		select {
		case c.contCh <- text:
		default:
		}
		return nil
	case '*':
		d.ReadByte()
		if err := d.SP(); err != nil {
			return err
		}
		return c.readUntagged()
	}
	tag, err := d.Tag()
	if err != nil {
		return err
	}
	if err := d.SP(); err != nil {
		return err
	}
	word, err := d.Atom()
	if err != nil {
		return err
	}
	st, err := c.readStatus(imap.StatusType(strings.ToUpper(word)))
	if err != nil {
		return err
	}
	if err := d.CRLF(); err != nil {
		return err
	}
	c.applyCode(st)
	c.mu.Lock()
	var cmd *command
	for i, p := range c.pending {
		if p.tag == tag {
			cmd = p
			c.pending = append(c.pending[:i:i], c.pending[i+1:]...)
			break
		}
	}
	var up *upgradeReq
	if cmd != nil && (cmd.name == "STARTTLS" || cmd.name == "COMPRESS") && st.Type == imap.StatusOK {
		up = &upgradeReq{paused: make(chan struct{}), resume: make(chan struct{})}
		c.upgrade = up
	}
	c.mu.Unlock()
	if cmd == nil {
		c.log.Warn("imapclient: response for unknown tag", "tag", tag)
		return nil
	}
	if up != nil {
		// Nothing may follow the OK in the clear (RFC 9051 §6.2.1).
		if c.br.Buffered() > 0 {
			cmd.finish(nil, ErrSTARTTLSInjection)
			return ErrSTARTTLSInjection
		}
		cmd.finish(st, nil)
		close(up.paused)
		<-up.resume
		return nil
	}
	cmd.finish(st, nil)
	return nil
}

// readStatus reads [SP "[" code [SP args] "]"] [SP text] after the type.
func (c *Client) readStatus(typ imap.StatusType) (*StatusResponse, error) {
	d := c.dec
	st := &StatusResponse{Type: typ}
	switch typ {
	case imap.StatusOK, imap.StatusNO, imap.StatusBAD, imap.StatusBYE, imap.StatusPREAUTH:
	default:
		return nil, &wire.SyntaxError{Msg: "unknown status " + string(typ)}
	}
	if !d.Accept(' ') {
		return st, nil
	}
	if d.Accept('[') {
		code, err := d.AtomBytes()
		if err != nil {
			return nil, err
		}
		st.Code = imap.ResponseCode(strings.ToUpper(string(code)))
		if d.Accept(' ') {
			var b strings.Builder
			depth := 0
			for {
				ch, err := d.ReadByte()
				if err != nil {
					return nil, err
				}
				if ch == '\r' || ch == '\n' {
					return nil, &wire.SyntaxError{Msg: "unterminated response code"}
				}
				if ch == ']' && depth == 0 {
					break
				}
				if ch == '(' {
					depth++
				} else if ch == ')' && depth > 0 {
					depth--
				}
				b.WriteByte(ch)
			}
			st.CodeArg = b.String()
		} else if err := d.Expect(']'); err != nil {
			return nil, err
		}
		d.Accept(' ')
	}
	text, err := d.Text()
	if err != nil {
		return nil, err
	}
	st.Text = text
	return st, nil
}

// applyCode updates client state from a response code.
func (c *Client) applyCode(st *StatusResponse) {
	if st.Code == imap.CodeCapability {
		c.setCaps(strings.Fields(st.CodeArg))
	}
}

func (c *Client) readUntagged() error {
	d := c.dec
	u := &untagged{}
	if b, err := d.Peek(); err == nil && b >= '0' && b <= '9' {
		n, err := d.Number()
		if err != nil {
			return err
		}
		if err := d.SP(); err != nil {
			return err
		}
		kind, err := d.AtomBytes()
		if err != nil {
			return err
		}
		u.num = n
		u.kind = strings.ToUpper(string(kind))
		switch u.kind {
		case "EXISTS", "RECENT", "EXPUNGE":
		case "FETCH":
			if err := d.SP(); err != nil {
				return err
			}
			target := c.fetchTarget()
			var bh BodyHandler
			if target != nil && target.fetchOpts != nil {
				bh = target.fetchOpts.BodyHandler
			}
			msg, err := c.readFetch(n, bh)
			if err != nil {
				return err
			}
			u.fetch = msg
			if err := d.CRLF(); err != nil {
				return err
			}
			c.dispatchFetch(target, msg)
			return nil
		default:
			// An unknown numeric response ("* 4 OK ..." included): skip
			// its data and do not dispatch it, so that no handler sees a
			// status kind without a status (found by FuzzResponseDecoder).
			for !d.AtEOL() {
				if err := d.SP(); err != nil {
					return err
				}
				if err := wire.SkipValue(d); err != nil {
					return err
				}
			}
			return d.CRLF()
		}
		if err := d.CRLF(); err != nil {
			return err
		}
		c.dispatch(u)
		return nil
	}
	kind, err := d.AtomBytes()
	if err != nil {
		return err
	}
	u.kind = strings.ToUpper(string(kind))
	switch u.kind {
	case "OK", "NO", "BAD", "BYE", "PREAUTH":
		st, err := c.readStatus(imap.StatusType(u.kind))
		if err != nil {
			return err
		}
		c.applyCode(st)
		u.status = st
	case "CAPABILITY", "ENABLED":
		u.words = c.readWords()
	case "FLAGS":
		if err := d.SP(); err != nil {
			return err
		}
		if u.flags, err = d.FlagList(); err != nil {
			return err
		}
	case "LIST", "LSUB":
		if err := d.SP(); err != nil {
			return err
		}
		if u.list, err = c.readList(); err != nil {
			return err
		}
	case "STATUS":
		if err := d.SP(); err != nil {
			return err
		}
		if u.statusData, err = c.readStatusData(); err != nil {
			return err
		}
	case "SEARCH":
		if u.search, err = c.readSearch(); err != nil {
			return err
		}
	case "ESEARCH":
		if u.search, err = c.readESearch(); err != nil {
			return err
		}
	case "SORT":
		s, err := c.readSearch()
		if err != nil {
			return err
		}
		u.nums = s.AllNums()
		u.search = s
	case "NAMESPACE":
		if err := d.SP(); err != nil {
			return err
		}
		if u.namespace, err = c.readNamespace(); err != nil {
			return err
		}
	case "ID":
		if err := d.SP(); err != nil {
			return err
		}
		if u.id, err = c.readID(); err != nil {
			return err
		}
	case "VANISHED":
		if err := d.SP(); err != nil {
			return err
		}
		if d.PeekIs('(') {
			if err := d.List(func() error { return d.ExpectAtom("EARLIER") }); err != nil {
				return err
			}
			u.earlier = true
			if err := d.SP(); err != nil {
				return err
			}
		}
		if u.uids, err = d.UIDSet(); err != nil {
			return err
		}
	case "QUOTA":
		if u.ext, err = c.readQuota(); err != nil {
			return err
		}
	case "QUOTAROOT":
		if u.ext, err = c.readQuotaRoot(); err != nil {
			return err
		}
	case "METADATA":
		if u.ext, err = c.readMetadata(); err != nil {
			return err
		}
	default:
		// A response this reader does not parse (THREAD, extensions): keep
		// its text for the command that asked for it.
		d.Accept(' ')
		text, err := d.Text()
		if err != nil {
			return err
		}
		u.text = text
	}
	if err := d.CRLF(); err != nil {
		return err
	}
	c.dispatch(u)
	return nil
}

func (c *Client) readWords() []string {
	d := c.dec
	var words []string
	for d.Accept(' ') {
		w, err := d.Atom()
		if err != nil || w == "" {
			break
		}
		words = append(words, w)
	}
	return words
}

// fetchTarget returns the oldest pending command that collects FETCH data.
func (c *Client) fetchTarget() *command {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, cmd := range c.pending {
		if cmd.onFetch != nil {
			return cmd
		}
	}
	return nil
}

func (c *Client) dispatchFetch(target *command, msg *FetchMessage) {
	if target != nil && target.deliverFetch(msg) {
		return
	}
	if h := c.opts.Handler; h != nil && h.Fetch != nil {
		h.Fetch(msg)
	}
}

// dispatch updates state and hands u to the command that wants it, or to
// the unilateral handler.
func (c *Client) dispatch(u *untagged) {
	c.mu.Lock()
	switch u.kind {
	case "EXISTS":
		if c.mailbox != nil {
			c.mailbox.NumMessages = u.num
		}
	case "EXPUNGE":
		if c.mailbox != nil && c.mailbox.NumMessages > 0 {
			c.mailbox.NumMessages--
		}
	case "VANISHED":
		if c.mailbox != nil && !u.earlier {
			n := u.uids.Count()
			if uint64(c.mailbox.NumMessages) >= n {
				c.mailbox.NumMessages -= uint32(n)
			}
		}
	case "BYE":
		c.state = StateLogout
	case "ENABLED":
		if c.enabled == nil {
			c.enabled = map[string]bool{}
		}
		for _, w := range u.words {
			c.enabled[strings.ToUpper(w)] = true
		}
	}
	var target *command
	for _, cmd := range c.pending {
		if cmd.onData != nil && cmd.wantsData != nil && cmd.wantsData(u.kind) {
			target = cmd
			break
		}
	}
	c.mu.Unlock()
	if u.kind == "CAPABILITY" {
		c.setCaps(u.words)
	}
	if target != nil && target.deliverData(u) {
		return
	}
	h := c.opts.Handler
	if h == nil {
		return
	}
	switch u.kind {
	case "EXISTS":
		if h.Exists != nil {
			h.Exists(u.num)
		}
	case "RECENT":
		if h.Recent != nil {
			h.Recent(u.num)
		}
	case "EXPUNGE":
		if h.Expunge != nil {
			h.Expunge(u.num)
		}
	case "VANISHED":
		if h.Vanished != nil {
			h.Vanished(u.uids, u.earlier)
		}
	case "FLAGS":
		if h.Flags != nil {
			h.Flags(u.flags)
		}
	case "OK", "NO", "BAD", "BYE", "PREAUTH":
		if h.Status != nil {
			h.Status(u.status)
		}
	case "ESEARCH":
		// RFC 5267 §4.3 updates of a kept result, after its command.
		if h.ESearch != nil && u.search != nil {
			h.ESearch(u.search)
		}
	case "STATUS": // NOTIFY (RFC 5465 §5.1-§5.3)
		if h.MailboxStatus != nil && u.statusData != nil {
			h.MailboxStatus(u.statusData)
		}
	case "LIST": // NOTIFY (RFC 5465 §5.4, §5.5)
		if h.List != nil && u.list != nil {
			h.List(u.list)
		}
	case "METADATA": // NOTIFY (RFC 5465 §5.6, §5.7), metadata.go
		if d, ok := u.ext.(*MetadataData); ok && h.Metadata != nil && d.changed != nil {
			h.Metadata(d.Mailbox, d.changed)
		}
	}
}

// mailboxName decodes a mailbox name from the wire: modified UTF-7 unless
// UTF8=ACCEPT is enabled (RFC 6855); undecodable names are kept raw.
func (c *Client) mailboxName(s string) string {
	c.mu.Lock()
	utf8 := c.enabled["UTF8=ACCEPT"] || c.enabled["IMAP4REV2"]
	c.mu.Unlock()
	if strings.EqualFold(s, "INBOX") {
		return imap.Inbox
	}
	if utf8 {
		return s
	}
	if dec, err := wire.DecodeUTF7(s); err == nil {
		return dec
	}
	return s
}

func (c *Client) readList() (*imap.ListData, error) {
	d := c.dec
	l := &imap.ListData{}
	err := d.List(func() error {
		f, err := d.Flag()
		l.Attrs = append(l.Attrs, imap.MailboxAttr(f))
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := d.SP(); err != nil {
		return nil, err
	}
	delim, ok, err := d.NString()
	if err != nil {
		return nil, err
	}
	if ok && delim != "" {
		l.Delim = []rune(delim)[0]
	}
	if err := d.SP(); err != nil {
		return nil, err
	}
	name, err := d.AString()
	if err != nil {
		return nil, err
	}
	l.Mailbox = c.mailboxName(name)
	if d.Accept(' ') {
		// mbox-list-extended (RFC 5258 §9, RFC 9051 §7.3.1)
		err := d.List(func() error {
			tag, err := d.AString()
			if err != nil {
				return err
			}
			if err := d.SP(); err != nil {
				return err
			}
			switch strings.ToUpper(tag) {
			case "CHILDINFO":
				l.ChildInfo = &imap.ListChildInfo{}
				return d.List(func() error {
					s, err := d.AString()
					if strings.EqualFold(s, "SUBSCRIBED") {
						l.ChildInfo.Subscribed = true
					}
					return err
				})
			case "OLDNAME":
				return d.List(func() error {
					s, err := d.AString()
					l.OldName = c.mailboxName(s)
					return err
				})
			}
			return wire.SkipValue(d)
		})
		if err != nil {
			return nil, err
		}
	}
	return l, nil
}

func (c *Client) readStatusData() (*imap.StatusData, error) {
	d := c.dec
	name, err := d.AString()
	if err != nil {
		return nil, err
	}
	s := &imap.StatusData{Mailbox: c.mailboxName(name)}
	if err := d.SP(); err != nil {
		return nil, err
	}
	err = d.List(func() error {
		att, err := d.AtomBytes()
		if err != nil {
			return err
		}
		key := strings.ToUpper(string(att))
		if err := d.SP(); err != nil {
			return err
		}
		if key == "MAILBOXID" { // RFC 8474 §4.3: "(" objectid ")"
			s.MailboxID, err = readObjectID(d) // objectid.go
			return err
		}
		n, err := d.Number64()
		if err != nil {
			return err
		}
		u32 := func() *uint32 { v := uint32(n); return &v }
		switch key {
		case "MESSAGES":
			s.NumMessages = u32()
		case "UIDNEXT":
			s.UIDNext = uint32(n)
		case "UIDVALIDITY":
			s.UIDValidity = uint32(n)
		case "UNSEEN":
			s.NumUnseen = u32()
		case "DELETED":
			s.NumDeleted = u32()
		case "RECENT":
			s.NumRecent = u32()
		case "SIZE":
			v := int64(n)
			s.Size = &v
		case "HIGHESTMODSEQ":
			s.HighestModSeq = n
		case "APPENDLIMIT":
			s.AppendLimit = u32()
		}
		return nil
	})
	return s, err
}

// readSearch reads *(SP nz-number) [SP "(MODSEQ" SP n ")"].
func (c *Client) readSearch() (*imap.SearchData, error) {
	d := c.dec
	s := &imap.SearchData{}
	var set imap.SeqSet
	for d.Accept(' ') {
		if d.PeekIs('(') {
			err := d.List(func() error {
				if err := d.ExpectAtom("MODSEQ"); err != nil {
					return err
				}
				if err := d.SP(); err != nil {
					return err
				}
				n, err := d.Number64()
				s.ModSeq = n
				return err
			})
			if err != nil {
				return nil, err
			}
			continue
		}
		if d.AtEOL() { // trailing space, seen in the wild
			break
		}
		n, err := d.Number()
		if err != nil {
			return nil, err
		}
		set = append(set, imap.NumRange{Start: n, Stop: n})
	}
	s.All = set
	n := uint32(len(set))
	s.Count = &n
	return s, nil
}

// readESearch reads an ESEARCH response (RFC 4731 §3.1, RFC 9051 §7.3.4).
func (c *Client) readESearch() (*imap.SearchData, error) {
	d := c.dec
	s := &imap.SearchData{}
	if !d.Accept(' ') {
		return s, nil
	}
	if d.PeekIs('(') {
		err := d.List(func() error {
			if err := d.ExpectAtom("TAG"); err != nil {
				return err
			}
			if err := d.SP(); err != nil {
				return err
			}
			t, err := d.String()
			s.Tag = t
			return err
		})
		if err != nil {
			return nil, err
		}
		if !d.Accept(' ') {
			return s, nil
		}
	}
	for {
		name, err := d.AtomBytes()
		if err != nil {
			return nil, err
		}
		key := strings.ToUpper(string(name))
		if key == "UID" {
			s.UID = true
		} else {
			if err := d.SP(); err != nil {
				return nil, err
			}
			switch key {
			case "MIN":
				if s.Min, err = d.Number(); err != nil {
					return nil, err
				}
			case "MAX":
				if s.Max, err = d.Number(); err != nil {
					return nil, err
				}
			case "COUNT":
				n, err := d.Number()
				if err != nil {
					return nil, err
				}
				s.Count = &n
			case "MODSEQ":
				if s.ModSeq, err = d.Number64(); err != nil {
					return nil, err
				}
			case "ALL":
				set, err := d.SeqSet()
				if err != nil {
					return nil, err
				}
				s.All = set
			case "ADDTO", "REMOVEFROM", "PARTIAL": // RFC 5267, context.go
				if err := readContextData(d, s, key); err != nil {
					return nil, err
				}
			default:
				if err := wire.SkipValue(d); err != nil {
					return nil, err
				}
			}
		}
		if !d.Accept(' ') {
			break
		}
	}
	if s.UID {
		if set, ok := s.All.(imap.SeqSet); ok {
			s.All = imap.UIDSet(set)
		}
	}
	return s, nil
}

func (c *Client) readNamespace() (*imap.NamespaceData, error) {
	d := c.dec
	ns := &imap.NamespaceData{}
	for i, dst := range []*[]imap.NamespaceDescriptor{&ns.Personal, &ns.Other, &ns.Shared} {
		if i > 0 {
			if err := d.SP(); err != nil {
				return nil, err
			}
		}
		if !d.PeekIs('(') {
			if err := d.ExpectAtom("NIL"); err != nil {
				return nil, err
			}
			continue
		}
		err := d.List(func() error {
			return d.List(func() error {
				prefix, err := d.String()
				if err != nil {
					return err
				}
				if err := d.SP(); err != nil {
					return err
				}
				delim, ok, err := d.NString()
				if err != nil {
					return err
				}
				desc := imap.NamespaceDescriptor{Prefix: c.mailboxName(prefix)}
				if ok && delim != "" {
					desc.Delim = []rune(delim)[0]
				}
				*dst = append(*dst, desc)
				for d.Accept(' ') { // namespace-response-extensions
					if err := wire.SkipValue(d); err != nil {
						return err
					}
				}
				return nil
			})
		})
		if err != nil {
			return nil, err
		}
	}
	return ns, nil
}

func (c *Client) readID() (map[string]string, error) {
	d := c.dec
	if !d.PeekIs('(') {
		return nil, d.ExpectAtom("NIL")
	}
	m := map[string]string{}
	var key string
	i := 0
	err := d.List(func() error {
		if i%2 == 0 {
			k, err := d.String()
			key = k
			i++
			return err
		}
		i++
		v, _, err := d.NString()
		m[key] = v
		return err
	})
	return m, err
}

// parseNum parses a decimal uint32 from a response code argument.
func parseNum(s string) uint32 {
	n, _ := strconv.ParseUint(strings.TrimSpace(s), 10, 32)
	return uint32(n)
}

func parseNum64(s string) uint64 {
	n, _ := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	return n
}
