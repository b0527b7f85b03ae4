package wire

import (
	"strings"

	"github.com/mailwire/mailwire/imap"
)

func isFetchNameChar(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-'
}

// ReadFetchItems reads the data items of FETCH (RFC 9051 §6.4.5): a macro
// (ALL, FAST, FULL), one fetch-att or a parenthesised list of them. It
// stops before the optional modifier list; see ReadFetchModifiers.
func ReadFetchItems(d *Decoder) (*imap.FetchOptions, error) {
	o := new(imap.FetchOptions)
	if d.PeekIs('(') {
		err := d.List(func() error { return readFetchAtt(d, o) })
		return o, err
	}
	if m, ok := peekMacro(d); ok {
		for range len(m) {
			d.ReadByte()
		}
		o.Flags, o.InternalDate, o.RFC822Size = true, true, true
		switch m {
		case "ALL":
			o.Envelope = true
		case "FULL":
			o.Envelope = true
			o.BodyStructure = &imap.FetchItemBodyStructure{}
		}
		return o, nil
	}
	return o, readFetchAtt(d, o)
}

// peekMacro reports whether the next token is exactly ALL, FAST or FULL.
func peekMacro(d *Decoder) (string, bool) {
	b, _ := d.r.Peek(5)
	for _, m := range [...]string{"ALL", "FAST", "FULL"} {
		if len(b) >= len(m) && EqualFold(b[:len(m)], m) && (len(b) == len(m) || !isFetchNameChar(b[len(m)]) && b[len(m)] != '[') {
			return m, true
		}
	}
	return "", false
}

func readFetchAtt(d *Decoder, o *imap.FetchOptions) error {
	name, err := d.readWhile1(isFetchNameChar, "fetch attribute")
	if err != nil {
		return err
	}
	switch {
	case EqualFold(name, "UID"):
		o.UID = true
	case EqualFold(name, "FLAGS"):
		o.Flags = true
	case EqualFold(name, "INTERNALDATE"):
		o.InternalDate = true
	case EqualFold(name, "RFC822.SIZE"):
		o.RFC822Size = true
	case EqualFold(name, "ENVELOPE"):
		o.Envelope = true
	case EqualFold(name, "BODYSTRUCTURE"):
		o.BodyStructure = &imap.FetchItemBodyStructure{Extended: true}
	case EqualFold(name, "RFC822"):
		o.BodySection = append(o.BodySection, &imap.FetchItemBodySection{Legacy: "RFC822"})
	case EqualFold(name, "RFC822.HEADER"):
		o.BodySection = append(o.BodySection, &imap.FetchItemBodySection{
			Specifier: imap.PartSpecifierHeader, Peek: true, Legacy: "RFC822.HEADER"})
	case EqualFold(name, "RFC822.TEXT"):
		o.BodySection = append(o.BodySection, &imap.FetchItemBodySection{
			Specifier: imap.PartSpecifierText, Legacy: "RFC822.TEXT"})
	case EqualFold(name, "MODSEQ"):
		o.ModSeq = true
	case EqualFold(name, "SAVEDATE"):
		o.SaveDate = true
	case EqualFold(name, "EMAILID"):
		o.EmailID = true
	case EqualFold(name, "THREADID"):
		o.ThreadID = true
	case EqualFold(name, "PREVIEW"):
		o.Preview = true
		if d.PeekIs(' ') {
			// PREVIEW (LAZY) modifier (RFC 8970 §3.1); peek so that a
			// following attribute is not eaten.
			if b, _ := d.r.Peek(2); len(b) == 2 && b[1] == '(' {
				d.SP()
				// "(" preview-mod *(SP preview-mod) ")": not empty.
				mods := 0
				if err := d.List(func() error { mods++; return d.ExpectAtom("LAZY") }); err != nil {
					return err
				}
				if mods == 0 {
					return syntaxErr("empty PREVIEW modifier list")
				}
				o.PreviewLazy = true
			}
		}
	case EqualFold(name, "BODY"):
		if !d.PeekIs('[') {
			if o.BodyStructure == nil {
				o.BodyStructure = &imap.FetchItemBodyStructure{}
			}
			return nil
		}
		return readBodySection(d, o, false)
	case EqualFold(name, "BODY.PEEK"):
		return readBodySection(d, o, true)
	case EqualFold(name, "BINARY"), EqualFold(name, "BINARY.PEEK"), EqualFold(name, "BINARY.SIZE"):
		return readBinarySection(d, o, len(name) == 11 && (name[7] == 'P' || name[7] == 'p'), len(name) == 11 && (name[7] == 'S' || name[7] == 's'))
	default:
		return syntaxErr("unknown fetch attribute %q", name)
	}
	return nil
}

