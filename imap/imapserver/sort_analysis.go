package imapserver

import (
	"bytes"
	"encoding/binary"
	"io"
	"sync"

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

// sortRecord is a decoded sort record: its bytes and where each value
// lies in them.
type sortRecord struct {
	raw  []byte    // points into the blob
	span [5][2]int // Date, Subject, Message-ID, In-Reply-To, References
}

func (r *sortRecord) field(i int) []byte { return r.raw[r.span[i][0]:r.span[i][1]] }

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
	r.raw = blob[len(blob)-footer-int(n) : len(blob)-footer]
	d := decoder{b: r.raw}
	for i := range r.span {
		v := d.bytes()
		if d.err {
			return sortRecord{}, false
		}
		start := len(r.raw) - len(d.b) - len(v)
		r.span[i] = [2]int{start, start + len(v)}
	}
	if len(d.b) != 0 {
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

var capturePool = sync.Pool{New: func() any { return &headerCapture{buf: make([]byte, 0, 4096)} }}

// analyzeWithSortRecord is Analyze: the structure blob followed by the
// sort record of the message's header.
func analyzeWithSortRecord(r io.Reader) ([]byte, error) {
	h := capturePool.Get().(*headerCapture)
	*h = headerCapture{r: r, buf: h.buf[:0]}
	defer func() {
		if cap(h.buf) > 64<<10 {
			h.buf = nil // do not pin a huge header
		}
		h.r = nil
		capturePool.Put(h)
	}()
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
	// One string for all five values; the sort cache copies the Message
	// IDs it keeps (sortBox.intern), so the string is not pinned.
	all := string(r.raw)
	at := func(i int) string { return all[r.span[i][0]:r.span[i][1]] }
	sm.Date, sm.Subject, sm.MessageID, sm.InReplyTo, sm.References = at(0), at(1), at(2), at(3), at(4)
	return true
}
