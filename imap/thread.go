package imap

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// MaxThreadReferences bounds the Message IDs of one References header
// that ReferenceThreads links (the first one and the last
// MaxThreadReferences-1 are kept): a References header of a huge header
// block would otherwise cost time quadratic in its length. Real headers
// carry tens.
const MaxThreadReferences = 256

// OrderedSubjectThreads threads messages by the ORDEREDSUBJECT algorithm
// of RFC 5256 §3: messages sorted by base subject and sent date, split
// into one thread per base subject (the first message is the parent of
// all the others, which are siblings), threads ordered by the sent date
// of their first message.
func OrderedSubjectThreads(msgs []SortMessage) []*Thread {
	n := len(msgs)
	subj := make([]string, n)
	for i := range msgs {
		subj[i], _ = msgSubjectKey(&msgs[i])
	}
	date := sentDateKeys(msgs)
	order := make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(i, j int32) int {
		if r := strings.Compare(subj[i], subj[j]); r != 0 {
			return r
		}
		if r := cmp.Compare(date[i], date[j]); r != 0 {
			return r
		}
		return cmp.Compare(i, j)
	})
	// Groups of equal base subject, as [start, end) ranges of order.
	var groups [][2]int
	for s := 0; s < n; {
		e := s + 1
		for e < n && subj[order[e]] == subj[order[s]] {
			e++
		}
		groups = append(groups, [2]int{s, e})
		s = e
	}
	slices.SortFunc(groups, func(a, b [2]int) int {
		i, j := order[a[0]], order[b[0]]
		if r := cmp.Compare(date[i], date[j]); r != 0 {
			return r
		}
		return cmp.Compare(i, j)
	})
	out := make([]*Thread, 0, len(groups))
	for _, g := range groups {
		members := order[g[0]:g[1]]
		t := &Thread{Chain: []uint32{msgs[members[0]].Num}}
		switch len(members) {
		case 1:
		case 2:
			t.Chain = append(t.Chain, msgs[members[1]].Num)
		default:
			t.Children = make([]*Thread, 0, len(members)-1)
			for _, m := range members[1:] {
				t.Children = append(t.Children, &Thread{Chain: []uint32{msgs[m].Num}})
			}
		}
		out = append(out, t)
	}
	return out
}

// none marks a missing container link.
const none = -1

// ThreadData is the input of the REFERENCES algorithm in precomputed
// form, one entry per message in mailbox order: what ReferenceThreads
// derives from SortMessages, so that a server can cache it per message and
// thread without re-reading or re-parsing headers. Message IDs are
// interned as small integers (equal IDs, normalised as appendMessageIDs
// does, get equal numbers), which also spares the algorithm every string
// hash.
type ThreadData struct {
	Num       []uint32  // reported numbers
	Date      []int64   // SentDateKey of each message
	Subject   []string  // SubjectKey of each message
	Reply     []bool    // SubjectKey's reply flag
	MessageID []int32   // the message's interned Message ID, or -1
	Refs      [][]int32 // interned references, parent last (MessageReferences)
	IDs       int32     // every MessageID and Refs value is below IDs

	// SubjectID optionally numbers the subject keys (equal keys get
	// equal numbers, all below Subjects), which spares step 5 hashing
	// strings.
	SubjectID []int32
	Subjects  int32
}

// SentDateKey is the sort key of the sent date of RFC 5256 §2.2 (see
// SentDate): nanoseconds since 1970, comparable as integers.
func SentDateKey(date string, internal time.Time) int64 {
	return dateKey(SentDate(date, internal))
}

// SubjectKey returns the collation key (i;unicode-casemap) of the base
// subject of RFC 5256 §2.1, and whether extracting it removed a reply or
// forward marker (REFERENCES step 5 needs that).
func SubjectKey(subject string) (key string, reply bool) {
	base, reply := baseSubject(subject)
	return CollationKey(base), reply
}

