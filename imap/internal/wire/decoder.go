package wire

import (
	"bufio"
	"io"
	"strconv"

	"github.com/mailwire/mailwire/imap"
)

// Limits bound what one Decoder accepts. A zero field means the default.
type Limits struct {
	// MaxCommand bounds the octets of one command (or response) outside
	// streamed literals, buffered literals included. Default 64 KiB.
	MaxCommand int
	// MaxLiteral bounds a literal read into a string (String, AString...).
	// Streamed literals (LiteralBody) are not bounded here. Default 64 KiB.
	MaxLiteral int64
	// MaxNonSyncLiteral, if > 0, bounds non-synchronizing literals {n+}:
	// 4096 for LITERAL- (RFC 7888 §5). Zero means LITERAL+ (no extra bound).
	MaxNonSyncLiteral int64
	// MaxDepth bounds nesting of parenthesised lists and search keys. Default 32.
	MaxDepth int
}

// Default limits.
const (
	DefaultMaxCommand = 64 << 10
	DefaultMaxLiteral = 64 << 10
	DefaultMaxDepth   = 32
)

func (l Limits) withDefaults() Limits {
	if l.MaxCommand <= 0 {
		l.MaxCommand = DefaultMaxCommand
	}
	if l.MaxLiteral <= 0 {
		l.MaxLiteral = DefaultMaxLiteral
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	return l
}

// Decoder reads IMAP syntax (RFC 9051 §9, RFC 3501 §9) from a
// bufio.Reader: commands on the server side, responses on the client side.
//
// Call BeginCommand before each command or response line: it resets the
// size budget. On an error for which IsProtocolError is true, call SkipLine
// to get back in sync (it swallows announced non-synchronizing literals).
type Decoder struct {
	r      *bufio.Reader
	limits Limits

	// OnSyncLiteral is called, if set, when a synchronizing literal {n} is
	// about to be read: a server sends its "+ " continuation request here
	// (RFC 9051 §7.5) and flushes. A non-nil error aborts the read.
	OnSyncLiteral func(size int64) error

	used    int   // octets of the current command counted against MaxCommand
	depth   int   // current nesting depth
	litLeft int64 // unread octets of a streamed literal, drained before the next token
	// lineEnded is set when a synchronizing literal was refused: the peer
	// waits for a continuation that will not come, so the command is over.
	lineEnded bool
	eol       bool // the command's final CRLF was read
	scratch   []byte
}

// NewDecoder returns a decoder reading from r with the given limits.
func NewDecoder(r *bufio.Reader, limits Limits) *Decoder {
	return &Decoder{r: r, limits: limits.withDefaults(), scratch: make([]byte, 0, 64)}
}

// Reset makes the decoder read from r (after STARTTLS or COMPRESS) and
// forgets all state.
func (d *Decoder) Reset(r *bufio.Reader) {
	d.r = r
	d.BeginCommand()
	d.litLeft = 0
}

// Limits returns the effective limits.
func (d *Decoder) Limits() Limits { return d.limits }

// SetMaxNonSyncLiteral changes the LITERAL- bound (0 = LITERAL+).
func (d *Decoder) SetMaxNonSyncLiteral(n int64) { d.limits.MaxNonSyncLiteral = n }

// BeginCommand resets the per-command budget and nesting depth.
func (d *Decoder) BeginCommand() {
	d.used = 0
	d.depth = 0
	d.lineEnded = false
	d.eol = false
}

// Reader returns the underlying reader.
func (d *Decoder) Reader() *bufio.Reader { return d.r }

func (d *Decoder) drain() error {
	for d.litLeft > 0 {
		n, err := d.r.Discard(int(min(d.litLeft, 1<<20)))
		d.litLeft -= int64(n)
		if err != nil {
			return err
		}
	}
	return nil
}

// Peek returns the next octet without consuming it.
func (d *Decoder) Peek() (byte, error) {
	if d.litLeft > 0 {
		if err := d.drain(); err != nil {
			return 0, err
		}
	}
	b, err := d.r.Peek(1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

// PeekIs reports whether the next octet is c.
func (d *Decoder) PeekIs(c byte) bool {
	b, err := d.Peek()
	return err == nil && b == c
}

// ReadByte consumes one octet, counting it against MaxCommand.
func (d *Decoder) ReadByte() (byte, error) {
	if d.litLeft > 0 {
		if err := d.drain(); err != nil {
			return 0, err
		}
	}
	if d.used >= d.limits.MaxCommand {
		return 0, ErrCommandTooLong
	}
	c, err := d.r.ReadByte()
	if err != nil {
		return 0, err
	}
	d.used++
	return c, nil
}

// Expect consumes the octet c or fails.
func (d *Decoder) Expect(c byte) error {
	b, err := d.Peek()
	if err != nil {
		return err
	}
	if b != c {
		return syntaxErr("expected %q, got %q", c, b)
	}
	_, err = d.ReadByte()
	return err
}

// Accept consumes c if it is next and reports whether it did.
func (d *Decoder) Accept(c byte) bool {
	if d.PeekIs(c) {
		_, err := d.ReadByte()
		return err == nil
	}
	return false
}

// SP consumes one space.
func (d *Decoder) SP() error { return d.Expect(' ') }

// AtEOL reports whether the next octet ends the line (CR or LF).
func (d *Decoder) AtEOL() bool {
	b, err := d.Peek()
	return err == nil && (b == '\r' || b == '\n')
}

// CRLF consumes the end of line. A bare LF is accepted too, as most
// servers do; a CR not followed by LF is a syntax error.
func (d *Decoder) CRLF() error {
	c, err := d.Peek()
	if err != nil {
		return err
	}
	switch c {
	case '\r':
		d.ReadByte()
		if err := d.Expect('\n'); err != nil {
			return err
		}
	case '\n':
		d.ReadByte()
	default:
		return syntaxErr("expected CRLF, got %q", c)
	}
	d.eol = true
	return nil
}

// readWhile reads octets accepted by ok into the scratch buffer. The result
// is valid until the next call.
func (d *Decoder) readWhile(ok func(byte) bool) ([]byte, error) {
	d.scratch = d.scratch[:0]
	if d.litLeft > 0 {
		if err := d.drain(); err != nil {
			return nil, err
		}
	}
	for {
		// Scan what is buffered in one go instead of octet by octet.
		n := d.r.Buffered()
		if n == 0 {
			if _, err := d.r.Peek(1); err != nil {
				if err == io.EOF && len(d.scratch) > 0 {
					return d.scratch, nil
				}
				return nil, err
			}
			n = d.r.Buffered()
		}
		buf, _ := d.r.Peek(n)
		i := 0
		for i < len(buf) && ok(buf[i]) {
			i++
		}
		if room := d.limits.MaxCommand - d.used; i > room {
			d.r.Discard(room)
			d.used += room
			return nil, ErrCommandTooLong
		}
		d.scratch = append(d.scratch, buf[:i]...)
		d.r.Discard(i)
		d.used += i
		if i < len(buf) {
			return d.scratch, nil
		}
	}
}

func (d *Decoder) readWhile1(ok func(byte) bool, what string) ([]byte, error) {
	b, err := d.readWhile(ok)
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		c, _ := d.Peek()
		return nil, syntaxErr("expected %s, got %q", what, c)
	}
	return b, nil
}

// AtomBytes reads an atom (RFC 9051 §9 atom) into a buffer that is valid
// until the next call. It does not allocate.
func (d *Decoder) AtomBytes() ([]byte, error) { return d.readWhile1(imap.IsAtomChar, "atom") }

// Atom reads an atom.
func (d *Decoder) Atom() (string, error) {
	b, err := d.AtomBytes()
	return string(b), err
}

// IsAStringChar reports whether c is an ASTRING-CHAR (ATOM-CHAR or "]").
func IsAStringChar(c byte) bool { return c == ']' || imap.IsAtomChar(c) }

func isTagChar(c byte) bool { return c != '+' && IsAStringChar(c) }

func isListChar(c byte) bool { return c == '%' || c == '*' || IsAStringChar(c) }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// Tag reads a command tag: 1*<any ASTRING-CHAR except "+"> (RFC 9051 §9).
func (d *Decoder) Tag() (string, error) {
	b, err := d.readWhile1(isTagChar, "tag")
	return string(b), err
}

// Number reads a number (RFC 9051 §9, 32-bit unsigned).
func (d *Decoder) Number() (uint32, error) {
	n, err := d.number(0xffffffff)
	return uint32(n), err
}

// Number64 reads a number64 (RFC 9051 §9, 63-bit).
func (d *Decoder) Number64() (uint64, error) { return d.number(1<<63 - 1) }

// NzNumber reads a non-zero number.
func (d *Decoder) NzNumber() (uint32, error) {
	n, err := d.Number()
	if err == nil && n == 0 {
		return 0, syntaxErr("zero where a non-zero number is required")
	}
	return n, err
}

func (d *Decoder) number(max uint64) (uint64, error) {
	b, err := d.readWhile1(isDigit, "number")
	if err != nil {
		return 0, err
	}
	if len(b) > 20 {
		return 0, syntaxErr("number too large")
	}
	var n uint64
	for _, c := range b {
		n = n*10 + uint64(c-'0')
		if n > max {
			return 0, syntaxErr("number too large")
		}
	}
	return n, nil
}

// Quoted reads a quoted string. Escapes are \" and \\ only; CR, LF and NUL
// are forbidden (RFC 9051 §9 quoted). 8-bit octets are accepted (UTF-8 is
// allowed in IMAP4rev2 quoted strings).
func (d *Decoder) Quoted() (string, error) {
	b, err := d.quotedBytes()
	return string(b), err
}

func (d *Decoder) quotedBytes() ([]byte, error) {
	if err := d.Expect('"'); err != nil {
		return nil, err
	}
	d.scratch = d.scratch[:0]
	for {
		c, err := d.ReadByte()
		if err != nil {
			return nil, err
		}
		switch c {
		case '"':
			return d.scratch, nil
		case '\\':
			c, err = d.ReadByte()
			if err != nil {
				return nil, err
			}
			if c != '"' && c != '\\' {
				return nil, syntaxErr("bad escape \\%c in quoted string", c)
			}
		case '\r', '\n', 0:
			return nil, syntaxErr("CR, LF or NUL in quoted string")
		}
		d.scratch = append(d.scratch, c)
	}
}

// String reads a string: quoted or literal (RFC 9051 §9 string).
func (d *Decoder) String() (string, error) {
	c, err := d.Peek()
	if err != nil {
		return "", err
	}
	switch c {
	case '"':
		return d.Quoted()
	case '{', '~':
		return d.literalString()
	}
	return "", syntaxErr("expected string, got %q", c)
}

// AString reads an astring: 1*ASTRING-CHAR or string.
func (d *Decoder) AString() (string, error) {
	c, err := d.Peek()
	if err != nil {
		return "", err
	}
	if c == '"' || c == '{' || c == '~' {
		return d.String()
	}
	b, err := d.readWhile1(IsAStringChar, "astring")
	return string(b), err
}

// NString reads an nstring; ok is false for NIL.
func (d *Decoder) NString() (s string, ok bool, err error) {
	c, err := d.Peek()
	if err != nil {
		return "", false, err
	}
	if c == 'N' || c == 'n' {
		if err := d.ExpectAtom("NIL"); err != nil {
			return "", false, err
		}
		return "", false, nil
	}
	s, err = d.String()
	return s, err == nil, err
}

// ExpectAtom consumes the atom want (case-insensitive).
func (d *Decoder) ExpectAtom(want string) error {
	b, err := d.AtomBytes()
	if err != nil {
		return err
	}
	if !EqualFold(b, want) {
		return syntaxErr("expected %s", want)
	}
	return nil
}

// ListMailbox reads a LIST pattern: 1*list-char or string (RFC 9051 §9).
func (d *Decoder) ListMailbox() (string, error) {
	c, err := d.Peek()
	if err != nil {
		return "", err
	}
	if c == '"' || c == '{' || c == '~' {
		return d.String()
	}
	b, err := d.readWhile1(isListChar, "list-mailbox")
	return string(b), err
}

// Text reads the rest of the line (resp text), without the CRLF.
func (d *Decoder) Text() (string, error) {
	b, err := d.readWhile(func(c byte) bool { return c != '\r' && c != '\n' })
	return string(b), err
}

// Flag reads a flag: "\" atom, "\*" or a keyword atom (RFC 9051 §9 flag,
// flag-perm).
func (d *Decoder) Flag() (imap.Flag, error) {
	if d.PeekIs('\\') {
		d.ReadByte()
		if d.Accept('*') {
			return imap.FlagWildcard, nil
		}
		b, err := d.AtomBytes()
		if err != nil {
			return "", err
		}
		return imap.Flag(internFlag(b)), nil
	}
	b, err := d.AtomBytes()
	if err != nil {
		return "", err
	}
	return imap.Flag(b), nil
}

// internFlag returns the canonical system flag string for b without
// allocating, or "\"+b.
func internFlag(b []byte) string {
	for _, f := range [...]imap.Flag{imap.FlagSeen, imap.FlagAnswered, imap.FlagFlagged,
		imap.FlagDeleted, imap.FlagDraft, imap.FlagRecent} {
		if EqualFold(b, string(f[1:])) {
			return string(f)
		}
	}
	return "\\" + string(b)
}

// FlagList reads "(" [flag *(SP flag)] ")".
func (d *Decoder) FlagList() ([]imap.Flag, error) {
	var flags []imap.Flag
	err := d.List(func() error {
		f, err := d.Flag()
		flags = append(flags, f)
		return err
	})
	return flags, err
}

// List reads "(" [item *(SP item)] ")", calling item for each element.
// Nesting is bounded by MaxDepth.
func (d *Decoder) List(item func() error) error {
	if err := d.Expect('('); err != nil {
		return err
	}
	if d.depth >= d.limits.MaxDepth {
		return ErrTooDeep
	}
	d.depth++
	defer func() { d.depth-- }()
	if d.Accept(')') {
		return nil
	}
	for {
		if err := item(); err != nil {
			return err
		}
		if d.Accept(')') {
			return nil
		}
		if err := d.SP(); err != nil {
			return err
		}
	}
}

// Enter and Leave bound recursion for callers that nest without lists
// (for example NOT NOT NOT ... in SEARCH).
func (d *Decoder) Enter() error {
	if d.depth >= d.limits.MaxDepth {
		return ErrTooDeep
	}
	d.depth++
	return nil
}

// Leave ends a level entered with Enter.
func (d *Decoder) Leave() { d.depth-- }

func isNumSetChar(c byte) bool { return isDigit(c) || c == ':' || c == ',' || c == '*' || c == '$' }

// NumSetBytes reads the characters of a sequence-set or "$" into a buffer
// valid until the next call.
func (d *Decoder) NumSetBytes() ([]byte, error) {
	return d.readWhile1(isNumSetChar, "sequence set")
}

// SeqSet reads a sequence-set (or "$").
func (d *Decoder) SeqSet() (imap.SeqSet, error) {
	b, err := d.NumSetBytes()
	if err != nil {
		return nil, err
	}
	s, err := imap.ParseSeqSet(string(b))
	if err != nil {
		return nil, syntaxErr("bad sequence set")
	}
	return s, nil
}

// UIDSet reads a UID set in sequence-set syntax (or "$").
func (d *Decoder) UIDSet() (imap.UIDSet, error) {
	s, err := d.SeqSet()
	return imap.UIDSet(s), err
}

// EqualFold compares ASCII b and s case-insensitively without allocating.
func EqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		x, y := b[i], s[i]
		if x == y {
			continue
		}
		if 'a' <= x && x <= 'z' {
			x -= 'a' - 'A'
		}
		if 'a' <= y && y <= 'z' {
			y -= 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
