package imapclient

import (
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/mailwire/mailwire/imap"
	"github.com/mailwire/mailwire/imap/internal/wire"
)

// FetchMessage is the data of one FETCH response.
type FetchMessage struct {
	SeqNum        uint32
	UID           uint32
	Flags         []imap.Flag
	HasFlags      bool // FLAGS was present (an empty list is meaningful)
	InternalDate  time.Time
	RFC822Size    int64
	Envelope      *imap.Envelope
	BodyStructure *imap.BodyStructure
	BodySections  []FetchBodySection // BODY[...], RFC822*, BINARY[...]
	BinarySizes   map[string]int64   // BINARY.SIZE[part] by part ("1.2", "" for [])
	ModSeq        uint64
	Preview       string
	SaveDate      time.Time
	EmailID       string
	ThreadID      string

	// PreviewNil: the server answered PREVIEW NIL (Preview is "" then,
	// as for a message without text): it has no preview. After PREVIEW
	// (LAZY) that means not computed yet (RFC 8970 §3.1); fetch PREVIEW
	// without LAZY to have the server compute it.
	PreviewNil bool
}

// FetchBodySection is one body section of a FETCH response.
type FetchBodySection struct {
	// Name is the item name without the origin, upper case, as the server
	// sent it: "BODY[1.TEXT]", "BODY[HEADER.FIELDS (FROM)]", "RFC822",
	// "BINARY[2]".
	Name   string
	Origin int64  // the <origin> octet, -1 if absent
	Data   []byte // nil if a BodyHandler consumed the data or it was NIL
	Nil    bool   // the server sent NIL
}

// Body returns the data of the section matching item (BODY[...] or
// BODY.PEEK[...] or an RFC822 item), or nil.
func (m *FetchMessage) Body(item *imap.FetchItemBodySection) []byte {
	name := strings.ToUpper(string(bodyItemName(item)))
	for _, s := range m.BodySections {
		if s.Name == name {
			return s.Data
		}
	}
	return nil
}

// Binary returns the data of BINARY[part], or nil.
func (m *FetchMessage) Binary(part []int) []byte {
	var b []byte
	b = append(b, "BINARY["...)
	b = append(b, partString(part)...)
	b = append(b, ']')
	for _, s := range m.BodySections {
		if s.Name == string(b) {
			return s.Data
		}
	}
	return nil
}

func bodyItemName(item *imap.FetchItemBodySection) []byte {
	if item.Legacy != "" {
		return []byte(item.Legacy)
	}
	b := []byte("BODY[")
	b = item.AppendSection(b)
	return append(b, ']')
}

func partString(part []int) string {
	var sb strings.Builder
	for i, p := range part {
		if i > 0 {
			sb.WriteByte('.')
		}
		sb.WriteString(strconv.Itoa(p))
	}
	return sb.String()
}

// BodyHandler receives a body section's data as it is read from the
// connection, on the client's reader goroutine: name is the item name (see
// FetchBodySection.Name), size the literal's length. Whatever it leaves
// unread is discarded. With a BodyHandler, sections are not kept in
// FetchMessage.BodySections' Data.
type BodyHandler func(msg *FetchMessage, name string, size int64, r io.Reader) error

// FetchOptions tune how a FETCH delivers its results.
type FetchOptions struct {
	// BodyHandler streams body sections instead of collecting them.
	BodyHandler BodyHandler
	// OnMessage, if set, receives each message as it arrives, and
	// FetchCommand.Collect returns none.
	OnMessage func(*FetchMessage)
}

