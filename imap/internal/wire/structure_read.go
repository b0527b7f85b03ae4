package wire

import (
	"strings"

	"github.com/mailwire/mailwire/imap"
)

// ReadEnvelope reads an ENVELOPE (client side).
func ReadEnvelope(d *Decoder) (*imap.Envelope, error) {
	env := new(imap.Envelope)
	if err := d.Expect('('); err != nil {
		return nil, err
	}
	if err := d.Enter(); err != nil {
		return nil, err
	}
	defer d.Leave()
	var err error
	str := func(dst *string, flag imap.EnvelopeFields) {
		if err == nil {
			var ok bool
			*dst, ok, err = d.NString()
			if ok && *dst == "" {
				env.Empty |= flag
			}
		}
	}
	sp := func() {
		if err == nil {
			err = d.SP()
		}
	}
	addrs := func(dst *[]imap.Address) {
		if err == nil {
			*dst, err = readAddressList(d)
		}
	}
	str(&env.Date, imap.EnvelopeDate)
	sp()
	str(&env.Subject, imap.EnvelopeSubject)
	sp()
	addrs(&env.From)
	sp()
	addrs(&env.Sender)
	sp()
	addrs(&env.ReplyTo)
	sp()
	addrs(&env.To)
	sp()
	addrs(&env.Cc)
	sp()
	addrs(&env.Bcc)
	sp()
	str(&env.InReplyTo, imap.EnvelopeInReplyTo)
	sp()
	str(&env.MessageID, imap.EnvelopeMessageID)
	if err != nil {
		return nil, err
	}
	return env, d.Expect(')')
}

func readAddressList(d *Decoder) ([]imap.Address, error) {
	if !d.PeekIs('(') {
		return nil, d.ExpectAtom("NIL")
	}
	var list []imap.Address
	err := d.listNoSP(func() error {
		var a imap.Address
		err := d.List(func() error {
			// four nstrings: name, adl, mailbox, host
			var f [4]string
			for i := range f {
				if i > 0 {
					if err := d.SP(); err != nil {
						return err
					}
				}
				s, _, err := d.NString()
				if err != nil {
					return err
				}
				f[i] = s
			}
			a = imap.Address{Name: f[0], Mailbox: f[2], Host: f[3]}
			if !d.PeekIs(')') {
				return syntaxErr("bad address")
			}
			return nil
		})
		list = append(list, a)
		return err
	})
	return list, err
}

// listNoSP reads "(" 1*item ")" where items are not separated (address
// lists, multipart bodies). Spaces between items are tolerated.
func (d *Decoder) listNoSP(item func() error) error {
	if err := d.Expect('('); err != nil {
		return err
	}
	if err := d.Enter(); err != nil {
		return err
	}
	defer d.Leave()
	for {
		if err := item(); err != nil {
			return err
		}
		d.Accept(' ')
		if d.Accept(')') {
			return nil
		}
	}
}

