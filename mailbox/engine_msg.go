package mailbox

import (
	"context"
	"errors"
	"io"
	"sort"
	"time"
)

func (e *engine) Append(ctx context.Context, user, mailbox string, r io.Reader, flags []string, internalDate time.Time) (uint32, error) {
	sys, kws, err := parseFlags(flags)
	if err != nil {
		return 0, err
	}
	mb, err := e.lookup(user, mailbox)
	if err != nil {
		return 0, err
	}
	if err := e.ensureUsage(mb.user); err != nil {
		return 0, err
	}
	mb.mu.Lock()
	err = e.loadLocked(mb)
	be := mb.be
	mb.mu.Unlock()
	if err != nil {
		return 0, err
	}
	// Write the body outside every lock, then make it durable together
	// with the bodies other appends staged meanwhile (maildir_flush.go);
	// the analysis runs while the flush is under way. Then the group
	// commit shares the directory and index fsyncs.
	now := e.opts.Now()
	if internalDate.IsZero() {
		internalDate = now
	}
	stg, err := be.stage(r, e.opts.MaxMessageSize, internalDate, false)
	if err != nil {
		return 0, err
	}
	flush, err := startSync(stg)
	req := &appendReq{kws: kws, done: make(chan struct{})}
	req.item.st = stg
	req.item.rec = msgRec{size: stg.size(), idate: internalDate.Unix(), tz: zoneOffset(internalDate), sdate: now.Unix(), sys: sys}
	if e.opts.Analyze != nil && err == nil {
		req.item.cache = e.analyze(stg)
	}
	if flush != nil {
		err = flush.wait()
	}
	if err != nil {
		stg.discard()
		return 0, err
	}
	releaseStaged(stg)
	mb.qmu.Lock()
	mb.queue = append(mb.queue, req)
	leader := !mb.committing
	mb.committing = true
	mb.qmu.Unlock()
	if leader {
		e.commitLoop(mb)
	}
	<-req.done
	return req.uid, req.err
}

func (e *engine) analyze(stg staged) []byte {
	rc, err := stg.reader()
	if err != nil {
		e.opts.Logger.Error("mailbox: analyze", "err", err)
		return nil
	}
	defer rc.Close()
	blob, err := e.opts.Analyze(rc)
	if err != nil {
		e.opts.Logger.Warn("mailbox: analyze", "err", err)
		return nil
	}
	return blob
}

// commitLoop is run by the first appender that finds no commit running:
// it commits everything queued, batch after batch, then steps down.
func (e *engine) commitLoop(mb *mbox) {
	for {
		mb.qmu.Lock()
		batch := mb.queue
		mb.queue = nil
		if len(batch) == 0 {
			mb.committing = false
			mb.qmu.Unlock()
			return
		}
		mb.qmu.Unlock()
		e.safeCommit(mb, batch)
		for _, r := range batch {
			close(r.done)
		}
	}
}

// safeCommit keeps a bug in one commit from wedging the mailbox: the
// batch fails, the next one still runs.
func (e *engine) safeCommit(mb *mbox, batch []*appendReq) {
	defer func() {
		if p := recover(); p != nil {
			e.opts.Logger.Error("mailbox: panic in commit", "mailbox", mb.name, "panic", p)
			for _, r := range batch {
				if r.err == nil {
					r.err, r.uid = errCommitPanic, 0
				}
			}
		}
	}()
	e.commitBatch(mb, batch)
}

var errCommitPanic = errors.New("mailbox: internal error in commit")

