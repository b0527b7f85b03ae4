package imapserver

import (
	"strconv"
	"strings"

	"github.com/mailwire/mailwire/imap"
)

// Wire encoding of ENVELOPE and BODYSTRUCTURE (RFC 9051 §7.5.2, §9).

func appendNStr(b []byte, s string) []byte {
	if s == "" {
		return append(b, "NIL"...)
	}
	return appendString(b, s)
}

func appendEnvelope(b []byte, e *imap.Envelope) []byte {
	if e == nil {
		e = &imap.Envelope{}
	}
	b = append(b, '(')
	b = appendNStr(b, e.Date)
	b = append(b, ' ')
	b = appendNStr(b, e.Subject)
	for _, list := range [][]imap.Address{e.From, e.Sender, e.ReplyTo, e.To, e.Cc, e.Bcc} {
		b = append(b, ' ')
		b = appendAddresses(b, list)
	}
	b = append(b, ' ')
	b = appendNStr(b, e.InReplyTo)
	b = append(b, ' ')
	b = appendNStr(b, e.MessageID)
	return append(b, ')')
}

func appendAddresses(b []byte, list []imap.Address) []byte {
	if len(list) == 0 {
		return append(b, "NIL"...)
	}
	b = append(b, '(')
	for _, a := range list {
		b = append(b, '(')
		b = appendNStr(b, a.Name)
		b = append(b, " NIL "...)
		b = appendNStr(b, a.Mailbox)
		b = append(b, ' ')
		b = appendNStr(b, a.Host)
		b = append(b, ')')
	}
	return append(b, ')')
}

func appendParams(b []byte, ps []imap.Param) []byte {
	if len(ps) == 0 {
		return append(b, "NIL"...)
	}
	b = append(b, '(')
	for i, p := range ps {
		if i > 0 {
			b = append(b, ' ')
		}
		b = appendString(b, strings.ToUpper(p.Name))
		b = append(b, ' ')
		b = appendString(b, p.Value)
	}
	return append(b, ')')
}

// appendBodyStructure encodes BODYSTRUCTURE (ext true) or BODY.
func appendBodyStructure(b []byte, bs *imap.BodyStructure, ext bool) []byte {
	b = append(b, '(')
	if bs.IsMultipart() {
		for _, ch := range bs.Children {
			b = appendBodyStructure(b, ch, ext)
		}
		b = append(b, ' ')
		b = appendString(b, strings.ToUpper(bs.Subtype))
		if ext {
			b = append(b, ' ')
			b = appendParams(b, bs.Params)
			b = appendExt(b, bs)
		}
		return append(b, ')')
	}
	b = appendString(b, strings.ToUpper(bs.Type))
	b = append(b, ' ')
	b = appendString(b, strings.ToUpper(bs.Subtype))
	b = append(b, ' ')
	b = appendParams(b, bs.Params)
	b = append(b, ' ')
	b = appendNStr(b, bs.ID)
	b = append(b, ' ')
	b = appendNStr(b, bs.Description)
	b = append(b, ' ')
	b = appendString(b, bs.Encoding)
	b = append(b, ' ')
	b = strconv.AppendInt(b, bs.Size, 10)
	switch {
	case bs.IsMessage() && bs.Message != nil:
		b = append(b, ' ')
		b = appendEnvelope(b, bs.Envelope)
		b = append(b, ' ')
		b = appendBodyStructure(b, bs.Message, ext)
		b = append(b, ' ')
		b = strconv.AppendInt(b, bs.Lines, 10)
	case bs.IsText():
		b = append(b, ' ')
		b = strconv.AppendInt(b, bs.Lines, 10)
	}
	if ext {
		b = append(b, ' ')
		b = appendNStr(b, bs.MD5)
		b = appendExt(b, bs)
	}
	return append(b, ')')
}

// appendExt writes body-fld-dsp, body-fld-lang and body-fld-loc.
func appendExt(b []byte, bs *imap.BodyStructure) []byte {
	b = append(b, ' ')
	if bs.Disposition == "" {
		b = append(b, "NIL"...)
	} else {
		b = append(b, '(')
		b = appendString(b, strings.ToUpper(bs.Disposition))
		b = append(b, ' ')
		b = appendParams(b, bs.DispositionParams)
		b = append(b, ')')
	}
	b = append(b, ' ')
	switch len(bs.Language) {
	case 0:
		b = append(b, "NIL"...)
	case 1:
		b = appendString(b, bs.Language[0])
	default:
		b = append(b, '(')
		for i, l := range bs.Language {
			if i > 0 {
				b = append(b, ' ')
			}
			b = appendString(b, l)
		}
		b = append(b, ')')
	}
	b = append(b, ' ')
	return appendNStr(b, bs.Location)
}
