package imapserver

import (
	"bytes"
	"io"
	"net/mail"
	"strings"
	"time"

	"golang.org/x/text/encoding"
)

// cmdSearch implements SEARCH and UID SEARCH with ESEARCH result options
// (RFC 4731, RFC 9051 §6.4.4) and SEARCHRES (RFC 5182).
func (c *conn) cmdSearch(uid bool) *status {
	c.expectSP()
	ret := c.returnOptions("SEARCH", true)
	c.checkContextOptions(ret, uid)
	if c.peekAtom("CHARSET") {
		c.atomBytes()
		c.expectSP()
		cs := strings.ToUpper(c.astring())
		if cs != "UTF-8" && cs != "US-ASCII" {
			c.line = nil
			return no("BADCHARSET (UTF-8 US-ASCII)", "Unsupported charset")
		}
		c.expectSP()
	}
	key := c.parseSearchKeys()
	c.expectEnd()
	if c.enabled.rev2 && !ret.esearch {
		// IMAP4rev2 replaces SEARCH responses by ESEARCH (RFC 9051 §7.3.4).
		ret.esearch, ret.all = true, true
	}
	matches, highest, err := c.search(key)
	if err != nil {
		return c.backendError("SEARCH", err)
	}
	v := &c.sel.view
	if ret.save {
		c.sel.searchRes = c.sel.searchRes[:0]
		for _, i := range matches {
			c.sel.searchRes = append(c.sel.searchRes, v.uids[i])
		}
	}
	nums := make([]uint32, len(matches))
	for k, i := range matches {
		if uid {
			nums[k] = v.uids[i]
		} else {
			nums[k] = uint32(i + 1)
		}
	}
	if !ret.esearch {
		b := []byte("* SEARCH")
		for _, n := range nums {
			b = append(b, ' ')
			b = appendUint(b, uint64(n))
		}
		if key.usesModSeq() && len(nums) > 0 {
			b = append(b, " (MODSEQ "...)
			b = appendUint(b, highest)
			b = append(b, ')')
		}
		b = append(b, "\r\n"...)
		c.bw.Write(b)
	} else if ret.min || ret.max || ret.count || ret.all || ret.partial {
		b := []byte("* ESEARCH (TAG ")
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
				b = appendNumSet(b, nums)
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
		b = c.contextResult(b, ret, nums, uid, key, nil) // RFC 5267
		b = append(b, "\r\n"...)
		c.bw.Write(b)
	}
	st := ok("SEARCH completed")
	st.allowExpunge = uid
	return st
}

func (c *conn) peekAtom(word string) bool {
	l := c.line[c.pos:]
	if len(l) < len(word)+1 || l[len(word)] != ' ' {
		return false
	}
	return strings.EqualFold(string(l[:len(word)]), word)
}

// search returns the matching view indexes, ascending, and the highest
// MODSEQ among them.
func (c *conn) search(key *searchKey) ([]int, uint64, error) {
	v := &c.sel.view
	needMsg, needContent := key.needs()
	var out []int
	var highest uint64
	add := func(i int) {
		out = append(out, i)
		highest = max(highest, v.modseqAt(i))
	}
	ev := &searchEval{c: c, now: c.srv.now()}
	if !needMsg {
		for i := range v.uids {
			ev.i = i
			if ev.match(key) {
				add(i)
			}
		}
		return out, highest, nil
	}
	// Cheap pre-filter: keys that fail on view data alone never read the
	// message.
	var cand []int
	var uids []uint32
	for i := range v.uids {
		ev.i, ev.m = i, nil
		if ev.matchCheap(key) {
			cand = append(cand, i)
			uids = append(uids, v.uids[i])
		}
	}
	if len(uids) == 0 {
		return nil, 0, nil
	}
	k := 0
	ev.buf = make([]byte, 0, 64<<10)
	err := c.sel.mbox.Fetch(c.ctx, uids, func(m Message) error {
		for k < len(cand) && v.uids[cand[k]] < m.UID() {
			k++
		}
		if k == len(cand) || v.uids[cand[k]] != m.UID() {
			return nil
		}
		ev.i, ev.m = cand[k], m
		ev.reset(needContent)
		k++
		if ev.match(key) {
			add(ev.i)
		}
		return ev.err
	})
	ev.closeReader()
	return out, highest, err
}

