package imapserver

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/mailwire/mailwire/imap/internal/wire"
)

// Command parsing. A command is read line by line; a literal at the end of
// a line is read (after a continuation request unless it is a LITERAL+
// non-synchronizing literal, RFC 7888) and parsing continues on the next
// line. Parse errors panic with syntaxError, recovered in execute, which
// answers BAD and keeps the connection (rule 5).

type syntaxError string

type ioError struct{ err error }

type fatalError struct{ text string }

var errLineTooLong = errors.New("imapserver: line too long")

// readLine reads one CRLF-terminated line into c.line (without CRLF),
// bounded by MaxLineLength; a longer line is discarded up to its LF.
func (c *conn) readLine() error {
	c.lineBuf = c.lineBuf[:0]
	max := c.srv.maxLineLength()
	for {
		frag, err := c.br.ReadSlice('\n')
		if err == nil || err == bufio.ErrBufferFull {
			if len(c.lineBuf)+len(frag) > max+2 {
				if err == nil {
					return errLineTooLong
				}
				// Resync at the next LF.
				for err == bufio.ErrBufferFull {
					_, err = c.br.ReadSlice('\n')
				}
				if err != nil {
					return err
				}
				return errLineTooLong
			}
			c.lineBuf = append(c.lineBuf, frag...)
			if err == nil {
				break
			}
			continue
		}
		return err
	}
	c.cmdBytes += int64(len(c.lineBuf))
	if c.cmdBytes > c.srv.maxCommandSize() {
		return errLineTooLong
	}
	l := c.lineBuf
	l = l[:len(l)-1]
	if len(l) > 0 && l[len(l)-1] == '\r' {
		l = l[:len(l)-1]
	}
	c.line, c.pos = l, 0
	// Keep memory small for idle connections after a huge command.
	if cap(c.lineBuf) > 64<<10 && len(c.lineBuf) < 1024 {
		c.lineBuf = nil
	}
	return nil
}

func (c *conn) fail(msg string) { panic(syntaxError(msg)) }

func (c *conn) peek() byte {
	if c.pos < len(c.line) {
		return c.line[c.pos]
	}
	return 0
}

func (c *conn) atEnd() bool { return c.pos >= len(c.line) }

// expectEnd requires the end of the command.
func (c *conn) expectEnd() {
	if !c.atEnd() {
		c.fail("Unexpected characters at end of command")
	}
}

func (c *conn) sp() bool {
	if c.peek() == ' ' {
		c.pos++
		return true
	}
	return false
}

func (c *conn) expectSP() {
	if !c.sp() {
		c.fail("Expected space")
	}
}

func (c *conn) expect(b byte) {
	if c.peek() != b {
		c.fail("Expected " + strconv.QuoteRune(rune(b)))
	}
	c.pos++
}

func (c *conn) readTag() (string, bool) {
	start := c.pos
	for c.pos < len(c.line) {
		b := c.line[c.pos]
		if !isAStringChar(b) || b == '+' {
			break
		}
		c.pos++
	}
	if c.pos == start {
		return "", false
	}
	return string(c.line[start:c.pos]), true
}

func isAtomChar(b byte) bool {
	if b <= 0x20 || b >= 0x7f {
		return false
	}
	switch b {
	case '(', ')', '{', '%', '*', '"', '\\', ']':
		return false
	}
	return true
}

func isAStringChar(b byte) bool { return isAtomChar(b) || b == ']' }

// atomBytes returns the next atom (possibly empty) without copying.
func (c *conn) atomBytes() []byte {
	start := c.pos
	for c.pos < len(c.line) && isAtomChar(c.line[c.pos]) {
		c.pos++
	}
	return c.line[start:c.pos]
}

func (c *conn) atom() string {
	a := c.atomBytes()
	if len(a) == 0 {
		c.fail("Expected atom")
	}
	return string(a)
}

// atomUpper returns the next atom in upper case.
func (c *conn) atomUpper() string {
	a := c.atomBytes()
	if len(a) == 0 {
		c.fail("Expected atom")
	}
	return upperASCII(a)
}

func upperASCII(a []byte) string {
	for _, b := range a {
		if 'a' <= b && b <= 'z' {
			return strings.ToUpper(string(a))
		}
	}
	return string(a)
}

// astring reads an atom (with ']' allowed), quoted string or literal.
func (c *conn) astring() string {
	switch c.peek() {
	case '"', '{', '~':
		return c.str()
	}
	start := c.pos
	for c.pos < len(c.line) && isAStringChar(c.line[c.pos]) {
		c.pos++
	}
	if c.pos == start {
		c.fail("Expected string")
	}
	return string(c.line[start:c.pos])
}