// MessageReferences returns the Message IDs REFERENCES links a message to,
// normalised, parent last: those of References, or else the first valid
// one of In-Reply-To (RFC 5256 §3), at most MaxThreadReferences.
func MessageReferences(dst []string, references, inReplyTo string) []string {
	m := SortMessage{References: references, InReplyTo: inReplyTo}
	return messageReferences(dst, &m)
}

// FirstMessageID returns the first valid Message ID of a Message-ID header,
// normalised as MessageReferences normalises references.
func FirstMessageID(s string) (string, bool) { return firstMessageID(s) }

// threader holds the container forest of the REFERENCES algorithm as
// parallel slices indexed by container number: no pointer per node, and
// sibling lists doubly linked so that unlinking is O(1). Containers
// 0..IDs-1 belong to the interned Message IDs; messages without a usable
// ID, and the root, get containers after them.
type threader struct {
	d *ThreadData
	// per container
	msg                            []int32 // message index, or none for a dummy
	parent, first, last, next, prv []int32
	root                           int32
}

func (t *threader) newContainer(msg int32) int32 {
	c := int32(len(t.msg))
	t.msg = append(t.msg, msg)
	t.parent = append(t.parent, none)
	t.first = append(t.first, none)
	t.last = append(t.last, none)
	t.next = append(t.next, none)
	t.prv = append(t.prv, none)
	return c
}

// link makes c (which has no parent) the last child of p.
func (t *threader) link(p, c int32) {
	t.parent[c] = p
	t.prv[c] = t.last[p]
	t.next[c] = none
	if t.last[p] == none {
		t.first[p] = c
	} else {
		t.next[t.last[p]] = c
	}
	t.last[p] = c
}

// unlink detaches c from its parent.
func (t *threader) unlink(c int32) {
	p := t.parent[c]
	if p == none {
		return
	}
	if t.prv[c] == none {
		t.first[p] = t.next[c]
	} else {
		t.next[t.prv[c]] = t.next[c]
	}
	if t.next[c] == none {
		t.last[p] = t.prv[c]
	} else {
		t.prv[t.next[c]] = t.prv[c]
	}
	t.parent[c], t.next[c], t.prv[c] = none, none, none
}

// wouldLoop reports whether making p the parent of c would create a loop:
// p is c or a descendant of c (RFC 5256 §3, REFERENCES step 1.A).
func (t *threader) wouldLoop(p, c int32) bool {
	if p == c {
		return true
	}
	if t.first[c] == none {
		return false // a leaf has no descendants
	}
	for a := t.parent[p]; a != none; a = t.parent[a] {
		if a == c {
			return true
		}
	}
	return false
}

// ReferenceThreads threads messages by the REFERENCES algorithm of RFC
// 5256 §3: parent/child links from References (or the first Message ID
// of In-Reply-To), dummy parents for missing messages, no loops, the
// first of several messages with one Message ID keeps it, dummies
// pruned, threads with the same base subject gathered, and every set of
// siblings sorted by sent date. Every message appears exactly once in
// the result.
func ReferenceThreads(msgs []SortMessage) []*Thread {
	return ReferenceThreadsData(threadDataOf(msgs))
}

// threadDataOf computes the ThreadData of msgs, numbering Message IDs in
// order of appearance.
func threadDataOf(msgs []SortMessage) *ThreadData {
	n := len(msgs)
	d := &ThreadData{
		Num:       make([]uint32, n),
		Date:      sentDateKeys(msgs),
		Subject:   make([]string, n),
		Reply:     make([]bool, n),
		MessageID: make([]int32, n),
		Refs:      make([][]int32, n),
	}
	ids := make(map[string]int32, n)
	intern := func(id string) int32 {
		if k, ok := ids[id]; ok {
			return k
		}
		k := d.IDs
		ids[id] = k
		d.IDs++
		return k
	}
	var refs []string
	var pool []int32
	for i := range msgs {
		m := &msgs[i]
		d.Num[i] = m.Num
		d.Subject[i], d.Reply[i] = msgSubjectKey(m)
		d.MessageID[i] = none
		if id, ok := firstMessageID(m.MessageID); ok {
			d.MessageID[i] = intern(id)
		}
		refs = messageReferences(refs[:0], m)
		if len(refs) > 0 {
			if cap(pool)-len(pool) < len(refs) {
				pool = make([]int32, 0, max(4096, len(refs)))
			}
			start := len(pool)
			for _, r := range refs {
				pool = append(pool, intern(r))
			}
			d.Refs[i] = pool[start:len(pool):len(pool)]
		}
	}
	return d
}

