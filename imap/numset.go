package imap

import (
	"errors"
	"iter"
	"slices"
	"strconv"
)

// NumRange is a range of message numbers Start:Stop. A zero value in
// Start or Stop stands for "*", the largest number in use (RFC 9051 §9
// seq-number). Ranges produced by parsing are normalised so that
// Start <= Stop, with "*" ordered last ("*:4" becomes 4:*).
type NumRange struct {
	Start, Stop uint32
}

// searchResNum marks the "$" SEARCHRES reference (RFC 5182, RFC 9051 §6.4.4.1).
// UID and sequence numbers never reach 2^32-1 in practice; sets that
// contain only this number are the SEARCHRES marker.
const searchResNum = ^uint32(0)

// Contains reports whether n is in the range. A "*" bound is treated as
// unbounded; call NumSet.Resolve first to get the exact meaning for a mailbox.
func (r NumRange) Contains(n uint32) bool {
	if n == 0 {
		return false
	}
	lo, hi := r.Start, r.Stop
	if lo == 0 {
		lo, hi = hi, lo
	}
	if lo == 0 { // "*"
		return true
	}
	return n >= lo && (hi == 0 || n <= hi)
}

func (r NumRange) dynamic() bool { return r.Start == 0 || r.Stop == 0 }

func (r NumRange) appendTo(b []byte) []byte {
	b = appendNum(b, r.Start)
	if r.Start != r.Stop {
		b = append(b, ':')
		b = appendNum(b, r.Stop)
	}
	return b
}

func appendNum(b []byte, n uint32) []byte {
	if n == 0 {
		return append(b, '*')
	}
	return strconv.AppendUint(b, uint64(n), 10)
}

// NumSet is a set of message numbers: a SeqSet or a UIDSet.
type NumSet interface {
	// String returns the IMAP wire form, for example "1:3,5,7:*" or "$".
	String() string
	// AppendTo appends the wire form to b.
	AppendTo(b []byte) []byte
	// Dynamic reports whether the set uses "*" and so depends on the mailbox.
	Dynamic() bool
	// IsSearchRes reports whether the set is the "$" SEARCHRES reference.
	IsSearchRes() bool
	// Ranges returns the ranges of the set (nil for "$").
	Ranges() []NumRange
}

// SeqSet is a set of message sequence numbers.
type SeqSet []NumRange

// UIDSet is a set of UIDs.
type UIDSet []NumRange

var (
	_ NumSet = SeqSet(nil)
	_ NumSet = UIDSet(nil)
)

// SearchRes returns the "$" marker, a reference to the result of the last
// SEARCH ... RETURN (SAVE) (RFC 5182, RFC 9051 §6.4.4.1). Resolve it against
// the saved result before use.
func SearchRes() SeqSet { return SeqSet{{searchResNum, searchResNum}} }

// SearchResUID returns the "$" marker used in a UID command.
func SearchResUID() UIDSet { return UIDSet{{searchResNum, searchResNum}} }

// SeqSetNum returns a set of the given numbers.
func SeqSetNum(nums ...uint32) SeqSet { return SeqSet(rangesOf(nums)) }

// UIDSetNum returns a set of the given UIDs.
func UIDSetNum(uids ...uint32) UIDSet { return UIDSet(rangesOf(uids)) }

func rangesOf(nums []uint32) []NumRange {
	var s []NumRange
	for _, n := range nums {
		s = addRange(s, n, n)
	}
	return s
}

// ParseSeqSet parses a sequence-set (RFC 9051 §9), or "$".
func ParseSeqSet(s string) (SeqSet, error) {
	r, err := parseNumSet(s)
	return SeqSet(r), err
}

// ParseUIDSet parses a UID set in sequence-set syntax (RFC 9051 §9), or "$".
func ParseUIDSet(s string) (UIDSet, error) {
	r, err := parseNumSet(s)
	return UIDSet(r), err
}

// ErrBadNumSet is returned (wrapped) for malformed number sets.
var ErrBadNumSet = errors.New("imap: malformed sequence set")

