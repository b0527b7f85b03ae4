package imapserver

import (
	"bufio"
	"io"
	"strconv"
	"sync"
)

// cmdFetch implements FETCH and UID FETCH (RFC 9051 §6.4.5, §6.4.9) with
// CHANGEDSINCE and VANISHED (RFC 7162).
func (c *conn) cmdFetch(uid bool) *status {
	c.expectSP()
	set := c.numSet()
	c.expectSP()
	p := c.parseFetchItems()
	if c.sp() {
		c.parseFetchModifiers(p, uid)
	}
	c.expectEnd()
	if uid {
		p.uid = true
	}
	st := c.fetch(set, uid, p)
	st.allowExpunge = uid // never EXPUNGE during FETCH (RFC 9051 §7.5.1)
	return st
}

func (c *conn) fetch(set numSet, uid bool, p *fetchPlan) *status {
	s := c.sel
	v := &s.view
	idx, valid := v.resolve(set, uid, s.searchRes)
	if !valid {
		return bad("Invalid message sequence number")
	}
	if p.vanished {
		c.fetchVanished(set, p.changedSince)
	}
	if p.changedSince > 0 {
		kept := idx[:0]
		for _, i := range idx {
			if v.modseqAt(i) > p.changedSince {
				kept = append(kept, i)
			}
		}
		idx = kept
	}
	if len(idx) == 0 {
		return ok("FETCH completed")
	}
	if p.setSeen && !s.readOnly {
		p.seenNow = c.markSeen(idx)
	}
	if !p.needsMessage() {
		// Everything comes from the session's view: no backend call.
		var b []byte
		for _, i := range idx {
			b = c.appendFetchStart(b[:0], i, p)
			if b[len(b)-1] == ' ' {
				b = b[:len(b)-1]
			}
			b = append(b, ")\r\n"...)
			c.bw.Write(b)
		}
		return ok("FETCH completed")
	}
	uids := make([]uint32, len(idx))
	for k, i := range idx {
		uids[k] = v.uids[i]
	}
	if len(idx) > 1 {
		defer c.useBigWriter()()
	}
	k := 0
	missing := false
	var b []byte
	var writeErr error
	err := s.mbox.Fetch(c.ctx, uids, func(m Message) error {
		u := m.UID()
		for k < len(idx) && v.uids[idx[k]] < u {
			k++
			missing = true
		}
		if k == len(idx) || v.uids[idx[k]] != u {
			return nil
		}
		i := idx[k]
		k++
		b = c.appendFetchStart(b[:0], i, p)
		var err error
		b, err = c.writeFetchMessage(b, m, p)
		if err != nil {
			writeErr = err
			return err
		}
		return nil
	})
	if writeErr != nil {
		if _, isIO := writeErr.(ioError); isIO {
			panic(writeErr)
		}
		return c.backendError("FETCH", writeErr)
	}
	if err != nil {
		return c.backendError("FETCH", err)
	}
	if k < len(idx) {
		missing = true
	}
	if missing && !uid {
		// RFC 2180 §4.1.2: the messages were expunged by another session
		// (UID FETCH ignores UIDs that no longer exist, RFC 9051 §6.4.9).
		return no("EXPUNGEISSUED", "Some messages were expunged by another session")
	}
	return ok("FETCH completed")
}

// markSeen sets \Seen on messages fetched with a non-PEEK body section
// (RFC 9051 §6.4.5); the new FLAGS are sent in the FETCH response.
func (c *conn) markSeen(idx []int) map[uint32]bool {
	v := &c.sel.view
	var uids []uint32
	for _, i := range idx {
		if !v.flagsAt(i).seen {
			uids = append(uids, v.uids[i])
		}
	}
	if len(uids) == 0 {
		return nil
	}
	changed := make(map[uint32]bool, len(uids))
	_, err := c.sel.mbox.Store(c.ctx, uids, StoreAdd, []string{`\Seen`}, 0, func(m MessageMeta) {
		if i, ok := v.find(m.UID); ok {
			v.setFlags(i, c.flagCache.intern(m.Flags))
			if m.ModSeq > v.modseqAt(i) {
				v.setModseq(i, m.ModSeq)
			}
			changed[m.UID] = true
		}
	})
	if err != nil {
		c.log.Error("imapserver: setting \\Seen failed", "err", err)
	}
	return changed
}