// ReferenceThreadsData is ReferenceThreads on precomputed data.
func ReferenceThreadsData(d *ThreadData) []*Thread {
	return referenceThreader(d).result()
}

// AppendReferenceThreadsData threads d like ReferenceThreadsData and
// appends the wire form of the result (as AppendThreads would) straight
// from the container tree, without building Threads.
func AppendReferenceThreadsData(b []byte, d *ThreadData) []byte {
	t := referenceThreader(d)
	for c := t.first[t.root]; c != none; c = t.next[c] {
		b = t.appendWire(b, c)
	}
	return b
}

// appendWire appends the thread-list of container c (RFC 5256 §4): a
// chain of single children as thread-members, then the children as
// thread-nested lists.
func (t *threader) appendWire(b []byte, c int32) []byte {
	if t.msg[c] == none {
		if f := t.first[c]; f != none && f == t.last[c] {
			return t.appendWire(b, f) // a dummy with one child is that child
		}
		b = append(b, '(')
		for ch := t.first[c]; ch != none; ch = t.next[ch] {
			b = t.appendWire(b, ch)
		}
		return append(b, ')')
	}
	b = append(b, '(')
	for {
		b = strconv.AppendUint(b, uint64(t.d.Num[t.msg[c]]), 10)
		f := t.first[c]
		if f == none {
			return append(b, ')')
		}
		if f != t.last[c] || t.msg[f] == none {
			break
		}
		b = append(b, ' ')
		c = f
	}
	b = append(b, ' ')
	kids := c
	if f := t.first[c]; f == t.last[c] {
		// A single child that is a dummy: its children continue the
		// chain (thread-nested needs two lists).
		kids = f
	}
	for ch := t.first[kids]; ch != none; ch = t.next[ch] {
		b = t.appendWire(b, ch)
	}
	return append(b, ')')
}

// referenceThreader runs the REFERENCES algorithm on d.
func referenceThreader(d *ThreadData) *threader {
	n := len(d.Num)
	t := &threader{d: d}
	capacity := int(d.IDs) + n/4 + 2
	t.msg = make([]int32, d.IDs, capacity)
	t.parent = make([]int32, d.IDs, capacity)
	t.first = make([]int32, d.IDs, capacity)
	t.last = make([]int32, d.IDs, capacity)
	t.next = make([]int32, d.IDs, capacity)
	t.prv = make([]int32, d.IDs, capacity)
	for _, s := range [][]int32{t.msg, t.parent, t.first, t.last, t.next, t.prv} {
		for k := range s {
			s[k] = none
		}
	}
	for i := range n {
		// (1.A) The message's own container: its Message ID's, unless
		// an earlier message has that ID (then a unique one).
		self := int32(none)
		if id := d.MessageID[i]; id >= 0 && id < d.IDs && t.msg[id] == none {
			self = id
			t.msg[id] = int32(i)
		}
		if self == none {
			self = t.newContainer(int32(i))
		}
		prev := int32(none)
		for _, c := range d.Refs[i] {
			if c < 0 || c >= d.IDs {
				continue
			}
			// Keep an existing parent (the References header may have
			// been truncated); never create a loop.
			if prev != none && t.parent[c] == none && !t.wouldLoop(prev, c) {
				t.link(prev, c)
			}
			prev = c
		}
		// (1.B) The last reference is the parent: break an older link.
		t.unlink(self)
		if prev != none && !t.wouldLoop(prev, self) {
			t.link(prev, self)
		}
	}
	// (2) Every container without a parent goes under the root (IDs
	// never seen as a message or parent are empty dummies that step 3
	// would remove anyway).
	t.root = t.newContainer(none)
	for c := int32(0); c < t.root; c++ {
		if t.parent[c] == none && (t.msg[c] != none || t.first[c] != none) {
			t.link(t.root, c)
		}
	}
	// (3) Prune dummies.
	t.prune(t.root)
	// (4) Sort the top level by sent date (a dummy by its first child).
	var scratch []int32
	scratch = t.sortChildren(t.root, scratch, true)
	// (5) Gather threads with the same base subject.
	t.mergeSubjects()
	// (6) Sort every set of siblings, deepest first.
	t.sortTree(t.root, scratch)
	return t
}