// nstring reads NIL or a string.
func (c *conn) nstringOrNil() (string, bool) {
	if c.peek() == 'N' || c.peek() == 'n' {
		save := c.pos
		if strings.EqualFold(string(c.atomBytes()), "NIL") {
			return "", false
		}
		c.pos = save
	}
	return c.str(), true
}

// str reads a quoted string or a literal.
func (c *conn) str() string {
	switch c.peek() {
	case '"':
		return c.quoted()
	case '{', '~':
		return string(c.literal())
	}
	c.fail("Expected quoted string or literal")
	return ""
}

func (c *conn) quoted() string {
	c.expect('"')
	var b []byte
	start := c.pos
	for c.pos < len(c.line) {
		ch := c.line[c.pos]
		switch ch {
		case '"':
			var s string
			if b == nil {
				s = string(c.line[start:c.pos])
			} else {
				s = string(b)
			}
			c.pos++
			return s
		case '\\':
			if b == nil {
				b = append([]byte{}, c.line[start:c.pos]...)
			}
			c.pos++
			if c.pos >= len(c.line) || (c.line[c.pos] != '"' && c.line[c.pos] != '\\') {
				c.fail("Invalid escape in quoted string")
			}
			b = append(b, c.line[c.pos])
		case '\r', '\n', 0:
			c.fail("Invalid character in quoted string")
		default:
			if b != nil {
				b = append(b, ch)
			}
		}
		c.pos++
	}
	c.fail("Unterminated quoted string")
	return ""
}

// literalHeader parses "{n}", "{n+}" or "~{n}" which must end the line.
func (c *conn) literalHeader() (n int64, sync bool) {
	if c.peek() == '~' {
		c.pos++
	}
	c.expect('{')
	start := c.pos
	for c.pos < len(c.line) && c.line[c.pos] >= '0' && c.line[c.pos] <= '9' {
		c.pos++
	}
	if c.pos == start || c.pos-start > 19 {
		c.fail("Invalid literal size")
	}
	n, err := strconv.ParseInt(string(c.line[start:c.pos]), 10, 64)
	if err != nil {
		c.fail("Invalid literal size")
	}
	sync = true
	if c.peek() == '+' || c.peek() == '-' {
		sync = false
		c.pos++
	}
	c.expect('}')
	if !c.atEnd() {
		c.fail("Literal must end the line")
	}
	return n, sync
}

// literal reads a whole literal into memory (bounded by MaxLiteralSize)
// and continues with the next line.
func (c *conn) literal() []byte {
	n, sync := c.literalHeader()
	if n > c.srv.maxLiteralSize() || c.cmdBytes+n > c.srv.maxCommandSize() {
		if !sync {
			// The client is sending the bytes anyway; we cannot resync.
			panic(fatalError{"[TOOBIG] Literal too large"})
		}
		c.line = nil
		panic(syntaxError("[TOOBIG] Literal too large"))
	}
	c.beginLiteral(sync)
	buf := make([]byte, n)
	if _, err := io.ReadFull(c.br, buf); err != nil {
		panic(ioError{err})
	}
	c.cmdBytes += n
	c.continueLine()
	return buf
}

// beginLiteral sends the continuation request of a synchronizing literal.
func (c *conn) beginLiteral(sync bool) {
	if sync {
		c.writeRaw("+ Ready for literal data\r\n")
		if err := c.flush(); err != nil {
			panic(ioError{err})
		}
	}
}

// continueLine reads the rest of the command after a literal.
func (c *conn) continueLine() {
	if err := c.readLine(); err != nil {
		if errors.Is(err, errLineTooLong) {
			panic(fatalError{"[TOOBIG] Command too long"})
		}
		panic(ioError{err})
	}
}

func (c *conn) number() uint32 {
	start := c.pos
	var n uint64
	for c.pos < len(c.line) && c.line[c.pos] >= '0' && c.line[c.pos] <= '9' {
		n = n*10 + uint64(c.line[c.pos]-'0')
		if n > 0xffffffff {
			c.fail("Number too large")
		}
		c.pos++
	}
	if c.pos == start {
		c.fail("Expected number")
	}
	return uint32(n)
}

func (c *conn) number64() uint64 {
	start := c.pos
	var n uint64
	for c.pos < len(c.line) && c.line[c.pos] >= '0' && c.line[c.pos] <= '9' {
		d := uint64(c.line[c.pos] - '0')
		if n > (1<<63-1-d)/10 {
			c.fail("Number too large")
		}
		n = n*10 + d
		c.pos++
	}
	if c.pos == start {
		c.fail("Expected number")
	}
	return n
}

