package wire

import (
	"bufio"
	"io"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/mailwire/mailwire/imap"
)

// Encoder writes IMAP syntax to a bufio.Writer. Write errors are latched in
// the bufio.Writer (and in Err); methods do not return them so that
// response code stays linear. Nothing allocates on the common paths.
type Encoder struct {
	w *bufio.Writer

	// UTF8 allows UTF-8 in quoted strings (IMAP4rev2, UTF8=ACCEPT);
	// otherwise strings with 8-bit octets are sent as literals.
	UTF8 bool

	// Client side: NonSyncLiterals sends literals as {n+} (LITERAL+), or
	// only up to MaxNonSync octets when MaxNonSync > 0 (LITERAL-);
	// otherwise WaitContinuation is called after a synchronizing literal
	// header was flushed and must return once "+" arrived.
	NonSyncLiterals  bool
	MaxNonSync       int64
	WaitContinuation func() error

	err error
	num [24]byte
}

// NewEncoder returns an encoder writing to w.
func NewEncoder(w *bufio.Writer) *Encoder { return &Encoder{w: w} }

// Reset makes e write to w (after STARTTLS or COMPRESS).
func (e *Encoder) Reset(w *bufio.Writer) { e.w = w; e.err = nil }

// Writer returns the underlying writer.
func (e *Encoder) Writer() *bufio.Writer { return e.w }

// Err returns the first error from a continuation wait, if any.
func (e *Encoder) Err() error { return e.err }

// Flush flushes the writer.
func (e *Encoder) Flush() error {
	if e.err != nil {
		return e.err
	}
	return e.w.Flush()
}

// Raw writes s as is.
func (e *Encoder) Raw(s string) *Encoder { e.w.WriteString(s); return e }

// RawBytes writes b as is.
func (e *Encoder) RawBytes(b []byte) *Encoder { e.w.Write(b); return e }

// Byte writes one octet.
func (e *Encoder) Byte(c byte) *Encoder { e.w.WriteByte(c); return e }

// SP writes a space.
func (e *Encoder) SP() *Encoder { e.w.WriteByte(' '); return e }

// CRLF writes the end of line.
func (e *Encoder) CRLF() *Encoder { e.w.WriteString("\r\n"); return e }

// Atom writes s verbatim; the caller guarantees it is an atom.
func (e *Encoder) Atom(s string) *Encoder { e.w.WriteString(s); return e }

// Number writes a number.
func (e *Encoder) Number(n uint32) *Encoder {
	e.w.Write(strconv.AppendUint(e.num[:0], uint64(n), 10))
	return e
}

// Number64 writes a number64.
func (e *Encoder) Number64(n uint64) *Encoder {
	e.w.Write(strconv.AppendUint(e.num[:0], n, 10))
	return e
}

// Int64 writes a non-negative int64.
func (e *Encoder) Int64(n int64) *Encoder {
	e.w.Write(strconv.AppendInt(e.num[:0], n, 10))
	return e
}

// NIL writes NIL.
func (e *Encoder) NIL() *Encoder { e.w.WriteString("NIL"); return e }

// charClass bits: 1 needs quoting, 2 needs a literal, 4 8-bit.
var charClass = func() (t [256]uint8) {
	for i := range t {
		c := byte(i)
		switch {
		case c == '\r' || c == '\n' || c == 0:
			t[i] = 2
		case c >= 0x80:
			t[i] = 4
		case !IsAStringChar(c):
			t[i] = 1
		}
	}
	return
}()

// stringKind classifies s: 0 atom-safe, 1 quotable, 2 needs a literal.
func (e *Encoder) stringKind(s string) int {
	if s == "" {
		return 1
	}
	if len(s) > 1024 { // long values read better as literals
		return 2
	}
	kind := uint8(0)
	for i := 0; i < len(s); i++ {
		kind |= charClass[s[i]]
	}
	switch {
	case kind&2 != 0:
		return 2
	case kind == 0:
		return 0
	case kind == 1:
		return 1
	}
	// 8-bit octets: quotable only as valid UTF-8 when UTF8 is on.
	if !e.UTF8 || !utf8.ValidString(s) {
		return 2
	}
	return 1
}

// String writes s as a quoted string, or a literal when it cannot be quoted.
func (e *Encoder) String(s string) *Encoder {
	if e.stringKind(s) == 2 {
		return e.Literal(s)
	}
	return e.Quoted(s)
}

// AString writes s as an atom when it is one, else like String.
func (e *Encoder) AString(s string) *Encoder {
	switch e.stringKind(s) {
	case 0:
		e.w.WriteString(s)
		return e
	case 1:
		return e.Quoted(s)
	}
	return e.Literal(s)
}

