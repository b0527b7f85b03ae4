package mailbox

import (
	"sort"
	"strings"
)

// System flag bits as kept in the index (and as Maildir letters, see
// maildirLetters).
const (
	sysSeen uint8 = 1 << iota
	sysAnswered
	sysFlagged
	sysDeleted
	sysDraft
)

var sysNames = [...]string{FlagSeen, FlagAnswered, FlagFlagged, FlagDeleted, FlagDraft}

// maxKeywords bounds the keyword table of a mailbox.
const maxKeywords = 1000

// parseFlags splits IMAP flag strings into system-flag bits and keywords
// (deduplicated case-insensitively, order kept). \Recent is ignored; any
// other backslash flag, or a keyword that is not an atom, is ErrInvalidFlag
// (RFC 9051 §2.3.2, flag-keyword = atom).
func parseFlags(flags []string) (uint8, []string, error) {
	var sys uint8
	var kws []string
	for _, f := range flags {
		if strings.HasPrefix(f, `\`) {
			found := false
			for i, n := range sysNames {
				if strings.EqualFold(f, n) {
					sys |= 1 << i
					found = true
					break
				}
			}
			if !found {
				if strings.EqualFold(f, `\Recent`) {
					continue
				}
				return 0, nil, ErrInvalidFlag
			}
			continue
		}
		if !validKeyword(f) {
			return 0, nil, ErrInvalidFlag
		}
		dup := false
		for _, k := range kws {
			if strings.EqualFold(k, f) {
				dup = true
				break
			}
		}
		if !dup {
			kws = append(kws, f)
		}
	}
	return sys, kws, nil
}

// validKeyword reports whether s is an IMAP atom usable as a keyword:
// ATOM-CHAR excludes ( ) { SP CTL % * " \ ] (RFC 9051 §9).
func validKeyword(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f {
			return false
		}
		switch c {
		case '(', ')', '{', '%', '*', '"', '\\', ']':
			return false
		}
	}
	return true
}

// kwTable interns the keywords and keyword sets of one mailbox so that a
// message needs only a uint32 to name its keywords, and List can hand out
// shared flag slices.
type kwTable struct {
	names  []string          // keyword id -> name
	ids    map[string]uint16 // lower-case name -> id
	sets   [][]uint16        // set id -> sorted keyword ids; set 0 is empty
	setIDs map[string]uint32 // packed ids -> set id
	flags  map[uint64][]string
}

func newKwTable() *kwTable {
	return &kwTable{
		ids:    map[string]uint16{},
		sets:   [][]uint16{nil},
		setIDs: map[string]uint32{"": 0},
		flags:  map[uint64][]string{},
	}
}

// keywordID returns the id of name, defining it if new (ok=false if the
// table is full).
func (t *kwTable) keywordID(name string) (id uint16, isNew, ok bool) {
	l := strings.ToLower(name)
	if id, found := t.ids[l]; found {
		return id, false, true
	}
	if len(t.names) >= maxKeywords {
		return 0, false, false
	}
	id = uint16(len(t.names))
	t.names = append(t.names, name)
	t.ids[l] = id
	return id, true, true
}

// define installs a keyword id read back from an index.
func (t *kwTable) define(id uint16, name string) {
	for int(id) >= len(t.names) {
		t.names = append(t.names, "")
	}
	t.names[id] = name
	t.ids[strings.ToLower(name)] = id
}

func packIDs(ids []uint16) string {
	b := make([]byte, 2*len(ids))
	for i, id := range ids {
		b[2*i] = byte(id >> 8)
		b[2*i+1] = byte(id)
	}
	return string(b)
}

// setID interns a keyword id set (sorted in place).
func (t *kwTable) setID(ids []uint16) uint32 {
	if len(ids) == 0 {
		return 0
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	k := packIDs(ids)
	if id, ok := t.setIDs[k]; ok {
		return id
	}
	id := uint32(len(t.sets))
	t.sets = append(t.sets, append([]uint16(nil), ids...))
	t.setIDs[k] = id
	return id
}

func (t *kwTable) set(id uint32) []uint16 {
	if int(id) >= len(t.sets) {
		return nil
	}
	return t.sets[id]
}

// flagStrings returns the shared, read-only flag list for a system bitmask
// and keyword set.
func (t *kwTable) flagStrings(sys uint8, set uint32) []string {
	key := uint64(set)<<8 | uint64(sys)
	if f, ok := t.flags[key]; ok {
		return f
	}
	f := make([]string, 0, 5)
	for i, n := range sysNames {
		if sys&(1<<i) != 0 {
			f = append(f, n)
		}
	}
	for _, id := range t.set(set) {
		f = append(f, t.names[id])
	}
	t.flags[key] = f
	return f
}

// hasKeyword reports whether set contains keyword id.
func (t *kwTable) hasKeyword(set uint32, id uint16) bool {
	for _, x := range t.set(set) {
		if x == id {
			return true
		}
	}
	return false
}

// known drops keyword ids the table does not define (a damaged index).
func (t *kwTable) known(ids []uint16) []uint16 {
	out := ids[:0]
	for _, id := range ids {
		if int(id) < len(t.names) && t.names[id] != "" && !containsID(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func containsID(ids []uint16, id uint16) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