// readFetch reads "(" msg-att ")" of "* n FETCH".
func (c *Client) readFetch(seq uint32, bh BodyHandler) (*FetchMessage, error) {
	d := c.dec
	m := &FetchMessage{SeqNum: seq}
	err := d.List(func() error {
		name, err := readFetchName(d)
		if err != nil {
			return err
		}
		origin := int64(-1)
		if d.Accept('<') {
			n, err := d.Number64()
			if err != nil {
				return err
			}
			origin = int64(n)
			if err := d.Expect('>'); err != nil {
				return err
			}
		}
		if err := d.SP(); err != nil {
			return err
		}
		switch {
		case name == "UID":
			m.UID, err = d.Number()
		case name == "FLAGS":
			m.Flags, err = d.FlagList()
			m.HasFlags = true
		case name == "INTERNALDATE":
			m.InternalDate, err = d.DateTime()
		case name == "RFC822.SIZE":
			var n uint64
			n, err = d.Number64()
			m.RFC822Size = int64(n)
		case name == "ENVELOPE":
			m.Envelope, err = wire.ReadEnvelope(d)
		case name == "BODY" || name == "BODYSTRUCTURE":
			m.BodyStructure, err = wire.ReadBodyStructure(d)
		case name == "MODSEQ":
			err = d.List(func() error {
				n, err := d.Number64()
				m.ModSeq = n
				return err
			})
		case strings.HasPrefix(name, "BINARY.SIZE["):
			var n uint64
			n, err = d.Number64()
			if m.BinarySizes == nil {
				m.BinarySizes = map[string]int64{}
			}
			m.BinarySizes[name[len("BINARY.SIZE["):len(name)-1]] = int64(n)
		case strings.HasPrefix(name, "BODY[") || strings.HasPrefix(name, "BINARY[") ||
			name == "RFC822" || name == "RFC822.HEADER" || name == "RFC822.TEXT":
			err = c.readSection(m, name, origin, bh)
		case name == "PREVIEW":
			var ok bool
			m.Preview, ok, err = d.NString()
			m.PreviewNil = !ok && err == nil
		case name == "SAVEDATE":
			if d.PeekIs('"') {
				m.SaveDate, err = d.DateTime()
			} else {
				err = d.ExpectAtom("NIL")
			}
		case name == "EMAILID" || name == "THREADID":
			var id string
			if d.PeekIs('(') {
				err = d.List(func() error {
					var e error
					id, e = d.Atom()
					return e
				})
			} else {
				err = d.ExpectAtom("NIL")
			}
			if name == "EMAILID" {
				m.EmailID = id
			} else {
				m.ThreadID = id
			}
		default:
			err = wire.SkipValue(d)
		}
		return err
	})
	return m, err
}

// readFetchName reads an item name, including a [section] with its header
// list, upper-cased.
func readFetchName(d *wire.Decoder) (string, error) {
	var arr [64]byte
	b := arr[:0]
	depth := 0
	quoted := false
	for {
		ch, err := d.Peek()
		if err != nil {
			return "", err
		}
		if depth == 0 && (ch == ' ' || ch == '<' || ch == ')' || ch == '(' || ch == '\r' || ch == '\n') {
			break
		}
		if ch == '\r' || ch == '\n' {
			return "", &wire.SyntaxError{Msg: "line break in fetch item name"}
		}
		d.ReadByte()
		switch {
		case quoted:
			if ch == '"' {
				quoted = false
			}
		case ch == '"':
			quoted = true
		case ch == '[':
			depth++
		case ch == ']':
			depth--
		}
		if 'a' <= ch && ch <= 'z' && !quoted {
			ch -= 'a' - 'A'
		}
		b = append(b, ch)
		if depth == 0 && ch == ']' {
			break
		}
		if len(b) > 4096 {
			return "", &wire.SyntaxError{Msg: "fetch item name too long"}
		}
	}
	if len(b) == 0 {
		return "", &wire.SyntaxError{Msg: "empty fetch item"}
	}
	for _, n := range commonItems {
		if string(b) == n {
			return n, nil // no allocation for the usual items
		}
	}
	return string(b), nil
}

var commonItems = [...]string{"UID", "FLAGS", "ENVELOPE", "BODYSTRUCTURE", "BODY", "RFC822.SIZE",
	"INTERNALDATE", "MODSEQ", "BODY[]", "BODY[HEADER]", "BODY[TEXT]", "RFC822", "RFC822.HEADER"}

