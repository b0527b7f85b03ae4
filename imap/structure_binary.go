package imap

import (
	"encoding/binary"
	"errors"
)

// Binary form of a Structure, for caching per message (a store's Analyze
// hook). Layout: magic 'S', version 1, then uvarints and length-prefixed
// strings, depth first. Decoding validates every length, so a corrupt blob
// yields an error, never a panic.
const (
	structMagic   = 'S'
	structVersion = 1
	maxBlobDepth  = 128
)

// ErrBadStructure is returned by UnmarshalBinary for a corrupt blob.
var ErrBadStructure = errors.New("imap: corrupt structure encoding")

// MarshalBinary encodes s compactly.
func (s *Structure) MarshalBinary() ([]byte, error) {
	b := make([]byte, 0, 256)
	b = append(b, structMagic, structVersion)
	b = binary.AppendUvarint(b, uint64(s.Size))
	b = appendEnvelope(b, s.Envelope)
	b = appendBody(b, s.Body)
	return b, nil
}

// UnmarshalBinary decodes what MarshalBinary produced.
func (s *Structure) UnmarshalBinary(data []byte) error {
	if len(data) < 2 || data[0] != structMagic || data[1] != structVersion {
		return ErrBadStructure
	}
	r := blobReader{b: data[2:]}
	size := r.uvarint()
	env := r.envelope()
	body := r.body(0)
	if r.err != nil || len(r.b) != 0 || body == nil {
		return ErrBadStructure
	}
	s.Size, s.Envelope, s.Body = int64(size), env, body
	return nil
}

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendParams(b []byte, ps []Param) []byte {
	b = binary.AppendUvarint(b, uint64(len(ps)))
	for _, p := range ps {
		b = appendStr(b, p.Name)
		b = appendStr(b, p.Value)
	}
	return b
}

func appendAddrs(b []byte, as []Address) []byte {
	b = binary.AppendUvarint(b, uint64(len(as)))
	for _, a := range as {
		b = appendStr(b, a.Name)
		b = appendStr(b, a.Mailbox)
		b = appendStr(b, a.Host)
	}
	return b
}

func appendEnvelope(b []byte, e *Envelope) []byte {
	if e == nil {
		return append(b, 0)
	}
	if e.Empty != 0 {
		b = append(b, 2, byte(e.Empty))
	} else {
		b = append(b, 1)
	}
	for _, s := range [...]string{e.Date, e.Subject, e.InReplyTo, e.MessageID} {
		b = appendStr(b, s)
	}
	for _, l := range [...][]Address{e.From, e.Sender, e.ReplyTo, e.To, e.Cc, e.Bcc} {
		b = appendAddrs(b, l)
	}
	return b
}

func appendBody(b []byte, x *BodyStructure) []byte {
	if x == nil {
		return append(b, 0)
	}
	b = append(b, 1)
	for _, s := range [...]string{x.Type, x.Subtype, x.ID, x.Description, x.Encoding, x.MD5, x.Disposition, x.Location} {
		b = appendStr(b, s)
	}
	b = appendParams(b, x.Params)
	b = appendParams(b, x.DispositionParams)
	b = binary.AppendUvarint(b, uint64(len(x.Language)))
	for _, l := range x.Language {
		b = appendStr(b, l)
	}
	for _, n := range [...]int64{x.Size, x.Lines, x.HeaderOffset, x.HeaderSize} {
		b = binary.AppendUvarint(b, uint64(n))
	}
	b = appendEnvelope(b, x.Envelope)
	b = appendBody(b, x.Message)
	b = binary.AppendUvarint(b, uint64(len(x.Children)))
	for _, c := range x.Children {
		b = appendBody(b, c)
	}
	return b
}

type blobReader struct {
	b   []byte
	err error
}

func (r *blobReader) fail() { r.err = ErrBadStructure; r.b = nil }

func (r *blobReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *blobReader) int64() int64 {
	v := r.uvarint()
	if v > 1<<62 {
		r.fail()
		return 0
	}
	return int64(v)
}