func readBodySection(d *Decoder, o *imap.FetchOptions, peek bool) error {
	if err := d.Expect('['); err != nil {
		return err
	}
	s := &imap.FetchItemBodySection{Peek: peek}
	spec, err := d.readWhile(isFetchNameChar)
	if err != nil {
		return err
	}
	// Split leading part numbers from the text specifier.
	i := 0
	for i < len(spec) {
		j := i
		for j < len(spec) && isDigit(spec[j]) {
			j++
		}
		if j == i {
			break
		}
		if spec[i] == '0' || j-i > 9 {
			return syntaxErr("bad section part")
		}
		n := 0
		for _, c := range spec[i:j] {
			n = n*10 + int(c-'0')
		}
		s.Part = append(s.Part, n)
		i = j
		if i < len(spec) {
			if spec[i] != '.' || i+1 == len(spec) {
				return syntaxErr("bad section part")
			}
			i++
		}
	}
	text := spec[i:]
	switch {
	case len(text) == 0:
	case EqualFold(text, "HEADER"):
		s.Specifier = imap.PartSpecifierHeader
	case EqualFold(text, "TEXT"):
		s.Specifier = imap.PartSpecifierText
	case EqualFold(text, "MIME"):
		if len(s.Part) == 0 {
			return syntaxErr("MIME requires a section part")
		}
		s.Specifier = imap.PartSpecifierMIME
	case EqualFold(text, "HEADER.FIELDS"), EqualFold(text, "HEADER.FIELDS.NOT"):
		s.Specifier = imap.PartSpecifierHeaderFields
		if len(text) > len("HEADER.FIELDS") {
			s.Specifier = imap.PartSpecifierHeaderFieldsNot
		}
		if err := d.SP(); err != nil {
			return err
		}
		err := d.List(func() error {
			f, err := d.AString()
			if err != nil {
				return err
			}
			if f == "" || strings.ContainsAny(f, ": \t\r\n") {
				return syntaxErr("bad header field name")
			}
			s.HeaderFields = append(s.HeaderFields, f)
			return nil
		})
		if err != nil {
			return err
		}
		if len(s.HeaderFields) == 0 {
			return syntaxErr("empty header list")
		}
	default:
		return syntaxErr("bad section %q", text)
	}
	if err := d.Expect(']'); err != nil {
		return err
	}
	p, err := readPartial(d)
	if err != nil {
		return err
	}
	s.Partial = p
	o.BodySection = append(o.BodySection, s)
	return nil
}

func readBinarySection(d *Decoder, o *imap.FetchOptions, peek, size bool) error {
	if err := d.Expect('['); err != nil {
		return err
	}
	s := &imap.FetchItemBinarySection{Peek: peek}
	spec, err := d.readWhile(func(c byte) bool { return isDigit(c) || c == '.' })
	if err != nil {
		return err
	}
	if len(spec) > 0 {
		part, ok := imap.ParsePart(string(spec))
		if !ok {
			return syntaxErr("bad binary section")
		}
		s.Part = part
	}
	if err := d.Expect(']'); err != nil {
		return err
	}
	if size {
		o.BinarySectionSize = append(o.BinarySectionSize, s)
		return nil
	}
	p, err := readPartial(d)
	if err != nil {
		return err
	}
	s.Partial = p
	o.BinarySection = append(o.BinarySection, s)
	return nil
}

// readPartial reads an optional "<" number64 "." nz-number64 ">".
func readPartial(d *Decoder) (*imap.SectionPartial, error) {
	if !d.Accept('<') {
		return nil, nil
	}
	off, err := d.Number64()
	if err != nil {
		return nil, err
	}
	if err := d.Expect('.'); err != nil {
		return nil, err
	}
	n, err := d.Number64()
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, syntaxErr("zero partial length")
	}
	if err := d.Expect('>'); err != nil {
		return nil, err
	}
	return &imap.SectionPartial{Offset: int64(off), Size: int64(n)}, nil
}

