package wire

import (
	"bufio"
	"io"
	"strings"
	"testing"

	"github.com/mailwire/mailwire/imap"
)

// parseCommand decodes one command the way a server does, using the
// generic readers for verbs with no dedicated parser.
func parseCommand(d *Decoder) error {
	d.BeginCommand()
	if _, err := d.Tag(); err != nil {
		return err
	}
	if err := d.SP(); err != nil {
		return err
	}
	verb, err := d.Atom()
	if err != nil {
		return err
	}
	if EqualFold([]byte(verb), "UID") {
		if err := d.SP(); err != nil {
			return err
		}
		if verb, err = d.Atom(); err != nil {
			return err
		}
	}
	switch strings.ToUpper(verb) {
	case "SEARCH":
		if err := d.SP(); err != nil {
			return err
		}
		if _, err := ReadSearch(d); err != nil {
			return err
		}
	case "FETCH":
		if err := d.SP(); err != nil {
			return err
		}
		if _, err := d.SeqSet(); err != nil {
			return err
		}
		if err := d.SP(); err != nil {
			return err
		}
		o, err := ReadFetchItems(d)
		if err != nil {
			return err
		}
		if err := ReadFetchModifiers(d, o); err != nil {
			return err
		}
	case "APPEND":
		if err := d.SP(); err != nil {
			return err
		}
		if _, err := d.AString(); err != nil {
			return err
		}
		if err := d.SP(); err != nil {
			return err
		}
		if d.PeekIs('(') {
			if _, err := d.FlagList(); err != nil {
				return err
			}
			if err := d.SP(); err != nil {
				return err
			}
		}
		if d.PeekIs('"') {
			if _, err := d.DateTime(); err != nil {
				return err
			}
			if err := d.SP(); err != nil {
				return err
			}
		}
		l, err := d.BeginLiteral()
		if err != nil {
			return err
		}
		if l.Size > 1<<20 {
			d.RefuseLiteral(l)
			return &LiteralError{Size: l.Size, NonSync: l.NonSync}
		}
		r, err := d.LiteralBody(l)
		if err != nil {
			return err
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			return err
		}
	default:
		for !d.AtEOL() {
			if err := d.SP(); err != nil {
				return err
			}
			if err := SkipValue(d); err != nil {
				return err
			}
		}
	}
	return d.CRLF()
}

func FuzzDecoder(f *testing.F) {
	for _, s := range []string{
		"A1 LOGIN fred \"pass word\"\r\n",
		"A2 SELECT INBOX\r\nA3 FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (From)]<0.10>)\r\n",
		"A4 UID SEARCH RETURN (MIN) CHARSET UTF-8 OR FROM {3+}\r\nabc NOT SEEN\r\n",
		"A5 APPEND INBOX (\\Seen) \" 1-Jan-2020 00:00:00 +0000\" {5}\r\nhello\r\n",
		"A6 LOGIN {5000+}\r\nxxx\r\nA7 NOOP\r\n",
		"A8 LIST \"\" %\r\nA9 STATUS \"a&AP8-b\" (MESSAGES UNSEEN)\r\n",
		"((((((((((((((((((((((((((((((((((((((((x\r\n",
		"A SEARCH NOT NOT NOT NOT NOT NOT NOT SEEN\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d := NewDecoder(bufio.NewReaderSize(strings.NewReader(string(data)), 64),
			Limits{MaxCommand: 1024, MaxLiteral: 512, MaxNonSyncLiteral: 4096, MaxDepth: 8})
		d.OnSyncLiteral = func(int64) error { return nil }
		for i := 0; i < 1000; i++ {
			err := parseCommand(d)
			if err == nil {
				continue
			}
			if !IsProtocolError(err) {
				return // EOF or truncated input
			}
			if err := d.SkipLine(); err != nil {
				return
			}
		}
	})
}