// appendFetchStart formats "* n FETCH (" and the items served from the
// view (UID, FLAGS, MODSEQ), without the closing parenthesis.
func (c *conn) appendFetchStart(b []byte, i int, p *fetchPlan) []byte {
	v := &c.sel.view
	b = append(b, "* "...)
	b = appendUint(b, uint64(i+1))
	b = append(b, " FETCH ("...)
	sep := false
	if p.uid {
		b = append(b, "UID "...)
		b = appendUint(b, uint64(v.uids[i]))
		sep = true
	}
	if p.flags || p.seenNow[v.uids[i]] {
		if sep {
			b = append(b, ' ')
		}
		b = append(b, "FLAGS "...)
		b = c.appendFlags(b, i)
		sep = true
	}
	if p.modseq || (c.enabled.condstore && p.changedSince > 0) {
		if sep {
			b = append(b, ' ')
		}
		b = append(b, "MODSEQ ("...)
		b = appendUint(b, v.modseqAt(i))
		b = append(b, ')')
		sep = true
	}
	if sep {
		b = append(b, ' ')
	}
	return b
}

// writeFetchMessage appends the message items and writes the response.
// Section bodies are copied from the message straight into the writer.
func (c *conn) writeFetchMessage(b []byte, m Message, p *fetchPlan) ([]byte, error) {
	if p.internalDate {
		b = append(b, "INTERNALDATE "...)
		b = appendDateTime(b, m.InternalDate())
		b = append(b, ' ')
	}
	if p.size {
		b = append(b, "RFC822.SIZE "...)
		b = appendUint(b, uint64(m.Size()))
		b = append(b, ' ')
	}
	b = c.appendFetchExt(b, m, p)
	var ms *msgStructure
	var r MessageReader
	defer func() {
		if r != nil {
			r.Close()
		}
	}()
	open := func() (MessageReader, error) {
		if r == nil {
			var err error
			r, err = m.Open()
			if err != nil {
				return nil, err
			}
		}
		return r, nil
	}
	if p.needsStructure() {
		var err error
		ms, err = c.structureOf(m, open)
		if err != nil {
			return b, err
		}
	}
	if p.envelope {
		b = append(b, "ENVELOPE "...)
		b = append(b, ms.envelope...)
		b = append(b, ' ')
	}
	if p.bodyStructure {
		b = append(b, "BODYSTRUCTURE "...)
		b = append(b, ms.bodyStructure...)
		b = append(b, ' ')
	}
	if p.body {
		b = append(b, "BODY "...)
		b = append(b, ms.body...)
		b = append(b, ' ')
	}
	for _, s := range p.sections {
		rd, err := open()
		if err != nil {
			return b, err
		}
		b = append(b, s.respName...)
		b = append(b, ' ')
		b, err = c.writeSection(b, s, m, rd, ms)
		if err != nil {
			return b, err
		}
		b = append(b, ' ')
	}
	if len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	b = append(b, ")\r\n"...)
	c.bw.Write(b)
	return b[:0], nil
}

// writeSection writes a section's value; b holds the pending response
// prefix, which is flushed before the literal's bytes.
func (c *conn) writeSection(b []byte, s *sectionItem, m Message, r MessageReader, ms *msgStructure) ([]byte, error) {
	switch s.kind {
	case sectBinary, sectBinarySize:
		return c.writeBinarySection(b, s, r, ms)
	}
	if s.spec == "HEADER.FIELDS" || s.spec == "HEADER.FIELDS.NOT" {
		off, n, ok := sectionRange(ms, m.Size(), s.part, "HEADER")
		if !ok {
			return append(b, `""`...), nil
		}
		hdr, err := readRange(r, off, min(n, 1<<20))
		if err != nil {
			return b, err
		}
		data := filterHeader(hdr, s.fields, s.spec == "HEADER.FIELDS")
		data = partialBytes(data, s)
		b = append(b, '{')
		b = strconv.AppendInt(b, int64(len(data)), 10)
		b = append(b, "}\r\n"...)
		return append(b, data...), nil
	}
	off, n, ok := sectionRange(ms, m.Size(), s.part, s.spec)
	if !ok {
		// A part that does not exist is empty (RFC 9051 §6.4.5 leaves it
		// to the server; Dovecot answers NIL for BODY[], "" is safer).
		return append(b, `""`...), nil
	}
	if s.partial {
		if s.off >= n {
			return append(b, `""`...), nil
		}
		off += s.off
		n = min(n-s.off, s.n)
	}
	b = append(b, '{')
	b = strconv.AppendInt(b, n, 10)
	b = append(b, "}\r\n"...)
	c.bw.Write(b)
	if err := c.copySection(r, off, n); err != nil {
		return b[:0], err
	}
	return b[:0], nil
}

