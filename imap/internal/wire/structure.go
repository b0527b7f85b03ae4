package wire

import (
	"strings"

	"github.com/mailwire/mailwire/imap"
)

// WriteEnvelope writes an ENVELOPE (RFC 9051 §7.5.2): date, subject, from,
// sender, reply-to, to, cc, bcc, in-reply-to, message-id. Per RFC 9051
// §7.5.2 an absent Sender or Reply-To defaults to From; the message parser
// already fills them, the writer sends what it is given.
func WriteEnvelope(e *Encoder, env *imap.Envelope) {
	if env == nil {
		e.NIL()
		return
	}
	e.BeginList()
	envString(e, env.Date, env.Empty&imap.EnvelopeDate != 0)
	e.SP()
	envString(e, env.Subject, env.Empty&imap.EnvelopeSubject != 0)
	e.SP()
	writeAddressList(e, env.From)
	e.SP()
	writeAddressList(e, env.Sender)
	e.SP()
	writeAddressList(e, env.ReplyTo)
	e.SP()
	writeAddressList(e, env.To)
	e.SP()
	writeAddressList(e, env.Cc)
	e.SP()
	writeAddressList(e, env.Bcc)
	e.SP()
	envString(e, env.InReplyTo, env.Empty&imap.EnvelopeInReplyTo != 0)
	e.SP()
	envString(e, env.MessageID, env.Empty&imap.EnvelopeMessageID != 0)
	e.EndList()
}

// envString writes an envelope nstring: NIL for an absent header, ""
// for a present but empty one (RFC 9051 §7.5.2).
func envString(e *Encoder, s string, empty bool) {
	if s == "" && empty {
		e.Raw(`""`)
		return
	}
	e.NString(s)
}

func writeAddressList(e *Encoder, addrs []imap.Address) {
	if len(addrs) == 0 {
		e.NIL()
		return
	}
	e.BeginList()
	for _, a := range addrs {
		// address = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")"
		e.BeginList()
		e.NString(a.Name).Raw(" NIL ")
		e.NString(a.Mailbox).SP()
		e.NString(a.Host)
		e.EndList()
	}
	e.EndList()
}

// WriteBodyStructure writes BODY (extended false) or BODYSTRUCTURE
// (extended true, with extension data) per RFC 9051 §7.5.2 and §9 body.
// Media types, subtypes, parameter names and the transfer encoding are
// written in upper case, as is customary.
func WriteBodyStructure(e *Encoder, b *imap.BodyStructure, extended bool) {
	e.BeginList()
	if b.IsMultipart() && len(b.Children) > 0 {
		for _, c := range b.Children {
			WriteBodyStructure(e, c, extended)
		}
		e.SP()
		e.upperString(b.Subtype)
		if extended {
			e.SP()
			writeParams(e, b.Params, true)
			e.SP()
			writeExtTail(e, b)
		}
		e.EndList()
		return
	}
	typ, sub := b.Type, b.Subtype
	if b.IsMultipart() { // multipart without parts: describe as a leaf
		typ, sub = "text", "plain"
	}
	e.upperString(typ).SP().upperString(sub).SP()
	writeParams(e, b.Params, true)
	e.SP().NString(b.ID)
	e.SP().NString(b.Description)
	e.SP()
	if b.Encoding == "" {
		e.Raw(`"7BIT"`)
	} else {
		e.upperString(b.Encoding)
	}
	e.SP().Int64(b.Size)
	if b.IsMessage() && b.Message != nil {
		e.SP()
		WriteEnvelope(e, b.Envelope)
		e.SP()
		WriteBodyStructure(e, b.Message, extended)
		e.SP().Int64(b.Lines)
	} else if b.IsText() {
		e.SP().Int64(b.Lines)
	}
	if extended {
		e.SP().NString(b.MD5).SP()
		writeExtTail(e, b)
	}
	e.EndList()
}

// writeExtTail writes body-fld-dsp SP body-fld-lang SP body-fld-loc.
func writeExtTail(e *Encoder, b *imap.BodyStructure) {
	if b.Disposition == "" {
		e.NIL()
	} else {
		e.BeginList().String(b.Disposition).SP()
		writeParams(e, b.DispositionParams, false)
		e.EndList()
	}
	e.SP()
	switch len(b.Language) {
	case 0:
		e.NIL()
	case 1:
		e.String(b.Language[0])
	default:
		e.BeginList()
		for i, l := range b.Language {
			if i > 0 {
				e.SP()
			}
			e.String(l)
		}
		e.EndList()
	}
	e.SP().NString(b.Location)
}

func writeParams(e *Encoder, params []imap.Param, upperNames bool) {
	if len(params) == 0 {
		e.NIL()
		return
	}
	e.BeginList()
	for i, p := range params {
		if i > 0 {
			e.SP()
		}
		if !e.UTF8 && !isASCII(p.Value) {
			// An IMAP4rev1 client gets 8-bit values in RFC 2231 form
			// (name*=utf-8''%XX), which MIME-aware clients decode.
			e.w.WriteByte('"')
			e.upperOrNot(p.Name, upperNames)
			e.w.WriteString(`*" "utf-8''`)
			writePercent(e, p.Value)
			e.w.WriteByte('"')
			continue
		}
		if upperNames {
			e.upperString(p.Name)
		} else {
			e.String(p.Name)
		}
		e.SP().String(p.Value)
	}
	e.EndList()
}

func (e *Encoder) upperOrNot(s string, upper bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if upper && 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c == '"' || c == '\\' || c < 0x20 || c >= 0x7f {
			c = '_'
		}
		e.w.WriteByte(c)
	}
}

// writePercent writes v with every octet outside RFC 2231 attribute-char
// percent-encoded.
func writePercent(e *Encoder, v string) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c > 0x20 && c < 0x7f && !strings.ContainsRune(`*'%()<>@,;:\"/[]?=`, rune(c)) {
			e.w.WriteByte(c)
			continue
		}
		e.w.WriteByte('%')
		e.w.WriteByte(hex[c>>4])
		e.w.WriteByte(hex[c&15])
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// upperString writes s upper-cased as a quoted string (or as a literal if
// it cannot be quoted, unchanged).
func (e *Encoder) upperString(s string) *Encoder {
	if e.stringKind(s) == 2 {
		return e.Literal(s)
	}
	w := e.w
	w.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c == '"' || c == '\\' {
			w.WriteByte('\\')
		}
		w.WriteByte(c)
	}
	w.WriteByte('"')
	return e
}