// searchEval evaluates search keys on one message.
type searchEval struct {
	c   *conn
	now time.Time
	i   int
	m   Message
	err error

	r        MessageReader
	buf      []byte // the message, or its first part for large ones
	loaded   bool
	complete bool // buf holds the whole message
	hdrEnd   int
	fields   headerFields
	parsed   bool

	// Decoding and matching (search_text.go), reused for every message.
	tm       *textMatcher
	tmText   string
	dec, tmp []byte // decoded body part; base64 scratch
	hdrBuf   []byte // a part header read from a large message
	conv     []byte // charset conversion output
	csName   string // the charset csDec converts
	csDec    *encoding.Decoder
}

func (e *searchEval) reset(needContent bool) {
	e.closeReader()
	e.loaded, e.complete, e.parsed = false, false, false
	e.buf = e.buf[:0]
	e.fields = nil
}

func (e *searchEval) closeReader() {
	if e.r != nil {
		e.r.Close()
		e.r = nil
	}
}

const searchInMemory = 1 << 20

// load reads the message (whole if small, else its first MiB for headers).
func (e *searchEval) load() bool {
	if e.loaded {
		return e.err == nil
	}
	e.loaded = true
	r, err := e.m.Open()
	if err != nil {
		e.err = err
		return false
	}
	e.r = r
	size := e.m.Size()
	n := min(size, searchInMemory)
	if int64(cap(e.buf)) < n {
		e.buf = make([]byte, n)
	}
	e.buf = e.buf[:n]
	k, err := r.ReadAt(e.buf, 0)
	if err != nil && err != io.EOF {
		e.err = err
		return false
	}
	e.buf = e.buf[:k]
	e.complete = int64(k) >= size
	e.hdrEnd = headerEnd(e.buf)
	return true
}

func headerEnd(b []byte) int {
	if i := bytes.Index(b, []byte("\r\n\r\n")); i >= 0 {
		return i + 4
	}
	if i := bytes.Index(b, []byte("\n\n")); i >= 0 {
		return i + 2
	}
	return len(b)
}

func (e *searchEval) header() headerFields {
	if !e.parsed {
		e.parsed = true
		if e.load() {
			e.fields = parseHeaderFields(e.buf[:e.hdrEnd])
		}
	}
	return e.fields
}

func (e *searchEval) flags() *flagSet { return e.c.sel.view.flagsAt(e.i) }

// matchCheap evaluates keys on view data, treating message keys as true.
func (e *searchEval) matchCheap(k *searchKey) bool {
	switch k.op {
	case sAnd:
		for _, kid := range k.kids {
			if !e.matchCheap(kid) {
				return false
			}
		}
		return true
	case sOr, sNot:
		return true
	}
	if n, _ := k.needs(); n {
		return true
	}
	return e.match(k)
}

func (e *searchEval) match(k *searchKey) bool {
	v := &e.c.sel.view
	switch k.op {
	case sAll:
		return true
	case sAnd:
		for _, kid := range k.kids {
			if !e.match(kid) {
				return false
			}
		}
		return true
	case sOr:
		return e.match(k.kids[0]) || e.match(k.kids[1])
	case sNot:
		return !e.match(k.kids[0])
	case sSeq, sUID:
		return e.inSet(k)
	case sFlag:
		return e.flags().has(k.str) || (k.str == `\Recent` && v.isRecent(v.uids[e.i]))
	case sNoFlag:
		return !(e.flags().has(k.str) || (k.str == `\Recent` && v.isRecent(v.uids[e.i])))
	case sRecent:
		return v.isRecent(v.uids[e.i])
	case sNew:
		return v.isRecent(v.uids[e.i]) && !e.flags().seen
	case sOld:
		return !v.isRecent(v.uids[e.i])
	case sModSeq:
		return v.modseqAt(e.i) >= k.num
	}
	if e.m == nil {
		return false
	}
	switch k.op {
	case sLarger:
		return uint64(e.m.Size()) > k.num
	case sSmaller:
		return uint64(e.m.Size()) < k.num
	case sBefore, sOn, sSince:
		return compareDate(e.m.InternalDate(), k.date, k.op-sBefore)
	case sOlder:
		return e.now.Sub(e.m.InternalDate()) >= time.Duration(k.num)*time.Second
	case sYounger:
		return e.now.Sub(e.m.InternalDate()) <= time.Duration(k.num)*time.Second
	case sSentBefore, sSentOn, sSentSince:
		d, err := mail.ParseDate(e.header().get("date"))
		if err != nil {
			return false
		}
		return compareDate(d, k.date, k.op-sSentBefore)
	case sHeader:
		h := e.header()
		if k.str == "" {
			return h.has(k.field)
		}
		for _, f := range h {
			if f.name == k.field && headerValueContains(e.matcher(k.str), f.value) {
				return true
			}
		}
		return false
	case sBody:
		return e.contains(k.str, true)
	case sText:
		return e.contains(k.str, false)
	}
	return e.matchExt(k)
}

