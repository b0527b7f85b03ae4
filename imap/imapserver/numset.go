package imapserver

import (
	"sort"

	"github.com/mailwire/mailwire/imap"
)

// numSet is a parsed sequence-set (RFC 9051 §9), or "$" (SEARCHRES,
// RFC 5182) when saved is true. Parsing and "*" resolution are package
// imap's (imap.SeqSet). ranges repeats set's ranges only for fetch.go
// (UID FETCH VANISHED) and cmd_select.go (QRESYNC known UIDs), which walk
// lo/hi themselves; once they read set, ranges and numRange can go.
type numSet struct {
	set    imap.SeqSet
	ranges []numRange
	saved  bool
}

// numRange is one element of a sequence set; 0 stands for "*".
type numRange struct{ lo, hi uint32 }

// isSeqSetChar reports whether b can occur in a sequence-set.
func isSeqSetChar(b byte) bool {
	return b >= '0' && b <= '9' || b == '*' || b == ':' || b == ','
}

// numSet reads a sequence set with imap.ParseSeqSet: the longest run of
// sequence-set characters, or a lone "$".
func (c *conn) numSet() numSet {
	if c.peek() == '$' {
		c.pos++
		return numSet{saved: true}
	}
	start := c.pos
	for c.pos < len(c.line) && isSeqSetChar(c.line[c.pos]) {
		c.pos++
	}
	set, err := imap.ParseSeqSet(string(c.line[start:c.pos]))
	if err != nil {
		c.fail("Invalid sequence set")
	}
	s := numSet{set: set, ranges: make([]numRange, len(set))}
	for i, r := range set {
		s.ranges[i] = numRange{r.Start, r.Stop}
	}
	return s
}

// isNumSetStart reports whether the next token looks like a sequence set.
func (c *conn) isNumSetStart() bool {
	b := c.peek()
	return b == '*' || b == '$' || (b >= '1' && b <= '9')
}

// resolve returns the view indexes (0-based, ascending, unique) that a set
// names. Sequence numbers beyond the view are an error (ok false); UIDs
// that no message has are not (RFC 9051 §6.4.8).
func (v *view) resolve(s numSet, uid bool, saved []uint32) (idx []int, ok bool) {
	n := len(v.uids)
	if s.saved {
		// $ holds UIDs (RFC 5182 §2.1); messages since expunged vanish.
		for _, u := range saved {
			if i, found := v.find(u); found {
				idx = append(idx, i)
			}
		}
		return idx, true
	}
	if !uid {
		if n == 0 {
			return nil, false
		}
		for _, r := range s.set {
			if r.Start > uint32(n) || r.Stop > uint32(n) {
				return nil, false
			}
		}
		for _, r := range s.set.Resolve(uint32(n)) {
			for i := r.Start; i <= r.Stop; i++ {
				idx = append(idx, int(i-1))
			}
		}
		return idx, true
	}
	if n == 0 {
		return nil, true
	}
	for _, r := range s.set.Resolve(v.uids[n-1]) {
		i := sort.Search(n, func(k int) bool { return v.uids[k] >= r.Start })
		for ; i < n && v.uids[i] <= r.Stop; i++ {
			idx = append(idx, i)
		}
	}
	return idx, true
}

func normalizeIdx(idx []int) []int {
	sorted := true
	for i := 1; i < len(idx); i++ {
		if idx[i] <= idx[i-1] {
			sorted = false
			break
		}
	}
	if sorted {
		return idx
	}
	sort.Ints(idx)
	out := idx[:0]
	for i, x := range idx {
		if i == 0 || x != idx[i-1] {
			out = append(out, x)
		}
	}
	return out
}

// appendNumSet formats ascending numbers compactly: "1:3,7,9:10".
func appendNumSet(b []byte, nums []uint32) []byte {
	for i := 0; i < len(nums); {
		j := i
		for j+1 < len(nums) && nums[j+1] == nums[j]+1 {
			j++
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = appendUint(b, uint64(nums[i]))
		if j > i {
			b = append(b, ':')
			b = appendUint(b, uint64(nums[j]))
		}
		i = j + 1
	}
	return b
}

func appendUint(b []byte, n uint64) []byte {
	if n < 10 {
		return append(b, byte('0'+n))
	}
	var tmp [20]byte
	i := len(tmp)
	for n > 0 {
		i--
		tmp[i] = byte('0' + n%10)
		n /= 10
	}
	return append(b, tmp[i:]...)
}