// copySection copies n bytes at off from the message to the client,
// reading straight into the writer's free buffer (no intermediate copy,
// no allocation per message).
func (c *conn) copySection(r MessageReader, off, n int64) error {
	if a := int64(c.bw.Available()); a < n && n <= int64(c.bw.Size()) && c.bw.Buffered() > 0 {
		// A section that fits in the buffer but not in what is left of
		// it: flush first, so it is read with one pread instead of two.
		if err := c.bw.Flush(); err != nil {
			return ioError{err}
		}
	}
	for n > 0 {
		if c.bw.Available() == 0 {
			if err := c.bw.Flush(); err != nil {
				return ioError{err}
			}
		}
		buf := c.bw.AvailableBuffer()
		buf = buf[:min(int64(cap(buf)), n)]
		k, err := r.ReadAt(buf, off)
		if k > 0 {
			c.bw.Write(buf[:k])
			off += int64(k)
			n -= int64(k)
		}
		if err != nil && n > 0 {
			if err != io.EOF {
				return err
			}
			// The message is shorter than its recorded size: keep the
			// literal length promise so the connection stays in sync.
			c.log.Error("imapserver: message shorter than its size", "missing", n)
			for ; n > 0; n-- {
				c.bw.WriteByte(' ')
			}
		}
	}
	return nil
}

func (e ioError) Error() string { return e.err.Error() }

func readRange(r io.ReaderAt, off, n int64) ([]byte, error) {
	buf := make([]byte, n)
	k, err := r.ReadAt(buf, off)
	if err != nil && err != io.EOF {
		return nil, err
	}
	return buf[:k], nil
}

func partialBytes(data []byte, s *sectionItem) []byte {
	if !s.partial {
		return data
	}
	if s.off >= int64(len(data)) {
		return nil
	}
	data = data[s.off:]
	if int64(len(data)) > s.n {
		data = data[:s.n]
	}
	return data
}

// fetchVanished sends VANISHED (EARLIER) for UID FETCH ... (CHANGEDSINCE
// modseq VANISHED) (RFC 7162 §3.2.6): the UIDs of the set expunged since
// modseq when the backend keeps tombstones, else every UID of the set that
// is not in the view (a superset, which the RFC permits).
func (c *conn) fetchVanished(set numSet, modseq uint64) {
	v := &c.sel.view
	var out []uint32
	tomb, haveTomb := c.tombstones(modseq)
	for _, r := range set.ranges {
		lo, hi := r.lo, r.hi
		if lo == 0 || hi == 0 {
			last := uint32(0)
			if n := len(v.uids); n > 0 {
				last = v.uids[n-1]
			}
			if lo == 0 {
				lo = last
			}
			if hi == 0 {
				hi = last
			}
		}
		if lo > hi {
			lo, hi = hi, lo
		}
		if haveTomb {
			// "*" here is any UID: an expunged last message is above the
			// view's last UID.
			tlo, thi := r.lo, r.hi
			if tlo == 0 {
				tlo = ^uint32(0)
			}
			if thi == 0 {
				thi = ^uint32(0)
			}
			if tlo > thi {
				tlo, thi = thi, tlo
			}
			for _, u := range tomb {
				if u >= tlo && u <= thi {
					out = append(out, u)
				}
			}
			continue
		}
		if hi-lo > 1<<20 {
			hi = lo + 1<<20
		}
		for u := lo; u <= hi && u != 0; u++ {
			if _, ok := v.find(u); !ok {
				out = append(out, u)
			}
		}
	}
	if len(out) > 0 {
		b := append([]byte("* VANISHED (EARLIER) "), appendNumSet(nil, normalizeUIDs(out))...)
		b = append(b, "\r\n"...)
		c.bw.Write(b)
	}
}

// bigWriters are large output buffers lent to connections for the length
// of a big FETCH, so idle connections keep only their small buffer.
var bigWriters = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 64<<10) }}

// useBigWriter switches the connection to a large write buffer and
// returns the function that switches back.
func (c *conn) useBigWriter() func() {
	if c.bw.Size() >= 64<<10 {
		return func() {}
	}
	small := c.bw
	big := bigWriters.Get().(*bufio.Writer)
	big.Reset(c.nc)
	// Keep what is buffered in order.
	if small.Buffered() > 0 {
		small.Flush()
	}
	c.bw = big
	return func() {
		big.Flush()
		big.Reset(nil)
		c.bw = small
		bigWriters.Put(big)
	}
}
