package main

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Parsers for the few responses this tool checks: number sets (VANISHED),
// FETCH (UID FLAGS MODSEQ), response codes, SORT and THREAD.

// parseNumSet parses a sequence set of plain numbers ("1:3,7,9:10").
func parseNumSet(s string) ([]uint32, error) {
	var out []uint32
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, ":")
		a, err := strconv.ParseUint(lo, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("bad number set %q", s)
		}
		b := a
		if isRange {
			if b, err = strconv.ParseUint(hi, 10, 32); err != nil {
				return nil, fmt.Errorf("bad number set %q", s)
			}
		}
		if a > b {
			a, b = b, a
		}
		if b-a > 10_000_000 {
			return nil, fmt.Errorf("number set range too large %q", s)
		}
		for n := a; n <= b; n++ {
			out = append(out, uint32(n))
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// formatNumSet writes sorted, distinct numbers as a compact set.
func formatNumSet(nums []uint32) string {
	var b strings.Builder
	for i := 0; i < len(nums); {
		j := i
		for j+1 < len(nums) && nums[j+1] == nums[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatUint(uint64(nums[i]), 10))
		if j > i {
			b.WriteByte(':')
			b.WriteString(strconv.FormatUint(uint64(nums[j]), 10))
		}
		i = j + 1
	}
	return b.String()
}

// parseVanished parses "* VANISHED [(EARLIER) ]set".
func parseVanished(l []byte) (earlier bool, uids []uint32, ok bool, err error) {
	rest, found := bytes.CutPrefix(l, []byte("* VANISHED "))
	if !found {
		return false, nil, false, nil
	}
	if r, e := bytes.CutPrefix(rest, []byte("(EARLIER) ")); e {
		earlier, rest = true, r
	}
	uids, err = parseNumSet(string(bytes.TrimSpace(rest)))
	return earlier, uids, true, err
}

// fetchResp is what this tool reads of a FETCH response.
type fetchResp struct {
	seq, uid uint32
	modseq   uint64
	flags    []string
}

// parseFetch parses "* n FETCH (... UID u ... FLAGS (...) ... MODSEQ (m))".
func parseFetch(l []byte) (fetchResp, bool) {
	var f fetchResp
	rest, ok := bytes.CutPrefix(l, []byte("* "))
	if !ok {
		return f, false
	}
	sp := bytes.IndexByte(rest, ' ')
	if sp <= 0 {
		return f, false
	}
	seq, err := strconv.ParseUint(string(rest[:sp]), 10, 32)
	if err != nil || !bytes.HasPrefix(rest[sp:], []byte(" FETCH (")) {
		return f, false
	}
	f.seq = uint32(seq)
	items := rest[sp+len(" FETCH ("):]
	for len(items) > 0 {
		items = bytes.TrimLeft(items, " ")
		sp := bytes.IndexByte(items, ' ')
		if sp < 0 {
			break
		}
		name := string(items[:sp])
		items = items[sp+1:]
		switch name {
		case "UID":
			n, rest := leadingNumber(items)
			f.uid, items = uint32(n), rest
		case "MODSEQ":
			if len(items) > 0 && items[0] == '(' {
				n, rest := leadingNumber(items[1:])
				f.modseq, items = n, bytes.TrimPrefix(rest, []byte(")"))
			}
		case "FLAGS":
			if len(items) > 0 && items[0] == '(' {
				end := bytes.IndexByte(items, ')')
				if end < 0 {
					return f, false
				}
				f.flags = strings.Fields(string(items[1:end]))
				items = items[end+1:]
			}
		default:
			return f, f.uid != 0 // items this tool does not ask for
		}
	}
	return f, true
}

func leadingNumber(b []byte) (uint64, []byte) {
	var n uint64
	i := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		n = n*10 + uint64(b[i]-'0')
		i++
	}
	return n, b[i:]
}

// respCode returns the number of response code name in "* OK [NAME n]".
func respCode(l []byte, name string) (uint64, bool) {
	i := bytes.Index(l, []byte("["+name+" "))
	if i < 0 {
		return 0, false
	}
	n, rest := leadingNumber(l[i+len(name)+2:])
	return n, len(rest) > 0 && rest[0] == ']'
}

// parseSort parses "* SORT n n n".
func parseSort(l []byte) ([]uint32, bool) {
	rest, ok := bytes.CutPrefix(l, []byte("* SORT"))
	if !ok {
		return nil, false
	}
	var out []uint32
	for _, f := range bytes.Fields(rest) {
		n, err := strconv.ParseUint(string(f), 10, 32)
		if err != nil {
			return nil, false
		}
		out = append(out, uint32(n))
	}
	return out, true
}

// threadSummary is what the tool compares of a THREAD response: the
// number of top-level threads and of messages, the deepest nesting, and
// each top-level thread in a canonical text form (RFC 5256 §4 fixes the
// order of threads and children, so equal results are equal strings).
type threadSummary struct {
	threads, messages, maxDepth int
	top                         []string
}

// parseThread parses "* THREAD (...)(...)...".
func parseThread(l []byte) (threadSummary, error) {
	var s threadSummary
	rest, ok := bytes.CutPrefix(l, []byte("* THREAD"))
	if !ok {
		return s, errors.New("not a THREAD response")
	}
	rest = bytes.TrimSpace(rest)
	for len(rest) > 0 {
		if rest[0] != '(' {
			return s, fmt.Errorf("THREAD: expected '(' at %q", trunc(rest))
		}
		var canon []byte
		n, err := parseThreadList(rest, &canon, 1, &s)
		if err != nil {
			return s, err
		}
		s.threads++
		s.top = append(s.top, string(canon))
		rest = bytes.TrimLeft(rest[n:], " ")
	}
	return s, nil
}

// parseThreadList parses one parenthesised thread at b[0] and returns the
// bytes consumed; it appends its canonical form to canon.
func parseThreadList(b []byte, canon *[]byte, depth int, s *threadSummary) (int, error) {
	if depth > 100000 {
		return 0, errors.New("THREAD nested too deep")
	}
	s.maxDepth = max(s.maxDepth, depth)
	*canon = append(*canon, '(')
	i := 1
	first := true
	for {
		for i < len(b) && b[i] == ' ' {
			i++
		}
		if i >= len(b) {
			return 0, errors.New("THREAD: unterminated list")
		}
		switch c := b[i]; {
		case c == ')':
			*canon = append(*canon, ')')
			return i + 1, nil
		case c == '(':
			n, err := parseThreadList(b[i:], canon, depth+1, s)
			if err != nil {
				return 0, err
			}
			i += n
		case c >= '0' && c <= '9':
			j := i
			for j < len(b) && b[j] >= '0' && b[j] <= '9' {
				j++
			}
			if !first && (*canon)[len(*canon)-1] != '(' {
				*canon = append(*canon, ' ')
			}
			*canon = append(*canon, b[i:j]...)
			s.messages++
			i = j
		default:
			return 0, fmt.Errorf("THREAD: unexpected %q", trunc(b[i:]))
		}
		first = false
	}
}

func trunc(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}