// maxNumSetRanges bounds the ranges of one parsed set, so that a hostile
// command line cannot build a huge slice. A command line is itself bounded,
// so this only needs to exceed what a line can hold.
const maxNumSetRanges = 1 << 16

func parseNumSet(s string) ([]NumRange, error) {
	if s == "$" {
		return []NumRange{{searchResNum, searchResNum}}, nil
	}
	if s == "" {
		return nil, ErrBadNumSet
	}
	out := make([]NumRange, 0, 1+countByte(s, ','))
	for len(s) > 0 {
		var r NumRange
		var err error
		r.Start, s, err = parseSeqNumber(s)
		if err != nil {
			return nil, err
		}
		r.Stop = r.Start
		if len(s) > 0 && s[0] == ':' {
			r.Stop, s, err = parseSeqNumber(s[1:])
			if err != nil {
				return nil, err
			}
		}
		if len(s) > 0 {
			if s[0] != ',' || len(s) == 1 {
				return nil, ErrBadNumSet
			}
			s = s[1:]
		}
		if (r.Stop != 0 && r.Start > r.Stop) || r.Start == 0 && r.Stop != 0 {
			r.Start, r.Stop = r.Stop, r.Start
		}
		if len(out) >= maxNumSetRanges {
			return nil, ErrBadNumSet
		}
		out = append(out, r)
	}
	return out, nil
}

func countByte(s string, c byte) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n++
		}
	}
	return n
}

// parseSeqNumber parses nz-number / "*" (RFC 9051 §9 seq-number).
func parseSeqNumber(s string) (uint32, string, error) {
	if len(s) > 0 && s[0] == '*' {
		return 0, s[1:], nil
	}
	i := 0
	var n uint64
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		n = n*10 + uint64(s[i]-'0')
		if n > 0xffffffff {
			return 0, "", ErrBadNumSet
		}
		i++
	}
	if i == 0 || s[0] == '0' { // nz-number has no leading zero
		return 0, "", ErrBadNumSet
	}
	return uint32(n), s[i:], nil
}

// --- shared implementation over []NumRange ---

func numsString(r []NumRange) string { return string(numsAppend(nil, r)) }

func numsAppend(b []byte, r []NumRange) []byte {
	if numsIsSearchRes(r) {
		return append(b, '$')
	}
	for i, x := range r {
		if i > 0 {
			b = append(b, ',')
		}
		b = x.appendTo(b)
	}
	return b
}

func numsIsSearchRes(r []NumRange) bool {
	return len(r) == 1 && r[0].Start == searchResNum && r[0].Stop == searchResNum
}

func numsDynamic(r []NumRange) bool {
	for _, x := range r {
		if x.dynamic() {
			return true
		}
	}
	return false
}

func numsContains(r []NumRange, n uint32) bool {
	for _, x := range r {
		if x.Contains(n) {
			return true
		}
	}
	return false
}

// numsResolve replaces "*" with max and returns sorted, merged, static
// ranges; ranges wholly above max are dropped (RFC 9051 §6.4.8: a UID
// range whose start is above the largest UID still includes that UID
// when written n:*; that case is handled because "*" becomes max).
func numsResolve(r []NumRange, max uint32) []NumRange {
	out := make([]NumRange, 0, len(r))
	for _, x := range r {
		lo, hi := x.Start, x.Stop
		if lo == 0 {
			lo = max
		}
		if hi == 0 {
			hi = max
		}
		if lo > hi {
			lo, hi = hi, lo
		}
		if lo == 0 || lo > max {
			continue
		}
		if hi > max {
			hi = max
		}
		out = append(out, NumRange{lo, hi})
	}
	return numsNormalize(out)
}

// numsNormalize sorts static ranges and merges overlapping or adjacent ones.
func numsNormalize(r []NumRange) []NumRange {
	if len(r) <= 1 {
		return r
	}
	slices.SortFunc(r, func(a, b NumRange) int {
		if a.Start != b.Start {
			if a.Start < b.Start {
				return -1
			}
			return 1
		}
		return 0
	})
	out := r[:1]
	for _, x := range r[1:] {
		last := &out[len(out)-1]
		if uint64(x.Start) <= uint64(last.Stop)+1 {
			if x.Stop > last.Stop {
				last.Stop = x.Stop
			}
			continue
		}
		out = append(out, x)
	}
	return out
}