// compareDate compares the calendar dates (RFC 9051: disregarding time and
// timezone). which: 0 before, 1 on, 2 since.
func compareDate(t, d time.Time, which searchOp) bool {
	ty, tm, td := t.Date()
	day := time.Date(ty, tm, td, 0, 0, 0, 0, time.UTC)
	switch which {
	case 0:
		return day.Before(d)
	case 1:
		return day.Equal(d)
	default:
		return !day.Before(d)
	}
}

func (e *searchEval) inSet(k *searchKey) bool {
	v := &e.c.sel.view
	if k.set.saved {
		u := v.uids[e.i]
		for _, x := range e.c.sel.searchRes {
			if x == u {
				return true
			}
		}
		return false
	}
	var n, star uint32
	if k.op == sSeq {
		n, star = uint32(e.i+1), uint32(len(v.uids))
	} else {
		n = v.uids[e.i]
		if len(v.uids) > 0 {
			star = v.uids[len(v.uids)-1]
		}
	}
	// "*" is the same for every message of one search: resolve once.
	if !k.resolved || k.resolvedStar != star {
		k.resolvedSet, k.resolved, k.resolvedStar = k.set.set.Resolve(star), true, star
	}
	return k.resolvedSet.Contains(n)
}

// indexFold reports whether text occurs in b, ignoring ASCII case.
func indexFold(b []byte, text string) bool {
	if text == "" {
		return true
	}
	if len(text) > len(b) {
		return false
	}
	first := text[0]
	lf, uf := lowerByte(first), upperByte(first)
	for i := 0; i+len(text) <= len(b); {
		// Skip quickly to the next possible first byte.
		j := indexEither(b[i:len(b)-len(text)+1], lf, uf)
		if j < 0 {
			return false
		}
		i += j
		if equalFoldASCII(b[i:i+len(text)], text) {
			return true
		}
		i++
	}
	return false
}

func indexEither(b []byte, x, y byte) int {
	if x == y {
		return bytes.IndexByte(b, x)
	}
	i := bytes.IndexByte(b, x)
	j := bytes.IndexByte(b, y)
	switch {
	case i < 0:
		return j
	case j < 0:
		return i
	}
	return min(i, j)
}

func lowerByte(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 32
	}
	return c
}

func upperByte(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - 32
	}
	return c
}

func equalFoldASCII(b []byte, s string) bool {
	for i := 0; i < len(s); i++ {
		if lowerByte(b[i]) != lowerByte(s[i]) {
			return false
		}
	}
	return true
}

// returnOptions parses the optional "RETURN (...) " of SEARCH (RFC 4731
// §3.1, SAVE from RFC 5182) and SORT (RFC 5267 §3, no SAVE); RETURN ()
// means ALL.
func (c *conn) returnOptions(cmd string, allowSave bool) searchReturn {
	var ret searchReturn
	if !c.peekAtom("RETURN") {
		return ret
	}
	c.atomBytes()
	c.expectSP()
	ret.esearch = true
	c.openParen()
	for c.peek() != ')' {
		switch opt := c.atomUpper(); {
		case opt == "MIN":
			ret.min = true
		case opt == "MAX":
			ret.max = true
		case opt == "COUNT":
			ret.count = true
		case opt == "ALL":
			ret.all = true
		case opt == "SAVE" && allowSave:
			ret.save = true
		case c.parseReturnContext(&ret, opt): // RFC 5267, ext_context.go
		default:
			c.fail("Unknown " + cmd + " return option")
		}
		if !c.sp() {
			break
		}
	}
	c.closeParen()
	if !ret.min && !ret.max && !ret.count && !ret.all && !ret.save && !ret.partial {
		ret.all = true
	}
	c.expectSP()
	return ret
}