// messageReferences returns the Message IDs of the References header,
// or else the first valid one of In-Reply-To (RFC 5256 §3).
func messageReferences(dst []string, m *SortMessage) []string {
	dst = appendMessageIDs(dst, m.References, -1)
	if len(dst) == 0 {
		return appendMessageIDs(dst, m.InReplyTo, 1)
	}
	if len(dst) > MaxThreadReferences {
		keep := dst[len(dst)-(MaxThreadReferences-1):]
		dst = append(dst[:1], keep...)
	}
	return dst
}

// prune removes dummies (RFC 5256 §3 REFERENCES step 3): a dummy without
// children goes; a dummy with children is replaced by them, except that
// at the top level only a dummy with a single child is. Children are
// pruned first, so a dummy left with one child after pruning is
// replaced too.
func (t *threader) prune(p int32) {
	for c := t.first[p]; c != none; {
		nextC := t.next[c]
		if t.first[c] != none {
			t.prune(c)
		}
		if t.msg[c] == none {
			switch {
			case t.first[c] == none:
				t.unlink(c)
			case p != t.root || t.first[c] == t.last[c]:
				t.promote(c)
			}
		}
		c = nextC
	}
}

// promote puts the children of c in its place among its siblings and
// removes c.
func (t *threader) promote(c int32) {
	p := t.parent[c]
	before := t.prv[c]
	after := t.next[c]
	f, l := t.first[c], t.last[c]
	for k := f; k != none; k = t.next[k] {
		t.parent[k] = p
	}
	t.prv[f] = before
	if before == none {
		t.first[p] = f
	} else {
		t.next[before] = f
	}
	t.next[l] = after
	if after == none {
		t.last[p] = l
	} else {
		t.prv[after] = l
	}
	t.first[c], t.last[c] = none, none
	t.parent[c], t.next[c], t.prv[c] = none, none, none
}

// sortMsg is the message that stands for container c in date order: c
// itself, or a dummy's first child.
func (t *threader) sortMsg(c int32) int32 {
	if t.msg[c] == none && t.first[c] != none {
		c = t.first[c]
	}
	return t.msg[c]
}

func (t *threader) compareSent(a, b int32) int {
	i, j := t.sortMsg(a), t.sortMsg(b)
	if i < 0 || j < 0 {
		return cmp.Compare(i, j)
	}
	if r := cmp.Compare(t.d.Date[i], t.d.Date[j]); r != 0 {
		return r
	}
	return cmp.Compare(i, j)
}

// sortChildren sorts the children of p by sent date. With dummies, their
// own children are sorted first (step 4).
func (t *threader) sortChildren(p int32, scratch []int32, dummies bool) []int32 {
	start := len(scratch)
	for c := t.first[p]; c != none; c = t.next[c] {
		scratch = append(scratch, c)
	}
	if dummies {
		for _, c := range scratch[start:] {
			if t.msg[c] == none {
				scratch = t.sortChildren(c, scratch, false)
			}
		}
	}
	list := scratch[start:]
	slices.SortFunc(list, t.compareSent)
	t.relink(p, list)
	return scratch[:start]
}