// ReadFetchModifiers reads the optional fetch modifiers after the items:
// SP "(" modifier *(SP modifier) ")" with CHANGEDSINCE n and VANISHED
// (RFC 7162 §3.1.4.1, §3.2.6). It does nothing at end of line.
func ReadFetchModifiers(d *Decoder, o *imap.FetchOptions) error {
	if d.AtEOL() {
		return nil
	}
	if err := d.SP(); err != nil {
		return err
	}
	return d.List(func() error {
		b, err := d.AtomBytes()
		if err != nil {
			return err
		}
		switch {
		case EqualFold(b, "CHANGEDSINCE"):
			if err := d.SP(); err != nil {
				return err
			}
			n, err := d.Number64()
			if err != nil {
				return err
			}
			if n == 0 {
				return syntaxErr("CHANGEDSINCE 0")
			}
			o.ChangedSince = n
		case EqualFold(b, "VANISHED"):
			o.Vanished = true
		default:
			return syntaxErr("unknown fetch modifier %q", b)
		}
		return nil
	})
}

// WriteFetchItems writes the data item list of o (always parenthesised)
// and its modifiers.
func WriteFetchItems(e *Encoder, o *imap.FetchOptions) {
	e.BeginList()
	n := 0
	item := func(s string) {
		if n > 0 {
			e.SP()
		}
		n++
		e.Raw(s)
	}
	if o.UID {
		item("UID")
	}
	if o.Flags {
		item("FLAGS")
	}
	if o.InternalDate {
		item("INTERNALDATE")
	}
	if o.RFC822Size {
		item("RFC822.SIZE")
	}
	if o.Envelope {
		item("ENVELOPE")
	}
	if o.BodyStructure != nil {
		if o.BodyStructure.Extended {
			item("BODYSTRUCTURE")
		} else {
			item("BODY")
		}
	}
	if o.ModSeq {
		item("MODSEQ")
	}
	if o.PreviewLazy {
		item("PREVIEW (LAZY)")
	} else if o.Preview {
		item("PREVIEW")
	}
	if o.SaveDate {
		item("SAVEDATE")
	}
	if o.EmailID {
		item("EMAILID")
	}
	if o.ThreadID {
		item("THREADID")
	}
	var buf [128]byte
	for _, s := range o.BodySection {
		if s.Legacy != "" {
			item(s.Legacy)
			continue
		}
		b := append(buf[:0], "BODY"...)
		if s.Peek {
			b = append(b, ".PEEK"...)
		}
		b = append(b, '[')
		b = s.AppendSection(b)
		b = append(b, ']')
		b = appendPartial(b, s.Partial)
		item(string(b))
	}
	for _, s := range o.BinarySection {
		b := append(buf[:0], "BINARY"...)
		if s.Peek {
			b = append(b, ".PEEK"...)
		}
		b = append(b, '[')
		b = appendPartNums(b, s.Part)
		b = append(b, ']')
		b = appendPartial(b, s.Partial)
		item(string(b))
	}
	for _, s := range o.BinarySectionSize {
		b := append(buf[:0], "BINARY.SIZE["...)
		b = appendPartNums(b, s.Part)
		b = append(b, ']')
		item(string(b))
	}
	e.EndList()
	if o.ChangedSince > 0 || o.Vanished {
		e.Raw(" (")
		if o.ChangedSince > 0 {
			e.Raw("CHANGEDSINCE ").Number64(o.ChangedSince)
			if o.Vanished {
				e.SP()
			}
		}
		if o.Vanished {
			e.Raw("VANISHED")
		}
		e.EndList()
	}
}

func appendPartial(b []byte, p *imap.SectionPartial) []byte {
	if p == nil {
		return b
	}
	b = append(b, '<')
	b = appendInt(b, p.Offset)
	b = append(b, '.')
	b = appendInt(b, p.Size)
	return append(b, '>')
}

func appendPartNums(b []byte, part []int) []byte {
	for i, p := range part {
		if i > 0 {
			b = append(b, '.')
		}
		b = appendInt(b, int64(p))
	}
	return b
}
