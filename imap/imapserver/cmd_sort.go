package imapserver

import (
	"bufio"
	"bytes"
	"io"
	"strings"

	"github.com/mailwire/mailwire/imap"
	"github.com/mailwire/mailwire/imap/internal/wire"
)

// SORT and THREAD (RFC 5256) and ESORT (RFC 5267 §3). The orderings are
// computed by package imap (imap.SortOrder, imap.ReferenceThreads,
// imap.OrderedSubjectThreads) on the header fields read here; the search
// part reuses SEARCH's parser and evaluator.

// sortCapabilities are the CAPABILITY words for this file's commands
// (SORT=DISPLAY is RFC 5957; the command table lists SORT and THREAD).
const sortCapabilities = "SORT SORT=DISPLAY THREAD=ORDEREDSUBJECT THREAD=REFERENCES ESORT"

// maxSortHeader bounds the header bytes read per message for SORT and
// THREAD; fields beyond it count as absent.
const maxSortHeader = 256 << 10

// sortFields says which header fields a SORT or THREAD needs.
type sortFields uint16

const (
	sfDate sortFields = 1 << iota
	sfSubject
	sfFrom
	sfTo
	sfCc
	sfMessageID
	sfInReplyTo
	sfReferences
)

// cmdSort implements SORT and UID SORT (RFC 5256 §3) with ESORT result
// options (RFC 5267 §3): "SORT [RETURN (...)] (criteria) charset keys".
func (c *conn) cmdSort(uid bool) *status {
	c.expectSP()
	ret := c.returnOptions("SORT", false)
	c.checkContextOptions(ret, uid) // RFC 5267, ext_context.go
	criteria := c.sortCriteria()
	c.expectSP()
	if st := c.sortCharset(); st != nil {
		return st
	}
	c.expectSP()
	key := c.parseSearchKeys()
	c.expectEnd()

	need := sortNeeds(criteria)
	var nums []uint32
	var highest uint64
	var err error
	if need&^cachedSortFields == 0 {
		nums, highest, err = c.cachedSort(key, uid, criteria)
	} else {
		var msgs []imap.SortMessage
		msgs, highest, err = c.sortMessages(key, uid, need)
		nums = make([]uint32, len(msgs))
		for k, i := range imap.SortOrder(msgs, criteria) {
			nums[k] = msgs[i].Num
		}
	}
	if err != nil {
		return c.backendError("SORT", err)
	}
	b := make([]byte, 0, 16+8*len(nums))
	if !ret.esearch {
		b = append(b, "* SORT"...)
		for _, n := range nums {
			b = append(b, ' ')
			b = appendUint(b, uint64(n))
		}
		if key.usesModSeq() && len(nums) > 0 {
			b = append(b, " (MODSEQ "...) // RFC 7162 §3.1.5
			b = appendUint(b, highest)
			b = append(b, ')')
		}
	} else {
		// RFC 5267 §3: ESEARCH data in sort order; MIN and MAX are the
		// first and last message of the sorted result.
		b = append(b, "* ESEARCH (TAG "...)
		b = appendString(b, c.tag)
		b = append(b, ')')
		if uid {
			b = append(b, " UID"...)
		}
		if len(nums) > 0 {
			if ret.min {
				b = append(b, " MIN "...)
				b = appendUint(b, uint64(nums[0]))
			}
			if ret.max {
				b = append(b, " MAX "...)
				b = appendUint(b, uint64(nums[len(nums)-1]))
			}
			if ret.all {
				b = append(b, " ALL "...)
				b = appendNumSet(b, nums) // ranges only for ascending runs
			}
		}
		if ret.count {
			b = append(b, " COUNT "...)
			b = appendUint(b, uint64(len(nums)))
		}
		if key.usesModSeq() && len(nums) > 0 {
			b = append(b, " MODSEQ "...)
			b = appendUint(b, highest)
		}
		b = c.contextResult(b, ret, nums, uid, key, criteria) // RFC 5267
	}
	b = append(b, "\r\n"...)
	c.bw.Write(b)
	st := ok("SORT completed")
	st.allowExpunge = uid // RFC 5256 §3: no EXPUNGE during SORT
	return st
}