// NString writes NIL for "" and otherwise String(s).
func (e *Encoder) NString(s string) *Encoder {
	if s == "" {
		return e.NIL()
	}
	return e.String(s)
}

// Quoted writes s between double quotes, escaping " and \. The caller
// ensures s has no CR, LF or NUL.
func (e *Encoder) Quoted(s string) *Encoder {
	w := e.w
	w.WriteByte('"')
	start := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			w.WriteString(s[start:i])
			w.WriteByte('\\')
			start = i
		}
	}
	w.WriteString(s[start:])
	w.WriteByte('"')
	return e
}

// LiteralHeader writes "{n}\r\n" (or "{n+}" / "~{n}") and, for a
// synchronizing literal on the client side, flushes and waits for the
// continuation request. It returns false if the wait failed.
func (e *Encoder) LiteralHeader(size int64, binary bool) bool {
	if e.err != nil {
		return false
	}
	nonSync := e.NonSyncLiterals && (e.MaxNonSync <= 0 || size <= e.MaxNonSync)
	if binary {
		e.w.WriteByte('~')
	}
	e.w.WriteByte('{')
	e.Int64(size)
	if nonSync {
		e.w.WriteByte('+')
	}
	e.w.WriteString("}\r\n")
	if !nonSync && e.WaitContinuation != nil {
		if err := e.w.Flush(); err != nil {
			e.err = err
			return false
		}
		if err := e.WaitContinuation(); err != nil {
			e.err = err
			return false
		}
	}
	return true
}

// Literal writes s as a literal.
func (e *Encoder) Literal(s string) *Encoder {
	if e.LiteralHeader(int64(len(s)), false) {
		e.w.WriteString(s)
	}
	return e
}

// LiteralFrom writes a literal of size octets copied from r; it fails with
// io.ErrUnexpectedEOF if r is shorter.
func (e *Encoder) LiteralFrom(r io.Reader, size int64, binary bool) error {
	if !e.LiteralHeader(size, binary) {
		return e.err
	}
	n, err := io.CopyN(e.w, r, size)
	if err == io.EOF && n < size {
		return io.ErrUnexpectedEOF
	}
	return err
}

// Mailbox writes a mailbox name: as is (UTF-8) when UTF8 is set, else in
// modified UTF-7 (RFC 3501 §5.1.3). INBOX is written in upper case.
func (e *Encoder) Mailbox(name string) *Encoder {
	name = imap.CanonicalMailboxName(name)
	if !e.UTF8 {
		name = EncodeUTF7(name)
	}
	return e.AString(name)
}

// NumSet writes a sequence set.
func (e *Encoder) NumSet(s imap.NumSet) *Encoder {
	if s.IsSearchRes() {
		e.w.WriteByte('$')
		return e
	}
	for i, r := range s.Ranges() {
		if i > 0 {
			e.w.WriteByte(',')
		}
		e.seqNum(r.Start)
		if r.Stop != r.Start {
			e.w.WriteByte(':')
			e.seqNum(r.Stop)
		}
	}
	return e
}

func (e *Encoder) seqNum(n uint32) {
	if n == 0 {
		e.w.WriteByte('*')
	} else {
		e.Number(n)
	}
}

// Flag writes a flag.
func (e *Encoder) Flag(f imap.Flag) *Encoder { e.w.WriteString(string(f)); return e }

// Flags writes "(" flags ")".
func (e *Encoder) Flags(flags []imap.Flag) *Encoder {
	e.w.WriteByte('(')
	for i, f := range flags {
		if i > 0 {
			e.w.WriteByte(' ')
		}
		e.w.WriteString(string(f))
	}
	e.w.WriteByte(')')
	return e
}

// DateTime writes a quoted date-time "17-Jul-1996 02:44:25 -0700".
func (e *Encoder) DateTime(t time.Time) *Encoder {
	var buf [32]byte
	b := append(buf[:0], '"')
	b = AppendDateTime(b, t)
	b = append(b, '"')
	e.w.Write(b)
	return e
}

// Date writes date-text "1-Feb-2024".
func (e *Encoder) Date(t time.Time) *Encoder {
	var buf [16]byte
	e.w.Write(AppendDate(buf[:0], t))
	return e
}

// BeginList writes "(".
func (e *Encoder) BeginList() *Encoder { e.w.WriteByte('('); return e }

// EndList writes ")".
func (e *Encoder) EndList() *Encoder { e.w.WriteByte(')'); return e }