func (c *conn) nzNumber() uint32 {
	n := c.number()
	if n == 0 {
		c.fail("Expected non-zero number")
	}
	return n
}

// openParen enters one level of parentheses, bounded by MaxNesting.
func (c *conn) openParen() {
	c.expect('(')
	c.nesting++
	if c.nesting > c.srv.maxNesting() {
		c.fail("Too deeply nested")
	}
}

func (c *conn) closeParen() {
	c.expect(')')
	c.nesting--
}

// flagList parses "(flag ...)" or a single flag when parens are optional.
func (c *conn) flagList(parensOptional bool) []string {
	var flags []string
	paren := c.peek() == '('
	if !paren && !parensOptional {
		c.fail("Expected flag list")
	}
	if paren {
		c.openParen()
		if c.peek() == ')' {
			c.closeParen()
			return flags
		}
	}
	for {
		flags = append(flags, c.flag())
		if !c.sp() {
			break
		}
	}
	if paren {
		c.closeParen()
	}
	return flags
}

func (c *conn) flag() string {
	if c.peek() == '\\' {
		c.pos++
		a := c.atomBytes()
		if len(a) == 0 {
			c.fail("Invalid flag")
		}
		return canonicalFlag("\\" + string(a))
	}
	return c.atom()
}

var systemFlagNames = []string{`\Seen`, `\Answered`, `\Flagged`, `\Deleted`, `\Draft`, `\Recent`}

func canonicalFlag(f string) string {
	for _, s := range systemFlagNames {
		if strings.EqualFold(f, s) {
			return s
		}
	}
	return f
}

// mailboxName reads a mailbox astring and decodes it: modified UTF-7 for
// IMAP4rev1 clients (RFC 3501 §5.1.3) unless UTF8=ACCEPT/IMAP4rev2 is on.
func (c *conn) mailboxName() string {
	raw := c.astring()
	return c.decodeMailbox(raw)
}

func (c *conn) decodeMailbox(raw string) string {
	name := raw
	if !c.enabled.rev2 && !c.enabled.utf8 {
		if dec, err := wire.DecodeUTF7(raw); err == nil {
			name = dec
		}
	}
	if strings.EqualFold(name, "INBOX") {
		return "INBOX"
	}
	if len(name) > 6 && strings.EqualFold(name[:6], "INBOX/") {
		return "INBOX" + name[5:]
	}
	return name
}

// encodeMailbox is decodeMailbox's inverse for responses.
func (c *conn) encodeMailbox(name string) string {
	if !c.enabled.rev2 && !c.enabled.utf8 {
		return wire.EncodeUTF7(name)
	}
	return name
}

// decodeMUTF7 decodes a modified UTF-7 name (RFC 3501 §5.1.3) with the
// shared codec; a name that is not canonical modified UTF-7 is an error,
// and callers then take it as it was sent.
func decodeMUTF7(s string) (string, error) { return wire.DecodeUTF7(s) }

func containsFold(haystack, needle []byte) bool {
	return bytes.Contains(bytes.ToLower(haystack), bytes.ToLower(needle))
}

// skipNonSyncLiterals discards the rest of a failed command: while the
// current line ends with a non-synchronizing literal {n+}, its n bytes and
// the following line are read and dropped. It reports false when that is
// impossible (a literal beyond MaxLiteralSize, or a read error).
func (c *conn) skipNonSyncLiterals() bool {
	for i := 0; i < 1000; i++ {
		l := c.lineBuf
		l = trimCRLF(l)
		n, ok := nonSyncLiteralSuffix(l)
		if !ok {
			return true
		}
		if n > c.srv.maxLiteralSize() && n > c.srv.appendLimit() {
			return false
		}
		if _, err := c.br.Discard(int(n)); err != nil {
			return false
		}
		if err := c.readLine(); err != nil {
			return false
		}
	}
	return false
}

func trimCRLF(l []byte) []byte {
	if len(l) > 0 && l[len(l)-1] == '\n' {
		l = l[:len(l)-1]
	}
	if len(l) > 0 && l[len(l)-1] == '\r' {
		l = l[:len(l)-1]
	}
	return l
}

// nonSyncLiteralSuffix parses a trailing "{n+}" or "~{n+}".
func nonSyncLiteralSuffix(l []byte) (int64, bool) {
	if len(l) < 4 || l[len(l)-1] != '}' || l[len(l)-2] != '+' {
		return 0, false
	}
	i := bytes.LastIndexByte(l, '{')
	if i < 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(string(l[i+1:len(l)-2]), 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}