// cmdThread implements THREAD and UID THREAD (RFC 5256 §3):
// "THREAD algorithm charset keys".
func (c *conn) cmdThread(uid bool) *status {
	c.expectSP()
	alg := imap.ThreadAlgorithm(c.atomUpper())
	need := sfDate | sfSubject
	switch alg {
	case imap.ThreadOrderedSubject:
	case imap.ThreadReferences:
		need |= sfMessageID | sfInReplyTo | sfReferences
	default:
		c.fail("Unknown threading algorithm")
	}
	c.expectSP()
	if st := c.sortCharset(); st != nil {
		return st
	}
	c.expectSP()
	key := c.parseSearchKeys()
	c.expectEnd()
	var b []byte
	if alg == imap.ThreadReferences {
		d, _, err := c.cachedThreadData(key, uid, need)
		if err != nil {
			return c.backendError("THREAD", err)
		}
		b = make([]byte, 0, 16+10*len(d.Num))
		b = append(b, "* THREAD "...)
		b = imap.AppendReferenceThreadsData(b, d)
	} else {
		msgs, _, err := c.cachedSortMessages(key, uid, need)
		if err != nil {
			return c.backendError("THREAD", err)
		}
		b = make([]byte, 0, 16+10*len(msgs))
		b = append(b, "* THREAD "...)
		b = imap.AppendThreads(b, imap.OrderedSubjectThreads(msgs))
	}
	if b[len(b)-1] == ' ' {
		b = b[:len(b)-1] // no threads: "* THREAD"
	}
	b = append(b, "\r\n"...)
	c.bw.Write(b)
	st := ok("THREAD completed")
	st.allowExpunge = uid // RFC 5256 §3: no EXPUNGE during THREAD
	return st
}

// sortCriteria parses "(" ["REVERSE" SP] key *(SP ...) ")".
func (c *conn) sortCriteria() []imap.SortCriterion {
	c.openParen()
	var out []imap.SortCriterion
	for {
		var cr imap.SortCriterion
		k := c.atomUpper()
		if k == "REVERSE" {
			cr.Reverse = true
			c.expectSP()
			k = c.atomUpper()
		}
		cr.Key = imap.SortKey(k)
		if !imap.IsSortKey(cr.Key) {
			c.fail("Unknown sort key")
		}
		out = append(out, cr)
		if len(out) > 32 {
			c.fail("Too many sort criteria")
		}
		if !c.sp() {
			break
		}
	}
	c.closeParen()
	return out
}

// sortCharset reads the mandatory charset of SORT and THREAD: US-ASCII
// and UTF-8 MUST be implemented (RFC 5256 §3), others get BADCHARSET.
func (c *conn) sortCharset() *status {
	cs := strings.ToUpper(c.astring())
	if cs != "UTF-8" && cs != "US-ASCII" {
		c.line = nil
		return no("BADCHARSET (UTF-8 US-ASCII)", "Unsupported charset")
	}
	return nil
}

// sortMessages runs the search and collects, in mailbox order, what SORT
// or THREAD needs of every match: the reported number (sequence number or
// UID), internal date and size, and the header fields in need. Messages
// another session expunged (the client has not been told yet) can no
// longer be read and are left out, as RFC 2180 §4.3 allows for SEARCH.
func (c *conn) sortMessages(key *searchKey, uid bool, need sortFields) ([]imap.SortMessage, uint64, error) {
	matches, highest, err := c.search(key)
	if err != nil || len(matches) == 0 {
		return nil, highest, err
	}
	v := &c.sel.view
	msgs := make([]imap.SortMessage, 0, len(matches))
	uids := make([]uint32, len(matches))
	for k, i := range matches {
		uids[k] = v.uids[i]
	}
	var buf []byte
	var er envelopeReader
	k := 0
	err = c.sel.mbox.Fetch(c.ctx, uids, func(m Message) error {
		for k < len(matches) && v.uids[matches[k]] < m.UID() {
			k++
		}
		if k == len(matches) || v.uids[matches[k]] != m.UID() {
			return nil
		}
		num := m.UID()
		if !uid {
			num = uint32(matches[k] + 1)
		}
		k++
		sm := imap.SortMessage{Num: num, InternalDate: m.InternalDate(), Size: m.Size()}
		// The cached ENVELOPE has every field but References: no need
		// to open the message.
		hdrNeed := need
		if need != 0 && need&sfReferences == 0 {
			if er.fill(&sm, m.Structure(), need) {
				hdrNeed = 0
			}
		}
		if hdrNeed != 0 {
			var err error
			if buf, err = readSortHeader(m, buf); err != nil {
				return err
			}
			fillSortFields(&sm, buf, hdrNeed)
		}
		msgs = append(msgs, sm)
		return nil
	})
	return msgs, highest, err
}

// envelopeReader decodes cached ENVELOPEs (see Analyze), reusing one
// reader and decoder for all messages of a command.
type envelopeReader struct {
	rd      bytes.Reader
	br      *bufio.Reader
	d       *wire.Decoder
	scratch []byte
}

