package imapserver

import (
	"slices"
	"sort"
	"strings"
)

// flagSet is an interned, immutable list of flags with its wire form.
type flagSet struct {
	flags   []string
	wire    []byte // "(\Seen foo)"
	seen    bool
	deleted bool
}

func (f *flagSet) has(flag string) bool {
	for _, x := range f.flags {
		if strings.EqualFold(x, flag) {
			return true
		}
	}
	return false
}

// flagInterner shares one flagSet among all messages with the same flags,
// so a view's table of sets (view.sets) holds one entry per distinct list.
type flagInterner struct {
	m   map[string]*flagSet
	key []byte
	tmp []string
	// The last list interned: backends share one slice among messages
	// with equal flags, so a snapshot in UID order mostly hits this.
	last   []string
	lastFS *flagSet
}

var emptyFlags = &flagSet{wire: []byte("()")}

func (fi *flagInterner) intern(flags []string) *flagSet {
	if len(flags) == 0 {
		return emptyFlags
	}
	if len(flags) == len(fi.last) && &flags[0] == &fi.last[0] {
		return fi.lastFS
	}
	fs := fi.lookup(flags)
	fi.last, fi.lastFS = flags, fs
	return fs
}

func (fi *flagInterner) lookup(flags []string) *flagSet {
	if fi.m == nil {
		fi.m = make(map[string]*flagSet)
	}
	sortedIn := true
	for i := 1; i < len(flags); i++ {
		if flags[i] <= flags[i-1] {
			sortedIn = false
			break
		}
	}
	list := flags
	if !sortedIn {
		fi.tmp = append(fi.tmp[:0], flags...)
		slices.Sort(fi.tmp)
		fi.tmp = slices.Compact(fi.tmp)
		list = fi.tmp
	}
	fi.key = fi.key[:0]
	for i, f := range list {
		if i > 0 {
			fi.key = append(fi.key, ' ')
		}
		fi.key = append(fi.key, f...)
	}
	if fs, ok := fi.m[string(fi.key)]; ok {
		return fs
	}
	if len(fi.m) > 10000 {
		// Pathological keyword use: start over rather than grow forever.
		clear(fi.m)
	}
	fs := &flagSet{flags: slices.Clone(list)}
	fs.wire = make([]byte, 0, len(fi.key)+2)
	fs.wire = append(fs.wire, '(')
	fs.wire = append(fs.wire, fi.key...)
	fs.wire = append(fs.wire, ')')
	for _, f := range fs.flags {
		switch f {
		case `\Seen`:
			fs.seen = true
		case `\Deleted`:
			fs.deleted = true
		}
	}
	fi.m[string(fi.key)] = fs
	return fs
}

// view is one session's picture of the selected mailbox: sequence number
// i+1 is uids[i], with flags flagsAt(i) and MODSEQ modseqAt(i). It changes
// only when the server tells the client.
//
// The per-message arrays may be shared with other sessions (from a
// SharedSnapshot): uids, flagIDs and modseq are then the backend's own
// slices, read-only, and the first change to one copies it (ownUIDs,
// ownFlagIDs, ownModseq). So a SELECT allocates per distinct flag list,
// not per message, and flags cost 4 pointer-free bytes per message.
// Everything that reads or changes flags or MODSEQs goes through the
// accessors below; nothing writes into a shared slice.
type view struct {
	uids       []uint32
	sharedUIDs bool
	// flagIDs[i] indexes sets; setIDs maps a set back to its id once
	// setFlags needs a lookup in a long table.
	flagIDs       []uint32
	sharedFlagIDs bool
	sets          []*flagSet
	setIDs        map[*flagSet]uint32
	compactAt     int    // len(sets) that triggers compactSets; 0: maxFlagSets
	lastID        uint32 // the id flagID found last: neighbours share flags
	modseq        []uint64
	sharedModseq  bool
	recent        map[uint32]struct{} // IMAP4rev1 \Recent, this session only

	// pendingExpunge holds UIDs the backend expunged that the client has
	// not been told about yet (they keep their sequence numbers).
	pendingExpunge map[uint32]struct{}
	// pendingFlags holds UIDs whose flags changed and are to be reported.
	pendingFlags map[uint32]struct{}
	// reportedExists is the EXISTS count the client knows.
	reportedExists int
	// pendingAppend holds messages the backend added that the client has
	// not been told about (no EXISTS yet): they get sequence numbers only
	// when EXISTS is sent, so no response can name them before.
	pendingAppend []pendingMsg
}