// relink makes list the children of p, in that order.
func (t *threader) relink(p int32, list []int32) {
	t.first[p], t.last[p] = none, none
	for _, c := range list {
		t.parent[c] = none
		t.link(p, c)
	}
}

// sortTree sorts every set of siblings below p, children before parents
// (step 6), so that a dummy sorts by its already sorted first child.
func (t *threader) sortTree(p int32, scratch []int32) []int32 {
	start := len(scratch)
	for c := t.first[p]; c != none; c = t.next[c] {
		scratch = append(scratch, c)
	}
	end := len(scratch)
	for k := start; k < end; k++ {
		if c := scratch[k]; t.first[c] != none {
			scratch = t.sortTree(c, scratch)
		}
	}
	list := scratch[start:end]
	slices.SortFunc(list, t.compareSent)
	t.relink(p, list)
	return scratch[:start]
}

func (t *threader) isReply(c int32) bool {
	return t.msg[c] != none && t.d.Reply[t.msg[c]]
}

// mergeSubjects is step 5: top-level threads with the same base subject
// are gathered under one parent. Subjects are compared as numbers
// (ThreadData.SubjectID, or numbered here with one map lookup per
// top-level thread), so the table is a slice.
func (t *threader) mergeSubjects() {
	var roots, subj []int32
	var local map[string]int32
	nSubj := t.d.Subjects
	if t.d.SubjectID == nil {
		local = make(map[string]int32)
		nSubj = 0
	}
	for c := t.first[t.root]; c != none; c = t.next[c] {
		roots = append(roots, c)
		s := int32(none)
		if m := t.sortMsg(c); m >= 0 && t.d.Subject[m] != "" {
			if local == nil {
				s = t.d.SubjectID[m]
			} else if k, ok := local[t.d.Subject[m]]; ok {
				s = k
			} else {
				s = nSubj
				local[t.d.Subject[m]] = s
				nSubj++
			}
		}
		subj = append(subj, s)
	}
	// (5.B) One container per base subject.
	table := make([]int32, nSubj)
	for k := range table {
		table[k] = none
	}
	for k, c := range roots {
		s := subj[k]
		if s < 0 || s >= nSubj {
			continue
		}
		old := table[s]
		if old == none {
			table[s] = c
			continue
		}
		if t.msg[old] != none && (t.msg[c] == none || (t.isReply(old) && !t.isReply(c))) {
			table[s] = c
		}
	}
	// (5.C) Merge. roots[k] = none marks a container that left the top
	// level; a new dummy takes the place of the container it adopts.
	pos := make([]int32, len(t.msg), len(t.msg)+len(roots)/4+1)
	for k, c := range roots {
		pos[c] = int32(k)
	}
	for k := 0; k < len(roots); k++ {
		c := roots[k]
		s := subj[k]
		if c == none || s < 0 || s >= nSubj {
			continue
		}
		old := table[s]
		if old == c {
			continue
		}
		switch {
		case t.msg[old] == none && t.msg[c] == none:
			// Both dummies: c's children join old's.
			for ch := t.first[c]; ch != none; {
				nx := t.next[ch]
				t.unlink(ch)
				t.link(old, ch)
				ch = nx
			}
			t.unlink(c)
			roots[k] = none
		case t.msg[old] == none, t.isReply(c) && !t.isReply(old):
			t.unlink(c)
			t.link(old, c)
			roots[k] = none
		default:
			d := t.newContainer(none)
			pk := pos[old]
			t.unlink(old)
			t.unlink(c)
			t.link(d, old)
			t.link(d, c)
			roots[pk] = d
			pos = append(pos, pk) // pos[d]
			roots[k] = none
			table[s] = d
		}
	}
	// Rebuild the top level from roots.
	t.first[t.root], t.last[t.root] = none, none
	for _, c := range roots {
		if c != none {
			t.parent[c] = none
			t.link(t.root, c)
		}
	}
}

// result converts the container tree into Threads.
func (t *threader) result() []*Thread {
	var out []*Thread
	for c := t.first[t.root]; c != none; c = t.next[c] {
		out = append(out, t.thread(c))
	}
	return out
}

