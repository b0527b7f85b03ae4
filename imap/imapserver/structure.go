package imapserver

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"

	"github.com/mailwire/mailwire/imap"
	"github.com/mailwire/mailwire/imap/internal/wire"
)

// msgStructure is what FETCH needs of a message's MIME structure: the
// pre-encoded ENVELOPE, BODYSTRUCTURE and BODY values and the part tree
// with byte offsets for BODY[section].
type msgStructure struct {
	envelope, bodyStructure, body []byte
	root                          *partNode
	rest                          []byte // encoded part tree, decoded on demand
}

// tree returns the part tree, decoding it on first use: FETCH ENVELOPE or
// BODYSTRUCTURE never needs it.
func (ms *msgStructure) tree() *partNode {
	if ms.root == nil {
		d := decoder{b: ms.rest}
		ms.root = d.part(0)
		if d.err {
			ms.root = &partNode{}
		}
	}
	return ms.root
}

// partNode locates one entity in the message.
type partNode struct {
	multipart, message bool
	hdrOff, hdrSize    int64
	size               int64
	encoding           string
	children           []*partNode
	msg                *partNode // message/rfc822: the encapsulated message
}

func (n *partNode) bodyOff() int64 { return n.hdrOff + n.hdrSize }

func partTree(bs *imap.BodyStructure) *partNode {
	n := &partNode{
		multipart: bs.IsMultipart(),
		message:   bs.IsMessage() && bs.Message != nil,
		hdrOff:    bs.HeaderOffset,
		hdrSize:   bs.HeaderSize,
		size:      bs.Size,
		encoding:  bs.Encoding,
	}
	for _, ch := range bs.Children {
		n.children = append(n.children, partTree(ch))
	}
	if n.message {
		n.msg = partTree(bs.Message)
	}
	return n
}

// buildStructure parses a message and encodes its structure.
func buildStructure(r io.Reader) (*msgStructure, error) {
	st, err := imap.ParseStructure(r, nil)
	if err != nil {
		return nil, err
	}
	bs, env := st.Body, st.Envelope
	ms := &msgStructure{root: partTree(bs)}
	// The shared wire encoder writes ENVELOPE and BODYSTRUCTURE exactly as
	// the golden tests of package imap expect them.
	var buf bytes.Buffer
	w := bufio.NewWriterSize(&buf, 4096)
	e := wire.NewEncoder(w)
	wire.WriteEnvelope(e, env)
	w.Flush()
	n1 := buf.Len()
	wire.WriteBodyStructure(e, bs, true)
	w.Flush()
	n2 := buf.Len()
	wire.WriteBodyStructure(e, bs, false)
	w.Flush()
	all := buf.Bytes()
	ms.envelope, ms.bodyStructure, ms.body = all[:n1], all[n1:n2], all[n2:]
	return ms, nil
}

// Analyze computes the cached structure of a message for a store's
// analyzer hook (for example mailbox.Options.Analyze). A backend returns
// the blob from Message.Structure so that FETCH ENVELOPE and BODYSTRUCTURE
// never re-parse the message, and SORT and THREAD never open it.
//
// The blob is "MWs1", then ENVELOPE, BODYSTRUCTURE and BODY as uvarint
// length + bytes, then the part tree (encodePart), then the sort record
// with its footer (sort_analysis.go; blobs of older versions lack it).
func Analyze(r io.Reader) ([]byte, error) {
	return analyzeWithSortRecord(r)
}

const structureMagic = "MWs1"

func (ms *msgStructure) encode() []byte {
	b := []byte(structureMagic)
	b = binary.AppendUvarint(b, uint64(len(ms.envelope)))
	b = append(b, ms.envelope...)
	b = binary.AppendUvarint(b, uint64(len(ms.bodyStructure)))
	b = append(b, ms.bodyStructure...)
	b = binary.AppendUvarint(b, uint64(len(ms.body)))
	b = append(b, ms.body...)
	return encodePart(b, ms.root)
}

func encodePart(b []byte, n *partNode) []byte {
	var fl byte
	if n.multipart {
		fl |= 1
	}
	if n.message {
		fl |= 2
	}
	b = append(b, fl)
	b = binary.AppendUvarint(b, uint64(n.hdrOff))
	b = binary.AppendUvarint(b, uint64(n.hdrSize))
	b = binary.AppendUvarint(b, uint64(n.size))
	b = binary.AppendUvarint(b, uint64(len(n.encoding)))
	b = append(b, n.encoding...)
	b = binary.AppendUvarint(b, uint64(len(n.children)))
	for _, ch := range n.children {
		b = encodePart(b, ch)
	}
	if n.message {
		b = encodePart(b, n.msg)
	}
	return b
}

var errBadStructure = errors.New("imapserver: invalid cached structure")