// ReadBodyStructure reads a BODY or BODYSTRUCTURE value (client side).
// Extension data is read when present; unknown trailing extensions are
// skipped.
func ReadBodyStructure(d *Decoder) (*imap.BodyStructure, error) {
	if err := d.Expect('('); err != nil {
		return nil, err
	}
	if err := d.Enter(); err != nil {
		return nil, err
	}
	defer d.Leave()
	b := new(imap.BodyStructure)
	if d.PeekIs('(') {
		b.Type = "multipart"
		for d.PeekIs('(') {
			c, err := ReadBodyStructure(d)
			if err != nil {
				return nil, err
			}
			b.Children = append(b.Children, c)
			d.Accept(' ')
		}
		sub, err := d.String()
		if err != nil {
			return nil, err
		}
		b.Subtype = strings.ToLower(sub)
		if d.Accept(' ') {
			if b.Params, err = readParams(d); err != nil {
				return nil, err
			}
			if err := readExtTail(d, b); err != nil {
				return nil, err
			}
		}
		return b, d.Expect(')')
	}
	typ, err := d.String()
	if err != nil {
		return nil, err
	}
	if err := d.SP(); err != nil {
		return nil, err
	}
	sub, err := d.String()
	if err != nil {
		return nil, err
	}
	b.Type, b.Subtype = strings.ToLower(typ), strings.ToLower(sub)
	if err := d.SP(); err != nil {
		return nil, err
	}
	if b.Params, err = readParams(d); err != nil {
		return nil, err
	}
	var enc string
	for _, dst := range []*string{&b.ID, &b.Description, &enc} {
		if err := d.SP(); err != nil {
			return nil, err
		}
		if *dst, _, err = d.NString(); err != nil {
			return nil, err
		}
	}
	b.Encoding = strings.ToUpper(enc)
	if err := d.SP(); err != nil {
		return nil, err
	}
	n, err := d.Number64()
	if err != nil {
		return nil, err
	}
	b.Size = int64(n)
	if b.IsMessage() && d.PeekIs(' ') {
		d.SP()
		if b.Envelope, err = ReadEnvelope(d); err != nil {
			return nil, err
		}
		if err := d.SP(); err != nil {
			return nil, err
		}
		if b.Message, err = ReadBodyStructure(d); err != nil {
			return nil, err
		}
		if err := d.SP(); err != nil {
			return nil, err
		}
		n, err := d.Number64()
		if err != nil {
			return nil, err
		}
		b.Lines = int64(n)
	} else if b.IsText() {
		if err := d.SP(); err != nil {
			return nil, err
		}
		n, err := d.Number64()
		if err != nil {
			return nil, err
		}
		b.Lines = int64(n)
	}
	if d.Accept(' ') {
		if b.MD5, _, err = d.NString(); err != nil {
			return nil, err
		}
		if err := readExtTail(d, b); err != nil {
			return nil, err
		}
	}
	return b, d.Expect(')')
}

// readExtTail reads [SP dsp [SP lang [SP loc *(SP extension)]]].
func readExtTail(d *Decoder, b *imap.BodyStructure) error {
	if !d.Accept(' ') {
		return nil
	}
	if d.PeekIs('(') {
		err := d.List(func() error {
			if b.Disposition != "" || b.DispositionParams != nil {
				return syntaxErr("bad disposition")
			}
			v, err := d.String()
			if err != nil {
				return err
			}
			b.Disposition = v
			if err := d.SP(); err != nil {
				return err
			}
			b.DispositionParams, err = readParams(d)
			if b.DispositionParams == nil {
				b.DispositionParams = []imap.Param{}
			}
			return err
		})
		if err != nil {
			return err
		}
		if len(b.DispositionParams) == 0 {
			b.DispositionParams = nil
		}
	} else if err := d.ExpectAtom("NIL"); err != nil {
		return err
	}
	if !d.Accept(' ') {
		return nil
	}
	if d.PeekIs('(') {
		err := d.List(func() error {
			s, err := d.String()
			b.Language = append(b.Language, s)
			return err
		})
		if err != nil {
			return err
		}
	} else {
		s, ok, err := d.NString()
		if err != nil {
			return err
		}
		if ok {
			b.Language = []string{s}
		}
	}
	if !d.Accept(' ') {
		return nil
	}
	var err error
	if b.Location, _, err = d.NString(); err != nil {
		return err
	}
	for d.Accept(' ') {
		if err := SkipValue(d); err != nil {
			return err
		}
	}
	return nil
}

func readParams(d *Decoder) ([]imap.Param, error) {
	if !d.PeekIs('(') {
		return nil, d.ExpectAtom("NIL")
	}
	var params []imap.Param
	err := d.List(func() error {
		k, err := d.String()
		if err != nil {
			return err
		}
		if err := d.SP(); err != nil {
			return err
		}
		v, err := d.String()
		if err != nil {
			return err
		}
		params = append(params, imap.Param{Name: strings.ToLower(k), Value: v})
		return nil
	})
	return params, err
}

// SkipValue skips one value of any kind: atom, number, string, NIL or a
// parenthesised list (bounded by MaxDepth). Literals are discarded
// without buffering.
func SkipValue(d *Decoder) error {
	c, err := d.Peek()
	if err != nil {
		return err
	}
	switch c {
	case '(':
		return d.List(func() error { return SkipValue(d) })
	case '"':
		_, err := d.quotedBytes()
		return err
	case '{', '~':
		l, err := d.BeginLiteral()
		if err != nil {
			return err
		}
		_, err = d.LiteralBody(l) // drained before the next token
		return err
	}
	_, err = d.readWhile1(func(c byte) bool {
		return c == '[' || c == ']' || IsAStringChar(c) || c == '\\' || c == '%' || c == '*'
	}, "value")
	return err
}