func (e *engine) commitBatch(mb *mbox, batch []*appendReq) {
	fail := func(r *appendReq, err error) {
		r.err = err
		r.item.st.discard()
	}
	err := e.write(mb, func() ([]Event, error) {
		st := mb.st
		limB, limM := e.limits(mb.user)
		var items []*appendItem
		var reqs []*appendReq
		uid, modseq := st.uidNext, st.highestModSeq
		for _, r := range batch {
			var ids []uint16
			ok := true
			for _, k := range r.kws {
				id, _, good := st.kw.keywordID(k)
				if !good {
					ok = false
					break
				}
				ids = append(ids, id)
			}
			if !ok {
				fail(r, ErrInvalidFlag)
				continue
			}
			if !mb.user.reserve(limB, limM, r.item.rec.size, 1) {
				fail(r, ErrOverQuota)
				continue
			}
			modseq++
			r.item.rec.uid, r.item.rec.modseq, r.item.rec.kwset = uid, modseq, st.kw.setID(ids)
			r.uid = uid
			uid++
			items = append(items, &r.item)
			reqs = append(reqs, r)
		}
		if len(items) == 0 {
			return nil, nil
		}
		cerr := mb.be.commitAppend(st, items)
		var nd *notDurableError
		if cerr != nil && !errors.As(cerr, &nd) {
			for _, r := range reqs {
				mb.user.addUsage(-r.item.rec.size, -1)
				fail(r, cerr)
				r.uid = 0
			}
			return nil, nil
		}
		evs := make([]Event, 0, len(items))
		for _, it := range items {
			st.add(it.rec)
			evs = append(evs, Event{Kind: EventAppend, UID: it.rec.uid, ModSeq: it.rec.modseq, Flags: st.kw.flagStrings(it.rec.sys, it.rec.kwset)})
		}
		if nd != nil {
			e.opts.Logger.Error("mailbox: append not durable", "mailbox", mb.name, "err", nd)
			for _, r := range reqs {
				r.err, r.uid = nd, 0
			}
		}
		return evs, nil
	})
	if err != nil { // begin failed: fn did not run
		for _, r := range batch {
			if r.err == nil {
				fail(r, err)
				r.uid = 0
			}
		}
	}
}

func (e *engine) List(ctx context.Context, user, mailbox string) ([]MessageInfo, error) {
	return e.ListChangedSince(ctx, user, mailbox, 0)
}

func (e *engine) ListChangedSince(ctx context.Context, user, mailbox string, modseq uint64) ([]MessageInfo, error) {
	var out []MessageInfo
	err := e.read(user, mailbox, func(mb *mbox) error {
		st := mb.st
		if modseq == 0 {
			out = make([]MessageInfo, len(st.msgs))
			for i := range st.msgs {
				out[i] = st.info(&st.msgs[i])
			}
			return nil
		}
		for i := range st.msgs {
			if st.msgs[i].modseq > modseq {
				out = append(out, st.info(&st.msgs[i]))
			}
		}
		return nil
	})
	return out, err
}

func (e *engine) StoreFlags(ctx context.Context, user, mailbox string, uids []uint32, op FlagOp, flags []string, unchangedSince uint64) ([]FlagUpdate, error) {
	sys, kws, err := parseFlags(flags)
	if err != nil {
		return nil, err
	}
	mb, err := e.lookup(user, mailbox)
	if err != nil {
		return nil, err
	}
	var out []FlagUpdate
	var modified []uint32
	err = e.write(mb, func() ([]Event, error) {
		st := mb.st
		var ids []uint16
		for _, k := range kws {
			id, _, ok := st.kw.keywordID(k)
			if !ok {
				return nil, ErrInvalidFlag
			}
			ids = append(ids, id)
		}
		modseq := st.highestModSeq + 1
		var changes []flagChange
		for _, uid := range sortedUnique(uids) {
			i := st.find(uid)
			if i < 0 {
				continue
			}
			r := &st.msgs[i]
			if unchangedSince != 0 && r.modseq > unchangedSince {
				modified = append(modified, uid)
				continue
			}
			ns, nk := st.applyFlagOp(r, op, sys, ids)
			if ns == r.sys && nk == r.kwset { // set ids are interned: equal ids, equal sets
				out = append(out, FlagUpdate{UID: uid, ModSeq: r.modseq, Flags: st.kw.flagStrings(r.sys, r.kwset)})
				continue
			}
			changes = append(changes, flagChange{idx: i, old: *r, sys: ns, kw: nk})
		}
		if len(changes) == 0 {
			return nil, nil
		}
		if err := mb.be.commitFlags(st, changes, modseq); err != nil {
			return nil, err
		}
		evs := make([]Event, 0, len(changes))
		for _, c := range changes {
			st.setFlags(c.idx, c.sys, c.kw, modseq)
			f := st.kw.flagStrings(c.sys, c.kw)
			out = append(out, FlagUpdate{UID: c.old.uid, ModSeq: modseq, Flags: f, Changed: true})
			evs = append(evs, Event{Kind: EventFlags, UID: c.old.uid, ModSeq: modseq, Flags: f})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].UID < out[j].UID })
		return evs, nil
	})
	if err != nil {
		return nil, err
	}
	if len(modified) > 0 {
		return out, &ModifiedError{UIDs: modified}
	}
	return out, nil
}

