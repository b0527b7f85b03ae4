package imapserver

import (
	"bytes"
	"encoding/binary"
	"io"

	"github.com/mailwire/mailwire/imap"
)

// The sort record: what SORT and THREAD REFERENCES (RFC 5256 §2.1) need
// of a message's header and the cached ENVELOPE lacks, stored at the end
// of the analysis blob (see Analyze) so that the first THREAD of a
// mailbox opens no message file. Layout, after the part tree:
//
//	record  = field{5}            ; Date, Subject, Message-ID,
//	                              ; In-Reply-To, References
//	field   = uvarint(len) bytes  ; unfolded value, "" when absent
//	footer  = uint32le(len(record)) "MWh1"
//
// The values are exactly what fillSortFields reads from the header block
// that readSortHeader returns (the first occurrence of each field,
// unfolded), so a THREAD answers the same whether a message's keys come
// from its record or from its file. Blobs written before the record
// existed end with the part tree, whose last byte is always 0 (a leaf's
// child count), so they never end with the footer's magic: they keep
// the fallback of reading the header from the file.
const sortRecordMagic = "MWh1"

// sortRecordFields is what a sort record holds.
const sortRecordFields = sfDate | sfSubject | sfMessageID | sfInReplyTo | sfReferences

// appendSortRecord appends the sort record and footer of a message whose
// header block (as readSortHeader returns it) is hdr.
func appendSortRecord(b []byte, hdr []byte) []byte {
	var sm imap.SortMessage
	fillSortFields(&sm, hdr, sortRecordFields)
	start := len(b)
	for _, v := range [...]string{sm.Date, sm.Subject, sm.MessageID, sm.InReplyTo, sm.References} {
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(b)-start))
	return append(b, sortRecordMagic...)
}

// sortRecord is a decoded sort record; the values point into the blob.
type sortRecord struct {
	date, subject, messageID, inReplyTo, references []byte
}

// decodeSortRecord finds the sort record at the end of blob. ok is false
// for blobs without one (older blobs) and for damaged ones.
func decodeSortRecord(blob []byte) (r sortRecord, ok bool) {
	const footer = 4 + len(sortRecordMagic)
	if len(blob) < len(structureMagic)+footer || string(blob[len(blob)-len(sortRecordMagic):]) != sortRecordMagic {
		return r, false
	}
	n := binary.LittleEndian.Uint32(blob[len(blob)-footer:])
	if uint64(n) > uint64(len(blob)-footer-len(structureMagic)) {
		return r, false
	}
	d := decoder{b: blob[len(blob)-footer-int(n) : len(blob)-footer]}
	r.date = d.bytes()
	r.subject = d.bytes()
	r.messageID = d.bytes()
	r.inReplyTo = d.bytes()
	r.references = d.bytes()
	if d.err || len(d.b) != 0 {
		return sortRecord{}, false
	}
	return r, true
}

// sortHeaderSteps are the header prefix sizes readSortHeader tries, in
// order; headerCapture decides at the same sizes so that both find the
// same header block (headerEnd prefers "\r\n\r\n" to an earlier "\n\n",
// so the answer depends on the prefix searched).
var sortHeaderSteps = [...]int{16 << 10, 64 << 10, maxSortHeader}

// headerCapture passes a message through to the structure parser and
// keeps a copy of its start, until the header block as readSortHeader
// would read it is known.
type headerCapture struct {
	r    io.Reader
	buf  []byte
	step int
	done bool
	end  int // header block length once done
}

func (h *headerCapture) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if !h.done && n > 0 {
		h.take(p[:n])
	}
	return n, err
}

// take adds message bytes and decides when a step's prefix is complete
// or the block ends in CRLF CRLF (the first occurrence wins at any step).
func (h *headerCapture) take(p []byte) {
	for len(p) > 0 && !h.done {
		limit := sortHeaderSteps[h.step]
		k := min(len(p), limit-len(h.buf))
		from := max(0, len(h.buf)-3)
		h.buf = append(h.buf, p[:k]...)
		p = p[k:]
		if i := bytes.Index(h.buf[from:], []byte("\r\n\r\n")); i >= 0 {
			h.done, h.end = true, from+i+4
			return
		}
		if len(h.buf) == limit {
			if end := headerEnd(h.buf); end < len(h.buf) || h.step == len(sortHeaderSteps)-1 {
				h.done, h.end = true, end
				return
			}
			h.step++
		}
	}
}

// header returns the header block once the message has been read to its
// end (a message shorter than a step is searched whole).
func (h *headerCapture) header() []byte {
	if !h.done {
		h.done, h.end = true, headerEnd(h.buf)
	}
	return h.buf[:h.end]
}

// analyzeWithSortRecord is Analyze: the structure blob followed by the
// sort record of the message's header.
func analyzeWithSortRecord(r io.Reader) ([]byte, error) {
	h := &headerCapture{r: r, buf: make([]byte, 0, 4096)}
	ms, err := buildStructure(h)
	if err != nil {
		return nil, err
	}
	// The structure parser may stop before the end of a message whose
	// header block is still open (no body): read on to decide.
	if !h.done {
		var tmp [4096]byte
		for !h.done {
			n, err := h.Read(tmp[:])
			if n == 0 || err != nil {
				break
			}
		}
	}
	return appendSortRecord(ms.encode(), h.header()), nil
}

// fillFromSortRecord sets the fields of a sort record in sm as
// fillSortFields would from the header; false if blob has no record.
func fillFromSortRecord(sm *imap.SortMessage, blob []byte) bool {
	r, ok := decodeSortRecord(blob)
	if !ok {
		return false
	}
	sm.Date, sm.Subject = string(r.date), string(r.subject)
	sm.MessageID, sm.InReplyTo, sm.References = string(r.messageID), string(r.inReplyTo), string(r.references)
	return true
}
