package imapserver

import (
	"strings"
	"sync"
	"time"
	"weak"

	"github.com/mailwire/mailwire/imap"
)

// The sort cache keeps, per mailbox, what SORT and THREAD need of each
// message in precomputed form: the sent-date key, the base-subject
// collation key, the arrival key, the size, the interned Message ID and
// references. The first SORT or THREAD of a mailbox reads each message's
// analysis blob once: SORT the Date and Subject of the cached ENVELOPE
// (sort_envelope.go), THREAD REFERENCES the blob's sort record
// (sort_analysis.go: References is not in the ENVELOPE); only messages
// without a blob, or with one written before the sort record existed, have
// their header block read from the file. Subject keys are computed only
// when a command needs them. Later commands, in any session, read only
// messages that arrived since. A message's header never changes under its
// (mailbox, UIDVALIDITY, UID) (RFC 9051 §2.3.1.1), so entries need no
// invalidation; entries of expunged messages are dropped when a mailbox's
// entries outnumber its messages by far.
//
// Memory is bounded per Server by Server.SortCacheBytes (default 64 MiB)
// over all its mailboxes; the least recently used mailboxes go first, and a
// mailbox too big for the bound alone is not kept after its command.

// sortCacheLimit is the default of Server.SortCacheBytes (an estimate of
// the cache's heap use); tests lower it.
var sortCacheLimit = 64 << 20

func (s *Server) sortCacheBytes() int {
	if s.SortCacheBytes > 0 {
		return s.SortCacheBytes
	}
	return sortCacheLimit
}

// sortCacheKey names one mailbox of one user of one Server.
type sortCacheKey struct {
	srv         weak.Pointer[Server]
	user, box   string
	uidValidity uint32
}

// sortEntry is one message's precomputed keys.
type sortEntry struct {
	have    sortFields // sfDate always; sfSubject and sfReferences when known
	date    int64      // imap.SentDateKey
	arrival int64      // internal date, Unix nanoseconds
	size    int64
	subjID  int32 // number of its imap.SubjectKey in the mailbox's subject table, or -1
	reply   bool
	msgID   int32   // interned, or -1
	refs    []int32 // interned, parent last
}

// sortBox is the cache of one mailbox.
type sortBox struct {
	mu       sync.Mutex
	uids     []uint32 // ascending, parallel to ents
	ents     []sortEntry
	ids      map[string]int32 // interned Message IDs
	subjects map[string]int32 // numbered subject keys
	subjList []string         // subject keys by number
	bytes    int
	used     uint64 // cache clock of the last use
}

// sortCache is the process's cache.
var sortCache = struct {
	mu    sync.Mutex
	boxes map[sortCacheKey]*sortBox
	clock uint64
}{boxes: map[sortCacheKey]*sortBox{}}

// Estimated heap bytes of cache parts.
const (
	sortEntryBytes = 96 // sortEntry + its UID
	mapEntryBytes  = 48 // a map entry's share besides the key bytes
)

// sortBoxFor returns the cache of c's selected mailbox.
func (c *conn) sortBoxFor() *sortBox {
	k := sortCacheKey{srv: weak.Make(c.srv), user: c.user.Username(), box: c.sel.name, uidValidity: c.sel.uidValidity}
	sc := &sortCache
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.clock++
	b := sc.boxes[k]
	if b == nil {
		b = &sortBox{ids: map[string]int32{}, subjects: map[string]int32{}}
		sc.boxes[k] = b
	}
	b.used = sc.clock
	return b
}

// release accounts for b's size after a command and evicts mailboxes
// until the cache fits its bound again. b's lock must not be held.
func (c *conn) releaseSortBox(b *sortBox, bytes int) {
	sc := &sortCache
	sc.mu.Lock()
	defer sc.mu.Unlock()
	total := 0
	for k, x := range sc.boxes {
		srv := k.srv.Value()
		if srv == nil {
			delete(sc.boxes, k) // its Server is gone
			continue
		}
		if x == b {
			x.bytes = bytes // the only field read under sc.mu
		}
		if srv == c.srv {
			total += x.bytes
		}
	}
	for limit := c.srv.sortCacheBytes(); total > limit; {
		var oldK sortCacheKey
		var old *sortBox
		for k, x := range sc.boxes {
			if k.srv.Value() != c.srv {
				continue
			}
			if old == nil || x.used < old.used {
				oldK, old = k, x
			}
		}
		if old == nil {
			break
		}
		delete(sc.boxes, oldK)
		total -= old.bytes
	}
}