// FuzzResponseDecoder decodes server responses the way a client does:
// untagged data with envelopes, body structures and literals.
func FuzzResponseDecoder(f *testing.F) {
	for _, s := range []string{
		"* 1 FETCH (UID 5 ENVELOPE (NIL \"s\" ((NIL NIL \"a\" \"b\")) NIL NIL NIL NIL NIL NIL \"<x>\") BODYSTRUCTURE (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"us-ascii\") NIL NIL \"7BIT\" 3 1 NIL NIL NIL NIL))\r\n",
		"* 2 FETCH (BODY ((\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 1 1)(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 5 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) (\"TEXT\" \"HTML\" NIL NIL NIL \"8BIT\" 2 1) 4) \"MIXED\"))\r\n",
		"* 3 FETCH (BODY[] {5}\r\nhello FLAGS (\\Seen))\r\n",
		"* OK [CAPABILITY IMAP4rev2] hi\r\n",
		"+ \r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d := NewDecoder(bufio.NewReaderSize(strings.NewReader(string(data)), 64),
			Limits{MaxCommand: 4096, MaxLiteral: 1024, MaxDepth: 16})
		for i := 0; i < 1000; i++ {
			err := parseResponse(d)
			if err == nil {
				continue
			}
			if !IsProtocolError(err) {
				return
			}
			if err := d.SkipLine(); err != nil {
				return
			}
		}
	})
}

func parseResponse(d *Decoder) error {
	d.BeginCommand()
	if d.Accept('+') {
		_, err := d.Text()
		if err != nil {
			return err
		}
		return d.CRLF()
	}
	if _, err := d.Tag(); err != nil && !d.Accept('*') {
		return err
	}
	if err := d.SP(); err != nil {
		return err
	}
	if c, err := d.Peek(); err == nil && isDigit(c) {
		if _, err := d.Number(); err != nil {
			return err
		}
		if err := d.SP(); err != nil {
			return err
		}
	}
	name, err := d.Atom()
	if err != nil {
		return err
	}
	if strings.EqualFold(name, "FETCH") {
		if err := d.SP(); err != nil {
			return err
		}
		err := d.List(func() error {
			item, err := d.readWhile1(func(c byte) bool { return c != ' ' && c != '(' && c != ')' && c != '\r' && c != '\n' }, "item")
			if err != nil {
				return err
			}
			key := strings.ToUpper(string(item))
			if err := d.SP(); err != nil {
				return err
			}
			switch key {
			case "ENVELOPE":
				_, err = ReadEnvelope(d)
			case "BODY", "BODYSTRUCTURE":
				_, err = ReadBodyStructure(d)
			default:
				err = SkipValue(d)
			}
			return err
		})
		if err != nil {
			return err
		}
		return d.CRLF()
	}
	if _, err := d.Text(); err != nil {
		return err
	}
	return d.CRLF()
}

func FuzzSearchParser(f *testing.F) {
	for _, s := range []string{
		"ALL", "OR (FROM a TO b) NOT SEEN", "RETURN (COUNT) CHARSET UTF-8 TEXT {3+}\r\nabc",
		"UID 1:*,$ LARGER 10 SMALLER 99 SINCE 1-Jan-2000 HEADER X y", "MODSEQ \"/flags/\\\\seen\" priv 5",
		"NOT (NOT (NOT (KEYWORD $x)))",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := NewDecoder(bufio.NewReader(strings.NewReader(s+"\r\n")), Limits{MaxCommand: 2048, MaxDepth: 16})
		cmd, err := ReadSearch(d)
		if err != nil {
			if !IsProtocolError(err) && err != io.EOF && err != io.ErrUnexpectedEOF {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if d.CRLF() != nil {
			return
		}
		// What we parsed must re-encode to something that parses to the
		// same encoding (a fixed point after one round).
		enc := encodeString(func(e *Encoder) { WriteSearchKeys(e, &cmd.Criteria) })
		d2 := NewDecoder(bufio.NewReader(strings.NewReader(enc+"\r\n")), Limits{MaxCommand: 1 << 20, MaxLiteral: 1 << 20, MaxDepth: 64})
		var c2 imap.SearchCriteria
		if err := ReadSearchKeys(d2, &c2); err != nil {
			t.Fatalf("re-encoded %q does not parse: %v", enc, err)
		}
		if enc2 := encodeString(func(e *Encoder) { WriteSearchKeys(e, &c2) }); enc2 != enc {
			t.Fatalf("not a fixed point:\n%q\n%q", enc, enc2)
		}
	})
}