// count reads a length that cannot exceed the bytes left (each element
// takes at least min bytes).
func (r *blobReader) count(min int) int {
	v := r.uvarint()
	if v > uint64(len(r.b)/min) {
		r.fail()
		return 0
	}
	return int(v)
}

func (r *blobReader) byte1() byte {
	if r.err != nil || len(r.b) == 0 {
		r.fail()
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *blobReader) str() string {
	n := r.count(1)
	if r.err != nil {
		return ""
	}
	b := r.b[:n]
	r.b = r.b[n:]
	return intern(b)
}

// intern returns common MIME strings without allocating.
func intern(b []byte) string {
	switch string(b) {
	case "":
		return ""
	case "text":
		return "text"
	case "plain":
		return "plain"
	case "html":
		return "html"
	case "multipart":
		return "multipart"
	case "mixed":
		return "mixed"
	case "alternative":
		return "alternative"
	case "related":
		return "related"
	case "message":
		return "message"
	case "rfc822":
		return "rfc822"
	case "application":
		return "application"
	case "octet-stream":
		return "octet-stream"
	case "image":
		return "image"
	case "7BIT":
		return "7BIT"
	case "8BIT":
		return "8BIT"
	case "BASE64":
		return "BASE64"
	case "QUOTED-PRINTABLE":
		return "QUOTED-PRINTABLE"
	case "charset":
		return "charset"
	case "us-ascii":
		return "us-ascii"
	case "utf-8":
		return "utf-8"
	case "UTF-8":
		return "UTF-8"
	case "boundary":
		return "boundary"
	case "attachment":
		return "attachment"
	case "inline":
		return "inline"
	case "filename":
		return "filename"
	case "name":
		return "name"
	case MissingDomain:
		return MissingDomain
	}
	return string(b)
}

func (r *blobReader) params() []Param {
	n := r.count(2)
	if n == 0 {
		return nil
	}
	ps := make([]Param, n)
	for i := range ps {
		ps[i] = Param{Name: r.str(), Value: r.str()}
	}
	return ps
}

func (r *blobReader) addrs() []Address {
	n := r.count(3)
	if n == 0 {
		return nil
	}
	as := make([]Address, n)
	for i := range as {
		as[i] = Address{Name: r.str(), Mailbox: r.str(), Host: r.str()}
	}
	return as
}

func (r *blobReader) envelope() *Envelope {
	var empty EnvelopeFields
	switch r.byte1() {
	case 0:
		return nil
	case 1:
	case 2:
		empty = EnvelopeFields(r.byte1())
	default:
		r.fail()
		return nil
	}
	e := &Envelope{Date: r.str(), Subject: r.str(), InReplyTo: r.str(), MessageID: r.str(), Empty: empty}
	e.From = r.addrs()
	e.Sender = r.addrs()
	e.ReplyTo = r.addrs()
	e.To = r.addrs()
	e.Cc = r.addrs()
	e.Bcc = r.addrs()
	return e
}

func (r *blobReader) body(depth int) *BodyStructure {
	if depth > maxBlobDepth {
		r.fail()
		return nil
	}
	switch r.byte1() {
	case 0:
		return nil
	case 1:
	default:
		r.fail()
		return nil
	}
	x := &BodyStructure{}
	x.Type, x.Subtype, x.ID, x.Description = r.str(), r.str(), r.str(), r.str()
	x.Encoding, x.MD5, x.Disposition, x.Location = r.str(), r.str(), r.str(), r.str()
	x.Params = r.params()
	x.DispositionParams = r.params()
	if n := r.count(1); n > 0 {
		x.Language = make([]string, n)
		for i := range x.Language {
			x.Language[i] = r.str()
		}
	}
	x.Size, x.Lines, x.HeaderOffset, x.HeaderSize = r.int64(), r.int64(), r.int64(), r.int64()
	x.Envelope = r.envelope()
	x.Message = r.body(depth + 1)
	if n := r.count(1); n > 0 {
		x.Children = make([]*BodyStructure, n)
		for i := range x.Children {
			if x.Children[i] = r.body(depth + 1); x.Children[i] == nil {
				r.fail()
			}
		}
	}
	if r.err != nil {
		return nil
	}
	return x
}