// fill copies the fields in need from the cached ENVELOPE of blob into
// sm. Date and Subject come first in an ENVELOPE (RFC 9051 §7.5.2), so
// when only they are needed the address lists are not decoded.
func (er *envelopeReader) fill(sm *imap.SortMessage, blob []byte, need sortFields) bool {
	if blob == nil {
		return false
	}
	if need&^(sfDate|sfSubject) == 0 {
		if env, ok := blobEnvelope(blob); ok {
			var date, subject string
			if date, subject, er.scratch, ok = envelopeDateSubject(env, er.scratch[:0]); ok {
				sm.Date, sm.Subject = date, subject
				return true
			}
		}
	}
	ms, err := decodeStructure(blob)
	if err != nil || len(ms.envelope) == 0 {
		return false
	}
	er.rd.Reset(ms.envelope)
	if er.br == nil {
		er.br = bufio.NewReaderSize(&er.rd, 4096)
		er.d = wire.NewDecoder(er.br, wire.Limits{MaxCommand: maxSortHeader, MaxLiteral: maxSortHeader})
	} else {
		er.br.Reset(&er.rd)
		er.d.Reset(er.br)
	}
	if need&^(sfDate|sfSubject) == 0 {
		d := er.d
		if d.Expect('(') != nil {
			return false
		}
		date, _, err1 := d.NString()
		err2 := d.SP()
		subject, _, err3 := d.NString()
		if err1 != nil || err2 != nil || err3 != nil {
			return false
		}
		sm.Date, sm.Subject = date, subject
		return true
	}
	env, err := wire.ReadEnvelope(er.d)
	if err != nil {
		return false
	}
	sm.Date, sm.Subject = env.Date, env.Subject
	sm.From, sm.To, sm.Cc = env.From, env.To, env.Cc
	sm.MessageID, sm.InReplyTo = env.MessageID, env.InReplyTo
	return true
}

// readSortHeader reads the header block of m (at most maxSortHeader
// bytes) into buf.
func readSortHeader(m Message, buf []byte) ([]byte, error) {
	r, err := m.Open()
	if err != nil {
		return buf[:0], err
	}
	defer r.Close()
	size := m.Size()
	n := int64(16 << 10)
	for {
		n = min(n, size, maxSortHeader)
		if int64(cap(buf)) < n {
			buf = make([]byte, n)
		}
		buf = buf[:n]
		got, err := r.ReadAt(buf, 0)
		if err != nil && err != io.EOF {
			return buf[:0], err
		}
		buf = buf[:got]
		if end := headerEnd(buf); end < len(buf) || int64(got) < n || n >= size || n >= maxSortHeader {
			return buf[:end], nil
		}
		n *= 4
	}
}

// fillSortFields copies the first occurrence of each needed field of hdr
// into sm, unfolded.
func fillSortFields(sm *imap.SortMessage, hdr []byte, need sortFields) {
	var seen sortFields
	for len(hdr) > 0 && seen != need {
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
			continue
		}
		f := sortFieldOf(bytes.TrimRight(field[:colon], " \t"))
		if f == 0 || need&f == 0 || seen&f != 0 {
			continue
		}
		seen |= f
		val := unfold(field[colon+1:])
		switch f {
		case sfDate:
			sm.Date = val
		case sfSubject:
			sm.Subject = val
		case sfFrom:
			sm.From = imap.ParseAddressList(val)
		case sfTo:
			sm.To = imap.ParseAddressList(val)
		case sfCc:
			sm.Cc = imap.ParseAddressList(val)
		case sfMessageID:
			sm.MessageID = val
		case sfInReplyTo:
			sm.InReplyTo = val
		case sfReferences:
			sm.References = val
		}
	}
}

func sortFieldOf(name []byte) sortFields {
	switch len(name) {
	case 2:
		if equalFoldBytes(name, "To") {
			return sfTo
		}
		if equalFoldBytes(name, "Cc") {
			return sfCc
		}
	case 4:
		if equalFoldBytes(name, "Date") {
			return sfDate
		}
		if equalFoldBytes(name, "From") {
			return sfFrom
		}
	case 7:
		if equalFoldBytes(name, "Subject") {
			return sfSubject
		}
	case 10:
		if equalFoldBytes(name, "Message-ID") {
			return sfMessageID
		}
		if equalFoldBytes(name, "References") {
			return sfReferences
		}
	case 11:
		if equalFoldBytes(name, "In-Reply-To") {
			return sfInReplyTo
		}
	}
	return 0
}

func equalFoldBytes(b []byte, s string) bool {
	return len(b) == len(s) && equalFoldASCII(b, s)
}