// decodeStructure decodes a blob made by Analyze. The byte slices point
// into blob.
func decodeStructure(blob []byte) (*msgStructure, error) {
	if !bytes.HasPrefix(blob, []byte(structureMagic)) {
		return nil, errBadStructure
	}
	d := decoder{b: blob[len(structureMagic):]}
	ms := &msgStructure{}
	ms.envelope = d.bytes()
	ms.bodyStructure = d.bytes()
	ms.body = d.bytes()
	ms.rest = d.b
	if d.err {
		return nil, errBadStructure
	}
	return ms, nil
}

type decoder struct {
	b   []byte
	err bool
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = true
		d.b = nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.err = true
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) part(depth int) *partNode {
	if len(d.b) == 0 || depth > imap.DefaultMaxMIMEDepth+2 {
		d.err = true
		return &partNode{}
	}
	fl := d.b[0]
	d.b = d.b[1:]
	n := &partNode{multipart: fl&1 != 0, message: fl&2 != 0}
	n.hdrOff = int64(d.uvarint())
	n.hdrSize = int64(d.uvarint())
	n.size = int64(d.uvarint())
	n.encoding = string(d.bytes())
	nc := d.uvarint()
	if nc > uint64(len(d.b)) {
		d.err = true
		return n
	}
	for i := uint64(0); i < nc && !d.err; i++ {
		n.children = append(n.children, d.part(depth+1))
	}
	if n.message && !d.err {
		n.msg = d.part(depth + 1)
	}
	return n
}

// structureOf returns the message's structure from the backend's cache,
// or parses the message.
func (c *conn) structureOf(m Message, open func() (MessageReader, error)) (*msgStructure, error) {
	if blob := m.Structure(); blob != nil {
		if ms, err := decodeStructure(blob); err == nil {
			return ms, nil
		}
	}
	r, err := open()
	if err != nil {
		return nil, err
	}
	return buildStructure(io.NewSectionReader(r, 0, m.Size()))
}

// findPart navigates a part path (RFC 9051 §6.4.5): a non-multipart
// entity has one part, itself; a message/rfc822 part is entered when the
// path goes deeper.
func (root *partNode) find(path []int) *partNode {
	cur := root
	for k, n := range path {
		if k > 0 && cur.message && cur.msg != nil {
			cur = cur.msg
		}
		if cur.multipart {
			if n < 1 || n > len(cur.children) {
				return nil
			}
			cur = cur.children[n-1]
		} else if n != 1 {
			return nil
		}
	}
	return cur
}

// sectionRange returns the byte range of BODY[part.spec].
func sectionRange(ms *msgStructure, size int64, part []int, spec string) (off, n int64, ok bool) {
	if len(part) == 0 {
		switch spec {
		case "":
			return 0, size, true
		case "HEADER":
			if ms == nil {
				return 0, 0, false
			}
			return 0, min(ms.tree().hdrSize, size), true
		case "TEXT":
			if ms == nil {
				return 0, 0, false
			}
			return ms.tree().bodyOff(), max(0, size-ms.tree().bodyOff()), true
		}
		return 0, 0, false
	}
	if ms == nil {
		return 0, 0, false
	}
	p := ms.tree().find(part)
	if p == nil {
		return 0, 0, false
	}
	switch spec {
	case "":
		if p == ms.tree() && !p.multipart {
			return p.bodyOff(), max(0, size-p.bodyOff()), true
		}
		return p.bodyOff(), p.size, true
	case "MIME":
		return p.hdrOff, p.hdrSize, true
	case "HEADER", "TEXT":
		// Of an encapsulated message (or the message itself for the
		// top level single part).
		m := p
		if p.message && p.msg != nil {
			m = p.msg
		} else if p != ms.tree() {
			return 0, 0, false
		}
		if spec == "HEADER" {
			return m.hdrOff, m.hdrSize, true
		}
		return m.bodyOff(), m.size, true
	}
	return 0, 0, false
}

// filterHeader keeps (or drops) the named fields of a header block and
// ends with the blank line (RFC 9051 §6.4.5 HEADER.FIELDS).
func filterHeader(hdr []byte, names []string, keep bool) []byte {
	var out []byte
	for len(hdr) > 0 {
		end := 0
		for {
			nl := bytes.IndexByte(hdr[end:], '\n')
			if nl < 0 {
				end = len(hdr)
				break
			}
			end += nl + 1
			if end >= len(hdr) || (hdr[end] != ' ' && hdr[end] != '\t') {
				break
			}
		}
		field := hdr[:end]
		hdr = hdr[end:]
		colon := bytes.IndexByte(field, ':')
		if colon <= 0 {
			continue // the blank line, or junk
		}
		name := strings.TrimRight(string(field[:colon]), " \t")
		match := false
		for _, n := range names {
			if strings.EqualFold(n, name) {
				match = true
				break
			}
		}
		if match == keep {
			out = append(out, field...)
			if !bytes.HasSuffix(field, []byte("\n")) {
				out = append(out, "\r\n"...)
			}
		}
	}
	return append(out, "\r\n"...)
}
