package imapserver

// Accessors and copy-on-write of the view's per-message arrays (view.go).

// maxFlagSets bounds the view's table of flag sets: past it, setFlags
// drops the sets no message uses any more (pathological keyword use).
const maxFlagSets = 4096

// linearSetIDs is the table length up to which flagID scans sets instead
// of building setIDs.
const linearSetIDs = 8

func (v *view) flagsAt(i int) *flagSet { return v.sets[v.flagIDs[i]] }

func (v *view) modseqAt(i int) uint64 { return v.modseq[i] }

// setFlags gives message i the flags fs.
func (v *view) setFlags(i int, fs *flagSet) {
	if v.sets[v.flagIDs[i]] == fs {
		return
	}
	id := v.flagID(fs)
	v.ownFlagIDs(0)
	v.flagIDs[i] = id
}

// setModseq gives message i the MODSEQ ms.
func (v *view) setModseq(i int, ms uint64) {
	if v.modseq[i] == ms {
		return
	}
	v.ownModseq(0)
	v.modseq[i] = ms
}

// flagID returns the id of fs in sets, adding it if needed.
func (v *view) flagID(fs *flagSet) uint32 {
	if int(v.lastID) < len(v.sets) && v.sets[v.lastID] == fs {
		return v.lastID
	}
	id := v.lookupFlagID(fs)
	v.lastID = id
	return id
}

func (v *view) lookupFlagID(fs *flagSet) uint32 {
	limit := v.compactAt
	if limit == 0 {
		limit = maxFlagSets
	}
	if len(v.sets) >= limit {
		v.compactSets() // before indexing a long table: it may shrink a lot
	}
	if v.setIDs == nil && len(v.sets) <= linearSetIDs {
		for id, s := range v.sets {
			if s == fs {
				return uint32(id)
			}
		}
	} else {
		if v.setIDs == nil {
			v.indexSets()
		}
		if id, ok := v.setIDs[fs]; ok {
			return id
		}
	}
	id := uint32(len(v.sets))
	v.sets = append(v.sets, fs)
	if v.setIDs != nil {
		v.setIDs[fs] = id
	}
	return id
}

// indexSets builds setIDs from sets; with duplicates the first id wins.
func (v *view) indexSets() {
	v.setIDs = make(map[*flagSet]uint32, len(v.sets))
	for id, s := range v.sets {
		if _, dup := v.setIDs[s]; !dup {
			v.setIDs[s] = uint32(id)
		}
	}
}

// compactSets keeps only the sets some message uses (pending appends
// carry their *flagSet and need none), merges duplicates and renumbers
// flagIDs. The next compaction waits until the table doubles, so a
// mailbox that really uses many sets does not compact on every change.
func (v *view) compactSets() {
	newID := make(map[*flagSet]uint32, len(v.sets)/2)
	remap := make([]uint32, len(v.sets))
	used := make([]bool, len(v.sets))
	for _, id := range v.flagIDs {
		used[id] = true
	}
	var sets []*flagSet
	for id, s := range v.sets {
		if !used[id] {
			continue
		}
		nid, ok := newID[s]
		if !ok {
			nid = uint32(len(sets))
			newID[s] = nid
			sets = append(sets, s)
		}
		remap[id] = nid
	}
	v.ownFlagIDs(0)
	for i, id := range v.flagIDs {
		v.flagIDs[i] = remap[id]
	}
	v.sets, v.setIDs, v.lastID = sets, newID, 0
	v.compactAt = max(maxFlagSets, 2*len(sets))
}

// headroom is the spare capacity of a private copy of an n-element array.
func headroom(n, extra int) int { return n + max(extra, n/16) }

// ownUIDs makes uids private to this view before it changes, with room
// for extra more.
func (v *view) ownUIDs(extra int) {
	if !v.sharedUIDs {
		return
	}
	own := make([]uint32, len(v.uids), headroom(len(v.uids), extra))
	copy(own, v.uids)
	v.uids, v.sharedUIDs = own, false
}

// ownFlagIDs is ownUIDs for flagIDs.
func (v *view) ownFlagIDs(extra int) {
	if !v.sharedFlagIDs {
		return
	}
	own := make([]uint32, len(v.flagIDs), headroom(len(v.flagIDs), extra))
	copy(own, v.flagIDs)
	v.flagIDs, v.sharedFlagIDs = own, false
}

// ownModseq is ownUIDs for modseq.
func (v *view) ownModseq(extra int) {
	if !v.sharedModseq {
		return
	}
	own := make([]uint64, len(v.modseq), headroom(len(v.modseq), extra))
	copy(own, v.modseq)
	v.modseq, v.sharedModseq = own, false
}
