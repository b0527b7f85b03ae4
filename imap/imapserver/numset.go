package imapserver

import "sort"

// numRange is one element of a sequence set; 0 stands for "*".
type numRange struct{ lo, hi uint32 }

// numSet is a parsed sequence-set (RFC 9051 §9), or "$" (SEARCHRES,
// RFC 5182) when saved is true.
type numSet struct {
	ranges []numRange
	saved  bool
}

func (c *conn) seqNum() uint32 {
	if c.peek() == '*' {
		c.pos++
		return 0
	}
	return c.nzNumber()
}

// numSet parses a sequence set.
func (c *conn) numSet() numSet {
	if c.peek() == '$' {
		c.pos++
		return numSet{saved: true}
	}
	var s numSet
	for {
		lo := c.seqNum()
		hi := lo
		if c.peek() == ':' {
			c.pos++
			hi = c.seqNum()
		}
		s.ranges = append(s.ranges, numRange{lo, hi})
		if len(s.ranges) > 100000 {
			c.fail("Sequence set too long")
		}
		if c.peek() != ',' {
			break
		}
		c.pos++
	}
	return s
}

// isNumSetStart reports whether the next token looks like a sequence set.
func (c *conn) isNumSetStart() bool {
	b := c.peek()
	return b == '*' || b == '$' || (b >= '1' && b <= '9')
}

// resolveSeq returns the view indexes (0-based, ascending, unique) that a
// set names. Sequence numbers beyond the view are an error (ok false).
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
		for _, r := range s.ranges {
			lo, hi := r.lo, r.hi
			if lo == 0 {
				lo = uint32(n)
			}
			if hi == 0 {
				hi = uint32(n)
			}
			if lo > hi {
				lo, hi = hi, lo
			}
			if hi > uint32(n) {
				return nil, false
			}
			for i := lo; i <= hi; i++ {
				idx = append(idx, int(i-1))
			}
		}
		return normalizeIdx(idx), true
	}
	if n == 0 {
		return nil, true
	}
	last := v.uids[n-1]
	for _, r := range s.ranges {
		lo, hi := r.lo, r.hi
		if lo == 0 {
			lo = last
		}
		if hi == 0 {
			hi = last
		}
		if lo > hi {
			lo, hi = hi, lo
		}
		i := sort.Search(n, func(k int) bool { return v.uids[k] >= lo })
		for ; i < n && v.uids[i] <= hi; i++ {
			idx = append(idx, i)
		}
	}
	return normalizeIdx(idx), true
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
