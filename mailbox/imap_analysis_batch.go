package mailbox

// Batched reads of analysis blobs (the IMAPAnalyze cache) for the IMAP
// adapter: a FETCH, SORT or THREAD over many messages reads their blobs a
// window at a time, under one mailbox lock and one look for other
// processes' changes, and from the Maildir index in few large reads,
// instead of one Store.Cached call (lock, stat, read, copy) per message.

// blobWindowSize is the number of messages whose blobs one batch reads
// (tests lower it).
var blobWindowSize = 512

// blobBatchMin is the smallest Fetch that reads blobs in windows; smaller
// ones read each blob through the backend's blob cache.
const blobBatchMin = 32

// blobSpanMax bounds one read of the Maildir index, and blobSpanSlack the
// bytes of other records it may skip over.
const (
	blobSpanMax   = 1 << 20
	blobSpanSlack = 64 << 10
)

// blobBatcher is implemented by the stores of this package (through their
// engine).
type blobBatcher interface {
	cachedBatch(user, mailbox string, uids []uint32, fn func(uid uint32, blob []byte)) error
}

// cachedBatch calls fn with the blob of every message of uids (ascending)
// that the mailbox holds, in order; blobs stay valid after fn returns.
func (e *engine) cachedBatch(user, mailbox string, uids []uint32, fn func(uid uint32, blob []byte)) error {
	return e.read(user, mailbox, func(mb *mbox) error {
		recs := make([]*msgRec, 0, len(uids))
		for _, u := range uids {
			if i := mb.st.find(u); i >= 0 {
				recs = append(recs, &mb.st.msgs[i])
			}
		}
		if md, ok := mb.be.(*mdBox); ok {
			return md.cachedSpans(recs, fn)
		}
		for _, r := range recs {
			b, err := mb.be.cached(mb.st, r)
			if err != nil {
				return err
			}
			fn(r.uid, b)
		}
		return nil
	})
}

// cachedSpans reads the append records of recs (ascending UIDs) from the
// index in runs of nearby records, one read per run, and passes each
// record's blob to fn (the same checks as mdBox.cached).
func (m *mdBox) cachedSpans(recs []*msgRec, fn func(uid uint32, blob []byte)) error {
	for len(recs) > 0 {
		if recs[0].reclen < 8 {
			fn(recs[0].uid, nil)
			recs = recs[1:]
			continue
		}
		// A run: records in file order, close together, within bounds.
		start, end := recs[0].loc, recs[0].loc+int64(recs[0].reclen)
		used := int64(recs[0].reclen)
		n := 1
		for n < len(recs) {
			r := recs[n]
			if r.reclen < 8 || r.loc < end {
				break
			}
			e := r.loc + int64(r.reclen)
			if e-start > blobSpanMax || e-start-used-int64(r.reclen) > blobSpanSlack {
				break
			}
			end, used = e, used+int64(r.reclen)
			n++
		}
		buf := make([]byte, end-start)
		if _, err := m.idx.ReadAt(buf, start); err != nil {
			return err
		}
		for _, r := range recs[:n] {
			p := buf[r.loc-start : r.loc-start+int64(r.reclen)]
			a, err := decAppend(p[8:])
			if err != nil || a.rec.uid != r.uid {
				return errBadRecord
			}
			var blob []byte
			if len(a.cache) > 0 {
				blob = a.cache[:len(a.cache):len(a.cache)]
			}
			fn(r.uid, blob)
		}
		recs = recs[n:]
	}
	return nil
}

// blobWindow serves the blobs of one Fetch call a window at a time.
type blobWindow struct {
	store         blobBatcher
	user, mailbox string
	uids          []uint32 // the Fetch's UIDs, ascending
	next          int      // index in uids of the first one not yet read
	got           []uint32 // the window: UIDs found, ascending
	blobs         [][]byte // and their blobs
	k             int      // cursor in got
	failed        bool
}

// blob returns the blob of message uid; ok is false when the window
// cannot say (the caller then asks the store for this message alone).
// Calls come in ascending UID order.
func (w *blobWindow) blob(uid uint32) (blob []byte, ok bool) {
	for !w.failed {
		for w.k < len(w.got) && w.got[w.k] < uid {
			w.k++
		}
		if w.k < len(w.got) {
			if w.got[w.k] == uid {
				return w.blobs[w.k], true
			}
			return nil, false // not in the mailbox when the window was read
		}
		for w.next < len(w.uids) && w.uids[w.next] < uid {
			w.next++
		}
		if w.next == len(w.uids) {
			return nil, false
		}
		end := min(w.next+blobWindowSize, len(w.uids))
		clear(w.blobs)
		w.got, w.blobs, w.k = w.got[:0], w.blobs[:0], 0
		err := w.store.cachedBatch(w.user, w.mailbox, w.uids[w.next:end], func(u uint32, b []byte) {
			w.got = append(w.got, u)
			w.blobs = append(w.blobs, b)
		})
		w.next = end
		if err != nil {
			w.failed = true
		}
	}
	return nil, false
}