type pendingMsg struct {
	uid    uint32
	flags  *flagSet
	modseq uint64
}

// lastUID is the highest UID known, pending appends included.
func (v *view) lastUID() uint32 {
	if n := len(v.pendingAppend); n > 0 {
		return v.pendingAppend[n-1].uid
	}
	if n := len(v.uids); n > 0 {
		return v.uids[n-1]
	}
	return 0
}

func (v *view) findPending(uid uint32) int {
	for i := range v.pendingAppend {
		if v.pendingAppend[i].uid == uid {
			return i
		}
	}
	return -1
}

func (v *view) find(uid uint32) (int, bool) {
	i := sort.Search(len(v.uids), func(k int) bool { return v.uids[k] >= uid })
	return i, i < len(v.uids) && v.uids[i] == uid
}

// grow makes room for n more messages (Snapshot path of SELECT).
func (v *view) grow(n int) {
	v.ownUIDs(n)
	v.ownFlagIDs(n)
	v.ownModseq(n)
	v.uids = slices.Grow(v.uids, n)
	v.flagIDs = slices.Grow(v.flagIDs, n)
	v.modseq = slices.Grow(v.modseq, n)
}

func (v *view) add(uid uint32, fs *flagSet, modseq uint64) {
	id := v.flagID(fs)
	v.ownUIDs(1)
	v.ownFlagIDs(1)
	v.ownModseq(1)
	v.uids = append(v.uids, uid)
	v.flagIDs = append(v.flagIDs, id)
	v.modseq = append(v.modseq, modseq)
}

// removeIndexes deletes the given ascending indexes.
func (v *view) removeIndexes(idx []int) {
	if len(idx) == 0 {
		return
	}
	v.ownUIDs(0)
	v.ownFlagIDs(0)
	v.ownModseq(0)
	w := idx[0]
	k := 0
	for r := idx[0]; r < len(v.uids); r++ {
		if k < len(idx) && idx[k] == r {
			k++
			continue
		}
		v.uids[w] = v.uids[r]
		v.flagIDs[w] = v.flagIDs[r]
		v.modseq[w] = v.modseq[r]
		w++
	}
	v.uids = v.uids[:w]
	v.flagIDs = v.flagIDs[:w]
	v.modseq = v.modseq[:w]
}

func (v *view) isRecent(uid uint32) bool {
	_, ok := v.recent[uid]
	return ok
}

// fromArrays fills an empty view from a SharedSnapshot: uids, modseqs and
// flagIDs are kept as they are (shared, read-only), flags are interned
// once per distinct list. It returns the highest MODSEQ, and false if the
// arrays do not fit together (lengths, flag ids, ascending UIDs).
func (v *view) fromArrays(uids []uint32, modseqs []uint64, flagIDs []uint32, flagSets [][]string, fi *flagInterner) (highest uint64, ok bool) {
	n := len(uids)
	if len(modseqs) != n || len(flagIDs) != n {
		return 0, false
	}
	// One pass over the three arrays; the reslices let the compiler drop
	// the bounds checks.
	modseqs, flagIDs = modseqs[:n], flagIDs[:n]
	nsets := uint32(len(flagSets))
	if int(nsets) != len(flagSets) {
		return 0, false
	}
	var prev uint32
	for i, u := range uids {
		if u <= prev || flagIDs[i] >= nsets {
			return 0, false
		}
		prev = u
		highest = max(highest, modseqs[i])
	}
	sets := make([]*flagSet, len(flagSets))
	for i, f := range flagSets {
		sets[i] = fi.intern(f)
	}
	// Full slice expressions: an append can never reach the backend's
	// memory past n, even before the own* copy.
	v.uids, v.sharedUIDs = uids[:n:n], true
	v.flagIDs, v.sharedFlagIDs = flagIDs[:n:n], true
	v.modseq, v.sharedModseq = modseqs[:n:n], true
	v.sets, v.setIDs, v.compactAt, v.lastID = sets, nil, 0, 0
	if len(sets) > maxFlagSets {
		// A backend that sends a list per message rather than per
		// distinct set: merge them (copies flagIDs) instead of keeping
		// a pointer per message.
		v.compactSets()
	}
	return highest, true
}