func sortedUnique(uids []uint32) []uint32 {
	s := append([]uint32(nil), uids...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	out := s[:0]
	for i, u := range s {
		if i == 0 || u != s[i-1] {
			out = append(out, u)
		}
	}
	return out
}

func (e *engine) Expunge(ctx context.Context, user, mailbox string, uids []uint32) ([]uint32, error) {
	mb, err := e.lookup(user, mailbox)
	if err != nil {
		return nil, err
	}
	var out []uint32
	err = e.write(mb, func() ([]Event, error) {
		st := mb.st
		var recs []msgRec
		for _, uid := range sortedUnique(uids) {
			if i := st.find(uid); i >= 0 {
				recs = append(recs, st.msgs[i])
			}
		}
		if len(recs) == 0 {
			return nil, nil
		}
		modseq := st.highestModSeq + 1
		if err := mb.be.commitExpunge(st, recs, modseq); err != nil {
			return nil, err
		}
		evs := e.applyExpunge(mb, recs, modseq)
		for _, r := range recs {
			out = append(out, r.uid)
		}
		return evs, nil
	})
	return out, err
}

func (e *engine) applyExpunge(mb *mbox, recs []msgRec, modseq uint64) []Event {
	set := make(map[uint32]bool, len(recs))
	var size int64
	evs := make([]Event, 0, len(recs))
	for _, r := range recs {
		set[r.uid] = true
		size += r.size
		evs = append(evs, Event{Kind: EventExpunge, UID: r.uid, ModSeq: modseq})
	}
	mb.st.expunge(set, modseq)
	mb.user.addUsage(-size, -int64(len(recs)))
	return evs
}

func (e *engine) VanishedSince(ctx context.Context, user, mailbox string, modseq uint64) ([]uint32, error) {
	var out []uint32
	err := e.read(user, mailbox, func(mb *mbox) error {
		out = mb.st.vanishedSince(modseq)
		return nil
	})
	return out, err
}

func (e *engine) Copy(ctx context.Context, user, src string, uids []uint32, dst string) ([]uint32, []uint32, error) {
	return e.move(ctx, user, src, uids, dst, false)
}

func (e *engine) Move(ctx context.Context, user, src string, uids []uint32, dst string) ([]uint32, []uint32, error) {
	return e.move(ctx, user, src, uids, dst, true)
}

// move copies (and if move, expunges) with both mailboxes locked, so the
// change is atomic for observers; the backend makes it atomic on disk.
func (e *engine) move(ctx context.Context, user, src string, uids []uint32, dst string, move bool) ([]uint32, []uint32, error) {
	smb, err := e.lookup(user, src)
	if err != nil {
		return nil, nil, err
	}
	dmb, err := e.lookup(user, dst)
	if err != nil {
		return nil, nil, err
	}
	if err := e.ensureUsage(smb.user); err != nil {
		return nil, nil, err
	}
	if smb == dmb {
		return e.copySame(smb, uids, move)
	}
	first, second := smb, dmb
	if dmb.name < smb.name {
		first, second = dmb, smb
	}
	first.mu.Lock()
	defer first.mu.Unlock()
	second.mu.Lock()
	defer second.mu.Unlock()
	for _, mb := range []*mbox{first, second} {
		if err := e.loadLocked(mb); err != nil {
			return nil, nil, err
		}
	}
	for _, mb := range []*mbox{first, second} {
		evs, err := mb.be.begin(mb.st)
		if err != nil {
			if mb == second {
				first.be.end()
			}
			return nil, nil, err
		}
		e.applyForeign(mb, evs)
	}
	defer first.be.end()
	defer second.be.end()

	ss, ds := smb.st, dmb.st
	var srcRecs, dstRecs []msgRec
	var size int64
	uid, modseq := ds.uidNext, ds.highestModSeq
	for _, u := range sortedUnique(uids) {
		i := ss.find(u)
		if i < 0 {
			continue
		}
		r := ss.msgs[i]
		srcRecs = append(srcRecs, r)
		// Keywords are per-mailbox ids: translate them.
		var ids []uint16
		for _, id := range ss.kw.set(r.kwset) {
			nid, _, ok := ds.kw.keywordID(ss.kw.names[id])
			if ok {
				ids = append(ids, nid)
			}
		}
		modseq++
		d := r
		d.uid, d.modseq, d.kwset, d.loc, d.bits = uid, modseq, ds.kw.setID(ids), 0, 0
		d.sdate = e.opts.Now().Unix()
		dstRecs = append(dstRecs, d)
		uid++
		size += r.size
	}
	if len(srcRecs) == 0 {
		return nil, nil, nil
	}
	if !move {
		limB, limM := e.limits(smb.user)
		if !smb.user.reserve(limB, limM, size, int64(len(srcRecs))) {
			return nil, nil, ErrOverQuota
		}
	}
	var moveModseq uint64
	if move {
		moveModseq = ss.highestModSeq + 1
	}
	if err := dmb.be.commitCopy(ds, dstRecs, smb.be, ss, srcRecs, moveModseq); err != nil {
		if !move {
			smb.user.addUsage(-size, -int64(len(srcRecs)))
		}
		return nil, nil, err
	}
	devs := make([]Event, 0, len(dstRecs))
	for _, d := range dstRecs {
		ds.add(d)
		devs = append(devs, Event{Kind: EventAppend, UID: d.uid, ModSeq: d.modseq, Flags: ds.kw.flagStrings(d.sys, d.kwset)})
	}
	var sevs []Event
	if move {
		sevs = e.applyExpunge(smb, srcRecs, moveModseq)
		smb.user.addUsage(size, int64(len(srcRecs))) // expunge subtracted; the messages still exist
	}
	dmb.feed.Publish(devs...)
	smb.feed.Publish(sevs...)
	su := make([]uint32, len(srcRecs))
	du := make([]uint32, len(dstRecs))
	for i := range srcRecs {
		su[i], du[i] = srcRecs[i].uid, dstRecs[i].uid
	}
	return su, du, nil
}

// copySame copies messages within one mailbox (COPY to the selected
// mailbox is legal); MOVE to the same mailbox is refused (RFC 6851 §3.3
// leaves it to the server).
func (e *engine) copySame(mb *mbox, uids []uint32, move bool) ([]uint32, []uint32, error) {
	if move {
		return nil, nil, ErrInvalidName
	}
	var su, du []uint32
	err := e.write(mb, func() ([]Event, error) {
		st := mb.st
		var srcRecs, dstRecs []msgRec
		var size int64
		uid, modseq := st.uidNext, st.highestModSeq
		now := e.opts.Now().Unix()
		for _, u := range sortedUnique(uids) {
			i := st.find(u)
			if i < 0 {
				continue
			}
			r := st.msgs[i]
			srcRecs = append(srcRecs, r)
			modseq++
			d := r
			d.uid, d.modseq, d.loc, d.bits, d.sdate = uid, modseq, 0, 0, now
			uid++
			dstRecs = append(dstRecs, d)
			size += r.size
		}
		if len(srcRecs) == 0 {
			return nil, nil
		}
		limB, limM := e.limits(mb.user)
		if !mb.user.reserve(limB, limM, size, int64(len(srcRecs))) {
			return nil, ErrOverQuota
		}
		if err := mb.be.commitCopy(st, dstRecs, mb.be, st, srcRecs, 0); err != nil {
			mb.user.addUsage(-size, -int64(len(srcRecs)))
			return nil, err
		}
		evs := make([]Event, 0, len(dstRecs))
		for i, d := range dstRecs {
			st.add(d)
			evs = append(evs, Event{Kind: EventAppend, UID: d.uid, ModSeq: d.modseq, Flags: st.kw.flagStrings(d.sys, d.kwset)})
			su = append(su, srcRecs[i].uid)
			du = append(du, d.uid)
		}
		return evs, nil
	})
	return su, du, err
}