func (t *threader) thread(c int32) *Thread {
	if t.msg[c] == none {
		if t.first[c] != none && t.first[c] == t.last[c] {
			return t.thread(t.first[c]) // cannot happen after pruning
		}
		th := &Thread{}
		for ch := t.first[c]; ch != none; ch = t.next[ch] {
			th.Children = append(th.Children, t.thread(ch))
		}
		return th
	}
	th := &Thread{}
	for {
		th.Chain = append(th.Chain, t.d.Num[t.msg[c]])
		f := t.first[c]
		if f == none {
			return th
		}
		if f != t.last[c] || t.msg[f] == none {
			break
		}
		c = f
	}
	for ch := t.first[c]; ch != none; ch = t.next[ch] {
		th.Children = append(th.Children, t.thread(ch))
	}
	return th
}

// firstMessageID returns the first valid Message ID in s.
func firstMessageID(s string) (string, bool) {
	var buf [1]string
	ids := appendMessageIDs(buf[:0], s, 1)
	if len(ids) == 0 {
		return "", false
	}
	return ids[0], true
}

// appendMessageIDs appends the valid msg-ids of s (at most max if max >
// 0), normalised: angle brackets, white space, comments and quoting
// removed, so that <"01KF8JCEOCBS0045PS"@xxx.yyy.com> and
// <01KF8JCEOCBS0045PS@xxx.yyy.com> are the same ID (RFC 5256 §3,
// REFERENCES, a MUST). Comparison stays
// case-sensitive. A valid ID has a non-empty left and right part around
// "@".
func appendMessageIDs(dst []string, s string, max int) []string {
	for i := 0; i < len(s); {
		if max > 0 && len(dst) >= max {
			break
		}
		switch s[i] {
		case '(':
			i = skipComment(s, i)
			continue
		case '"':
			// A quoted string outside <...> is not an ID; skip it.
			i = skipQuoted(s, i)
			continue
		case '<':
		default:
			i++
			continue
		}
		id, end, ok := parseMsgID(s, i)
		i = end
		if ok {
			dst = append(dst, id)
		}
	}
	return dst
}

// parseMsgID parses "<" ... ">" at s[i]. It returns the normalised ID and
// the index after the ID (or after the "<" if it is not one).
func parseMsgID(s string, i int) (id string, end int, ok bool) {
	j := i + 1
	var b []byte
	clean := true // s[i+1:j] is already the normalised form
	for j < len(s) {
		c := s[j]
		switch {
		case c == '>':
			var out string
			if clean {
				out = s[i+1 : j]
			} else {
				out = string(b)
			}
			at := strings.IndexByte(out, '@')
			if at <= 0 || at == len(out)-1 || len(out) > 998 {
				return "", j + 1, false
			}
			return out, j + 1, true
		case c == '<':
			return "", j, false // a new ID starts: this one was broken
		case c == '"', c == '(', c == ' ', c == '\t', c == '\r', c == '\n', c == '\\':
			if clean {
				b = append(b, s[i+1:j]...)
				clean = false
			}
			switch c {
			case '"':
				k := j + 1
				for k < len(s) && s[k] != '"' {
					if s[k] == '\\' && k+1 < len(s) {
						k++
					}
					b = append(b, s[k])
					k++
				}
				j = k + 1
			case '(':
				j = skipComment(s, j)
			case '\\':
				if j+1 < len(s) {
					b = append(b, s[j+1])
				}
				j += 2
			default:
				j++
			}
		default:
			if !clean {
				b = append(b, c)
			}
			j++
		}
	}
	return "", len(s), false
}

func skipComment(s string, i int) int {
	depth := 0
	for ; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return len(s)
}

func skipQuoted(s string, i int) int {
	for i++; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(s)
}

// AppendThreads appends the wire form of a THREAD response's data (RFC
// 5256 §4): "(2)(3 6 (4 23)(44 7 96))" for example.
func AppendThreads(b []byte, threads []*Thread) []byte {
	for _, th := range threads {
		b = appendThread(b, th)
	}
	return b
}

