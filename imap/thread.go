package imap

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
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
		subj[i] = CollationKey(BaseSubject(msgs[i].Subject))
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

// threader holds the container forest of the REFERENCES algorithm as
// parallel slices indexed by container number: no pointer per node, and
// sibling lists doubly linked so that unlinking is O(1).
type threader struct {
	msgs []SortMessage
	// per container
	msg                            []int32 // message index, or none for a dummy
	parent, first, last, next, prv []int32
	// per message
	date    []int64
	subject []string // collation key of the base subject
	reply   []bool   // base-subject extraction saw Re:/Fwd:/(fwd)/[fwd:]
	ids     map[string]int32
	root    int32
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

// container returns the container of a Message ID, creating a dummy.
func (t *threader) container(id string) int32 {
	if c, ok := t.ids[id]; ok {
		return c
	}
	c := t.newContainer(none)
	t.ids[id] = c
	return c
}

// ReferenceThreads threads messages by the REFERENCES algorithm of RFC
// 5256 §3: parent/child links from References (or the first Message ID
// of In-Reply-To), dummy parents for missing messages, no loops, the
// first of several messages with one Message ID keeps it, dummies
// pruned, threads with the same base subject gathered, and every set of
// siblings sorted by sent date. Every message appears exactly once in
// the result.
func ReferenceThreads(msgs []SortMessage) []*Thread {
	n := len(msgs)
	t := &threader{
		msgs:    msgs,
		date:    sentDateKeys(msgs),
		subject: make([]string, n),
		reply:   make([]bool, n),
		ids:     make(map[string]int32, n),
	}
	capacity := n + n/4 + 1
	t.msg = make([]int32, 0, capacity)
	t.parent = make([]int32, 0, capacity)
	t.first = make([]int32, 0, capacity)
	t.last = make([]int32, 0, capacity)
	t.next = make([]int32, 0, capacity)
	t.prv = make([]int32, 0, capacity)
	var refs []string
	for i := range msgs {
		m := &msgs[i]
		base, reply := baseSubject(m.Subject)
		t.subject[i] = CollationKey(base)
		t.reply[i] = reply

		// (1.A) The message's own container: its Message ID's, unless
		// an earlier message has that ID (then a unique one).
		var self int32 = none
		if id, ok := firstMessageID(m.MessageID); ok {
			if c, ok := t.ids[id]; ok {
				if t.msg[c] == none {
					self = c
					t.msg[c] = int32(i)
				}
			} else {
				self = t.newContainer(int32(i))
				t.ids[id] = self
			}
		}
		if self == none {
			self = t.newContainer(int32(i))
		}
		refs = messageReferences(refs[:0], m)
		prev := int32(none)
		for _, r := range refs {
			c := t.container(r)
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
	// (2) Every container without a parent goes under the root.
	t.root = t.newContainer(none)
	for c := int32(0); c < t.root; c++ {
		if t.parent[c] == none {
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
	return t.result()
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
	if r := cmp.Compare(t.date[i], t.date[j]); r != 0 {
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

// threadSubject is the base subject of a top-level container: its own,
// or its first child's for a dummy (step 5.B.i).
func (t *threader) threadSubject(c int32) string {
	m := t.sortMsg(c)
	if m < 0 {
		return ""
	}
	return t.subject[m]
}

func (t *threader) isReply(c int32) bool {
	return t.msg[c] != none && t.reply[t.msg[c]]
}

// mergeSubjects is step 5: top-level threads with the same base subject
// are gathered under one parent.
func (t *threader) mergeSubjects() {
	var roots []int32
	for c := t.first[t.root]; c != none; c = t.next[c] {
		roots = append(roots, c)
	}
	// (5.B) One container per base subject.
	table := make(map[string]int32)
	for _, c := range roots {
		s := t.threadSubject(c)
		if s == "" {
			continue
		}
		old, ok := table[s]
		if !ok {
			table[s] = c
			continue
		}
		if t.msg[old] != none && (t.msg[c] == none || (t.isReply(old) && !t.isReply(c))) {
			table[s] = c
		}
	}
	// (5.C) Merge. roots[k] = none marks a container that left the top
	// level; a new dummy takes the place of the container it adopts.
	pos := make(map[int32]int, len(roots))
	for k, c := range roots {
		pos[c] = k
	}
	for k := 0; k < len(roots); k++ {
		c := roots[k]
		if c == none {
			continue
		}
		s := t.threadSubject(c)
		if s == "" {
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
			pos[d] = pk
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
		th.Chain = append(th.Chain, t.msgs[t.msg[c]].Num)
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