// readSection reads a body section value: a literal (streamed to bh or
// collected), a quoted string or NIL.
func (c *Client) readSection(m *FetchMessage, name string, origin int64, bh BodyHandler) error {
	d := c.dec
	s := FetchBodySection{Name: name, Origin: origin}
	if d.IsLiteralNext() {
		l, err := d.BeginLiteral()
		if err != nil {
			return err
		}
		r, err := d.LiteralBody(l)
		if err != nil {
			return err
		}
		if bh != nil {
			if err := bh(m, name, l.Size, r); err != nil {
				return err
			}
			io.Copy(io.Discard, r)
		} else {
			if l.Size > c.opts.MaxLiteral {
				return &wire.LiteralError{Size: l.Size}
			}
			buf := make([]byte, l.Size)
			if _, err := io.ReadFull(r, buf); err != nil {
				return err
			}
			s.Data = buf
		}
	} else {
		v, ok, err := d.NString()
		if err != nil {
			return err
		}
		s.Nil = !ok
		if bh != nil && ok {
			if err := bh(m, name, int64(len(v)), strings.NewReader(v)); err != nil {
				return err
			}
		} else if ok {
			s.Data = []byte(v)
		}
	}
	m.BodySections = append(m.BodySections, s)
	return nil
}

// FetchCommand is a FETCH (or STORE) in flight.
type FetchCommand struct {
	cmd  *command
	msgs []*FetchMessage
}

// Wait waits for the tagged response and returns the messages received
// (none if FetchOptions.OnMessage was set).
func (f *FetchCommand) Wait() ([]*FetchMessage, error) {
	err := f.cmd.wait()
	return f.msgs, err
}

// Collect is Wait.
func (f *FetchCommand) Collect() ([]*FetchMessage, error) { return f.Wait() }

// Fetch sends FETCH (RFC 9051 §6.4.5) for sequence numbers (SeqSet) or
// UIDs (UIDSet, sending UID FETCH).
func (c *Client) Fetch(set imap.NumSet, items *imap.FetchOptions, opts *FetchOptions) *FetchCommand {
	name := "FETCH"
	if _, ok := set.(imap.UIDSet); ok {
		name = "UID FETCH"
	}
	f := &FetchCommand{}
	f.cmd = c.start(name, func(e *wire.Encoder) error {
		e.SP().NumSet(set).SP()
		wire.WriteFetchItems(e, items)
		return nil
	}, func(cmd *command) {
		cmd.fetchOpts = opts
		cmd.onFetch = func(m *FetchMessage) {
			if opts != nil && opts.OnMessage != nil {
				opts.OnMessage(m)
				return
			}
			f.msgs = append(f.msgs, m)
		}
	})
	return f
}

// StoreFlags describes a STORE operation (RFC 9051 §6.4.6).
type StoreFlags struct {
	Op     StoreOp
	Silent bool // .SILENT: no FETCH responses
	Flags  []imap.Flag
	// UnchangedSince is the CONDSTORE modifier (RFC 7162 §3.1.3); 0 = absent.
	UnchangedSince uint64
}

// StoreOp is FLAGS, +FLAGS or -FLAGS.
type StoreOp int

// Store operations.
const (
	StoreReplace StoreOp = iota // FLAGS
	StoreAdd                    // +FLAGS
	StoreRemove                 // -FLAGS
)

// Store sends STORE (or UID STORE for a UIDSet). The FETCH responses that
// report the new flags are returned by Wait.
func (c *Client) Store(set imap.NumSet, store *StoreFlags) *FetchCommand {
	name := "STORE"
	if _, ok := set.(imap.UIDSet); ok {
		name = "UID STORE"
	}
	f := &FetchCommand{}
	f.cmd = c.start(name, func(e *wire.Encoder) error {
		e.SP().NumSet(set).SP()
		if store.UnchangedSince > 0 {
			e.Raw("(UNCHANGEDSINCE ").Number64(store.UnchangedSince).Raw(") ")
		}
		switch store.Op {
		case StoreAdd:
			e.Byte('+')
		case StoreRemove:
			e.Byte('-')
		}
		e.Raw("FLAGS")
		if store.Silent {
			e.Raw(".SILENT")
		}
		e.SP().Flags(store.Flags)
		return nil
	}, func(cmd *command) {
		cmd.onFetch = func(m *FetchMessage) { f.msgs = append(f.msgs, m) }
	})
	return f
}

// ModifiedSet returns the [MODIFIED set] of a STORE with UNCHANGEDSINCE
// (RFC 7162 §3.1.3), after Wait.
func (f *FetchCommand) ModifiedSet() imap.NumSet {
	st := f.cmd.status
	if st == nil || st.Code != imap.CodeModified {
		return nil
	}
	s, err := imap.ParseSeqSet(st.CodeArg)
	if err != nil {
		return nil
	}
	return s
}