func appendThread(b []byte, th *Thread) []byte {
	for len(th.Chain) == 0 && len(th.Children) == 1 {
		th = th.Children[0] // a dummy with one child is that child
	}
	b = append(b, '(')
	for k, n := range th.Chain {
		if k > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendUint(b, uint64(n), 10)
	}
	switch {
	case len(th.Children) == 1 && len(th.Chain) > 0:
		// A single child continues the chain (thread-nested needs two).
		b = append(b, ' ')
		inner := appendThread(nil, th.Children[0])
		b = append(b, inner[1:len(inner)-1]...)
	case len(th.Children) > 0:
		if len(th.Chain) > 0 {
			b = append(b, ' ')
		}
		for _, ch := range th.Children {
			b = appendThread(b, ch)
		}
	}
	return append(b, ')')
}

// FormatThreads returns the wire form of threads (see AppendThreads).
func FormatThreads(threads []*Thread) string { return string(AppendThreads(nil, threads)) }

// MaxThreadDepth bounds the nesting ParseThreads accepts.
const MaxThreadDepth = 10000

// ParseThreads parses the data of a THREAD response (RFC 5256 §4,
// thread-data without "THREAD"): zero or more thread-lists. Nesting
// deeper than MaxThreadDepth is an error.
func ParseThreads(s string) ([]*Thread, error) {
	p := threadParser{s: s}
	var out []*Thread
	for {
		for p.i < len(p.s) && p.s[p.i] == ' ' {
			p.i++
		}
		if p.i >= len(p.s) {
			return out, nil
		}
		th, err := p.list(0)
		if err != nil {
			return nil, err
		}
		out = append(out, th)
	}
}

type threadParser struct {
	s string
	i int
}

type threadSyntaxError struct {
	at  int
	msg string
}

func (e *threadSyntaxError) Error() string {
	return "imap: THREAD data: " + e.msg + " at offset " + strconv.Itoa(e.at)
}

// list parses "(" (thread-members / thread-nested) ")".
func (p *threadParser) list(depth int) (*Thread, error) {
	if depth > MaxThreadDepth {
		return nil, &threadSyntaxError{p.i, "nesting too deep"}
	}
	if p.i >= len(p.s) || p.s[p.i] != '(' {
		return nil, &threadSyntaxError{p.i, "expected '('"}
	}
	p.i++
	th := &Thread{}
	for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		start := p.i
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
		}
		n, err := strconv.ParseUint(p.s[start:p.i], 10, 32)
		if err != nil || n == 0 {
			return nil, &threadSyntaxError{start, "bad message number"}
		}
		th.Chain = append(th.Chain, uint32(n))
		if p.i < len(p.s) && p.s[p.i] == ' ' {
			p.i++
		}
	}
	for p.i < len(p.s) && p.s[p.i] == '(' {
		ch, err := p.list(depth + 1)
		if err != nil {
			return nil, err
		}
		th.Children = append(th.Children, ch)
		for p.i < len(p.s) && p.s[p.i] == ' ' { // lenient: "(1 (2) (3))"
			p.i++
		}
	}
	if p.i >= len(p.s) || p.s[p.i] != ')' {
		return nil, &threadSyntaxError{p.i, "expected ')'"}
	}
	p.i++
	if len(th.Chain) == 0 && len(th.Children) == 0 {
		return nil, &threadSyntaxError{p.i, "empty thread"}
	}
	return th, nil
}

// ThreadMessages threads msgs with the named algorithm (RFC 5256 §3);
// ok is false for an algorithm it does not know.
func ThreadMessages(alg ThreadAlgorithm, msgs []SortMessage) (threads []*Thread, ok bool) {
	switch alg {
	case ThreadOrderedSubject:
		return OrderedSubjectThreads(msgs), true
	case ThreadReferences:
		return ReferenceThreads(msgs), true
	}
	return nil, false
}