// find returns the index of uid in b.uids, or where it would go.
func (b *sortBox) find(uid uint32) (int, bool) {
	lo, hi := 0, len(b.uids)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if b.uids[m] < uid {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(b.uids) && b.uids[lo] == uid
}

// intern returns the interned number of a Message ID.
func (b *sortBox) intern(id string) int32 {
	if k, ok := b.ids[id]; ok {
		return k
	}
	k := int32(len(b.ids))
	b.ids[strings.Clone(id)] = k // id may share a string with other fields
	b.bytes += len(id) + mapEntryBytes
	return k
}

// internSubject returns the number of a subject key.
func (b *sortBox) internSubject(s string) int32 {
	if k, ok := b.subjects[s]; ok {
		return k
	}
	k := int32(len(b.subjList))
	s = strings.Clone(s) // s may share a string with other fields
	b.subjects[s] = k
	b.subjList = append(b.subjList, s)
	b.bytes += len(s) + mapEntryBytes + 16
	return k
}

// entryOf computes the cache entry of a message from its SortMessage
// (Date filled; Subject when withSubject; MessageID, InReplyTo and
// References when withRefs, which implies withSubject).
func (b *sortBox) entryOf(sm *imap.SortMessage, withSubject, withRefs bool, refs []string) (sortEntry, []string) {
	e := sortEntry{
		have:    sfDate,
		date:    imap.SentDateKey(sm.Date, sm.InternalDate),
		arrival: sm.InternalDate.UnixNano(),
		size:    sm.Size,
		subjID:  -1,
		msgID:   -1,
	}
	if withSubject || withRefs {
		key, reply := imap.SubjectKey(sm.Subject)
		e.have |= sfSubject
		e.subjID, e.reply = b.internSubject(key), reply
	}
	if withRefs {
		e.have |= sfMessageID | sfInReplyTo | sfReferences
		if id, ok := imap.FirstMessageID(sm.MessageID); ok {
			e.msgID = b.intern(id)
		}
		refs = imap.MessageReferences(refs[:0], sm.References, sm.InReplyTo)
		if len(refs) > 0 {
			e.refs = make([]int32, len(refs))
			for k, r := range refs {
				e.refs[k] = b.intern(r)
			}
			b.bytes += 4 * len(refs)
		}
	}
	return e, refs
}

// merge inserts entries for the ascending, absent-or-incomplete UIDs of
// uids; b may keep the slices.
func (b *sortBox) merge(uids []uint32, ents []sortEntry) {
	if len(uids) == 0 {
		return
	}
	if len(b.uids) == 0 || uids[0] > b.uids[len(b.uids)-1] {
		// All new: the first fill (b takes the slices) or new arrivals.
		b.bytes += sortEntryBytes * len(uids)
		if len(b.uids) == 0 {
			b.uids, b.ents = uids, ents
		} else {
			b.uids = append(b.uids, uids...)
			b.ents = append(b.ents, ents...)
		}
		return
	}
	// Replace incomplete entries in place; collect the new ones.
	var newU []uint32
	var newE []sortEntry
	for k, u := range uids {
		if i, ok := b.find(u); ok {
			b.ents[i] = ents[k]
		} else {
			newU = append(newU, u)
			newE = append(newE, ents[k])
		}
	}
	if len(newU) == 0 {
		return
	}
	b.bytes += sortEntryBytes * len(newU)
	if len(b.uids) == 0 || newU[0] > b.uids[len(b.uids)-1] {
		b.uids = append(b.uids, newU...) // the usual case: new arrivals
		b.ents = append(b.ents, newE...)
		return
	}
	uOut := make([]uint32, 0, len(b.uids)+len(newU))
	eOut := make([]sortEntry, 0, len(b.uids)+len(newU))
	i, j := 0, 0
	for i < len(b.uids) || j < len(newU) {
		if j == len(newU) || (i < len(b.uids) && b.uids[i] < newU[j]) {
			uOut, eOut = append(uOut, b.uids[i]), append(eOut, b.ents[i])
			i++
		} else {
			uOut, eOut = append(uOut, newU[j]), append(eOut, newE[j])
			j++
		}
	}
	b.uids, b.ents = uOut, eOut
}

// reset empties b (entries of expunged messages piled up).
func (b *sortBox) reset() {
	b.uids, b.ents = nil, nil
	b.ids = map[string]int32{}
	b.subjects = map[string]int32{}
	b.subjList = nil
	b.bytes = 0
}

// cachedSortFields are the fields the sort cache holds.
const cachedSortFields = sfDate | sfSubject | sfMessageID | sfInReplyTo | sfReferences

// cachedSortMessages is sortMessages through the sort cache: the messages
// carry precomputed keys (Keyed) instead of header fields. need must be
// within cachedSortFields.
func (c *conn) cachedSortMessages(key *searchKey, uid bool, need sortFields) ([]imap.SortMessage, uint64, error) {
	var msgs []imap.SortMessage
	highest, err := c.withSortCache(key, uid, need, func(n int, _, _ int32) {
		msgs = make([]imap.SortMessage, 0, n)
	}, func(num uint32, e *sortEntry, subject string) {
		msgs = append(msgs, imap.SortMessage{
			Num: num, InternalDate: time.Unix(0, e.arrival), Size: e.size,
			Keyed: true, DateKey: e.date, SubjectKey: subject, Reply: e.reply,
		})
	})
	return msgs, highest, err
}

// cachedSort runs a SORT program whose keys the sort cache holds and
// returns the numbers of the matches of key in sorted order.
func (c *conn) cachedSort(key *searchKey, uid bool, criteria []imap.SortCriterion) ([]uint32, uint64, error) {
	var nums []uint32
	d := &imap.SortData{}
	need := sfDate // SORT (DATE), (ARRIVAL), (SIZE) need no subject keys
	for _, cr := range criteria {
		if cr.Key == imap.SortSubject {
			need |= sfSubject
		}
	}
	highest, err := c.withSortCache(key, uid, need, func(n int, _, _ int32) {
		nums = make([]uint32, 0, n)
		for _, cr := range criteria {
			switch {
			case cr.Key == imap.SortArrival && d.Arrival == nil:
				d.Arrival = make([]int64, 0, n)
			case cr.Key == imap.SortDate && d.Date == nil:
				d.Date = make([]int64, 0, n)
			case cr.Key == imap.SortSize && d.Size == nil:
				d.Size = make([]int64, 0, n)
			case cr.Key == imap.SortSubject && d.Subject == nil:
				d.Subject = make([]string, 0, n)
			}
		}
	}, func(num uint32, e *sortEntry, subject string) {
		nums = append(nums, num)
		if d.Arrival != nil {
			d.Arrival = append(d.Arrival, e.arrival)
		}
		if d.Date != nil {
			d.Date = append(d.Date, e.date)
		}
		if d.Size != nil {
			d.Size = append(d.Size, e.size)
		}
		if d.Subject != nil {
			d.Subject = append(d.Subject, subject)
		}
	})
	if err != nil {
		return nil, highest, err
	}
	out := make([]uint32, len(nums))
	for k, i := range imap.SortOrderData(d, len(nums), criteria) {
		out[k] = nums[i]
	}
	return out, highest, nil
}

// cachedThreadData returns the REFERENCES algorithm's input for the
// matches of key from the sort cache.
func (c *conn) cachedThreadData(key *searchKey, uid bool, need sortFields) (*imap.ThreadData, uint64, error) {
	d := &imap.ThreadData{}
	highest, err := c.withSortCache(key, uid, need, func(n int, ids, subjects int32) {
		d.Num = make([]uint32, 0, n)
		d.Date = make([]int64, 0, n)
		d.Subject = make([]string, 0, n)
		d.Reply = make([]bool, 0, n)
		d.MessageID = make([]int32, 0, n)
		d.Refs = make([][]int32, 0, n)
		d.SubjectID = make([]int32, 0, n)
		d.IDs, d.Subjects = ids, subjects
	}, func(num uint32, e *sortEntry, subject string) {
		d.Num = append(d.Num, num)
		d.Date = append(d.Date, e.date)
		d.Subject = append(d.Subject, subject)
		d.Reply = append(d.Reply, e.reply)
		d.MessageID = append(d.MessageID, e.msgID)
		d.Refs = append(d.Refs, e.refs) // immutable once cached
		d.SubjectID = append(d.SubjectID, e.subjID)
	})
	return d, highest, err
}

// withSortCache runs the search, completes the cache for its matches
// and then, under the mailbox cache's lock, calls start with the number
// of matches and interned IDs and each for every match, in mailbox order.
// Matches another session expunged before they could be read are left
// out (RFC 2180 §4.3); those already cached stay in.
func (c *conn) withSortCache(key *searchKey, uid bool, need sortFields, start func(n int, ids, subjects int32), each func(num uint32, e *sortEntry, subject string)) (uint64, error) {
	matches, highest, err := c.search(key)
	if err != nil {
		return highest, err
	}
	v := &c.sel.view
	b := c.sortBoxFor()
	b.mu.Lock()
	if len(b.uids) > 2*len(v.uids)+1024 {
		b.reset() // mostly expunged messages
	}
	need |= sfDate
	if need&(sfMessageID|sfInReplyTo|sfReferences) != 0 {
		need |= sfMessageID | sfInReplyTo | sfReferences
	}
	var missing []uint32
	k := 0
	for _, i := range matches {
		u := v.uids[i]
		for k < len(b.uids) && b.uids[k] < u {
			k++
		}
		if k == len(b.uids) || b.uids[k] != u || b.ents[k].have&need != need {
			missing = append(missing, u)
		}
	}
	if len(missing) > 0 {
		err = c.fillSortBox(b, missing, need)
	}
	if err == nil {
		start(len(matches), int32(len(b.ids)), int32(len(b.subjList)))
		k = 0
		for _, i := range matches {
			u := v.uids[i]
			for k < len(b.uids) && b.uids[k] < u {
				k++
			}
			if k == len(b.uids) || b.uids[k] != u {
				continue
			}
			num := u
			if !uid {
				num = uint32(i + 1)
			}
			subject := ""
			if id := b.ents[k].subjID; id >= 0 {
				subject = b.subjList[id]
			}
			each(num, &b.ents[k], subject)
		}
	}
	bytes := b.bytes
	b.mu.Unlock()
	c.releaseSortBox(b, bytes)
	return highest, err
}

// fillSortBox reads the fields in need of the messages uids (ascending)
// and adds their entries to b: Date and Subject from the cached ENVELOPE
// when that is all, the rest from the blob's sort record, the header
// block when the blob has no record.
func (c *conn) fillSortBox(b *sortBox, uids []uint32, need sortFields) error {
	withRefs := need&sfReferences != 0
	withSubject := need&sfSubject != 0
	if len(b.uids) == 0 && len(uids) > 1024 {
		// The first fill of a big mailbox: size the tables once instead
		// of growing them step by step.
		if withRefs && len(b.ids) == 0 {
			b.ids = make(map[string]int32, 2*len(uids))
		}
		if (withSubject || withRefs) && len(b.subjects) == 0 {
			b.subjects = make(map[string]int32, len(uids)/4)
		}
	}
	var buf []byte
	var er envelopeReader
	var refs []string
	got := make([]uint32, 0, len(uids))
	ents := make([]sortEntry, 0, len(uids))
	err := c.sel.mbox.Fetch(c.ctx, uids, func(m Message) error {
		sm := imap.SortMessage{InternalDate: m.InternalDate(), Size: m.Size()}
		blob := m.Structure()
		// THREAD REFERENCES: the sort record of the blob, or the header
		// of blobs written before it existed; SORT: the ENVELOPE.
		if withRefs && !fillFromSortRecord(&sm, blob) || !withRefs && !er.fill(&sm, blob, sfDate|sfSubject) {
			var err error
			if buf, err = readSortHeader(m, buf); err != nil {
				return err
			}
			fillSortFields(&sm, buf, cachedSortFields)
		}
		var e sortEntry
		e, refs = b.entryOf(&sm, withSubject, withRefs, refs)
		got = append(got, m.UID())
		ents = append(ents, e)
		return nil
	})
	if err != nil {
		return err
	}
	b.merge(got, ents)
	return nil
}