// addRange adds lo:hi (static) keeping the slice sorted and merged when
// numbers are added in increasing order (the common case); otherwise it
// appends and the caller's set stays valid but unmerged.
func addRange(s []NumRange, lo, hi uint32) []NumRange {
	if n := len(s); n > 0 {
		last := &s[n-1]
		if last.Start != 0 && last.Stop != 0 && lo >= last.Start && uint64(lo) <= uint64(last.Stop)+1 {
			if hi > last.Stop {
				last.Stop = hi
			}
			return s
		}
	}
	return append(s, NumRange{lo, hi})
}

func numsAll(r []NumRange) iter.Seq[uint32] {
	return func(yield func(uint32) bool) {
		for _, x := range r {
			if x.dynamic() || numsIsSearchRes(r) {
				return
			}
			lo, hi := x.Start, x.Stop
			if lo > hi {
				lo, hi = hi, lo
			}
			for n := lo; ; n++ {
				if !yield(n) {
					return
				}
				if n == hi {
					break
				}
			}
		}
	}
}

func numsCount(r []NumRange) (n uint64) {
	for _, x := range r {
		if x.dynamic() {
			return 0
		}
		lo, hi := x.Start, x.Stop
		if lo > hi {
			lo, hi = hi, lo
		}
		n += uint64(hi-lo) + 1
	}
	return n
}

// --- SeqSet methods ---

func (s SeqSet) String() string            { return numsString(s) }
func (s SeqSet) AppendTo(b []byte) []byte  { return numsAppend(b, s) }
func (s SeqSet) Dynamic() bool             { return numsDynamic(s) }
func (s SeqSet) IsSearchRes() bool         { return numsIsSearchRes(s) }
func (s SeqSet) Ranges() []NumRange        { return s }
func (s SeqSet) Contains(n uint32) bool    { return numsContains(s, n) }
func (s SeqSet) Resolve(max uint32) SeqSet { return numsResolve(s, max) }

// AddNum adds numbers to the set.
func (s *SeqSet) AddNum(nums ...uint32) {
	for _, n := range nums {
		*s = addRange(*s, n, n)
	}
}

// AddRange adds start:stop (0 for "*").
func (s *SeqSet) AddRange(start, stop uint32) { *s = append(*s, NumRange{start, stop}) }

// All iterates over the numbers of a static set in range order. It yields
// nothing for "*" ranges or "$": Resolve the set first.
func (s SeqSet) All() iter.Seq[uint32] { return numsAll(s) }

// Count returns how many numbers a static set holds (0 if dynamic).
func (s SeqSet) Count() uint64 { return numsCount(s) }

// --- UIDSet methods ---

func (s UIDSet) String() string            { return numsString(s) }
func (s UIDSet) AppendTo(b []byte) []byte  { return numsAppend(b, s) }
func (s UIDSet) Dynamic() bool             { return numsDynamic(s) }
func (s UIDSet) IsSearchRes() bool         { return numsIsSearchRes(s) }
func (s UIDSet) Ranges() []NumRange        { return s }
func (s UIDSet) Contains(n uint32) bool    { return numsContains(s, n) }
func (s UIDSet) Resolve(max uint32) UIDSet { return numsResolve(s, max) }

// AddNum adds UIDs to the set.
func (s *UIDSet) AddNum(uids ...uint32) {
	for _, n := range uids {
		*s = addRange(*s, n, n)
	}
}

// AddRange adds start:stop (0 for "*").
func (s *UIDSet) AddRange(start, stop uint32) { *s = append(*s, NumRange{start, stop}) }

// All iterates over the UIDs of a static set. It yields nothing for "*"
// ranges or "$": Resolve the set first.
func (s UIDSet) All() iter.Seq[uint32] { return numsAll(s) }

// Count returns how many UIDs a static set holds (0 if dynamic).
func (s UIDSet) Count() uint64 { return numsCount(s) }
