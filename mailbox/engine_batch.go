package mailbox

import (
	"context"
	"errors"
	"io"
	"time"
)

// AppendMessage is one message of BatchAppender.AppendMany.
type AppendMessage struct {
	Body         io.Reader
	Flags        []string
	InternalDate time.Time // zero: now
}

// BatchAppender is implemented by stores that append several messages to
// one mailbox in a single durable commit, all or nothing: IMAP MULTIAPPEND
// (RFC 3502). The Maildir and memory stores implement it; adapters should
// check for it with a type assertion and fall back to Append.
type BatchAppender interface {
	AppendMany(ctx context.Context, user, mailbox string, msgs []AppendMessage) ([]uint32, error)
}

var (
	_ BatchAppender = (*Maildir)(nil)
	_ BatchAppender = (*Memory)(nil)
)

// maxParallelSync bounds the concurrent fdatasyncs of one group of
// bodies when they are flushed one by one (maildir_flush.go).
const maxParallelSync = 16

// AppendMany implements BatchAppender: the bodies are written first, made
// durable as one group (one syncfs, see maildir_flush.go), then committed
// together: one directory fsync, one index write. It returns the new UIDs, ascending, or an error and stores
// nothing.
func (e *engine) AppendMany(ctx context.Context, user, mailbox string, msgs []AppendMessage) ([]uint32, error) {
	if len(msgs) == 0 {
		return nil, nil
	}
	type parsed struct {
		sys uint8
		kws []string
	}
	ps := make([]parsed, len(msgs))
	for i, m := range msgs {
		sys, kws, err := parseFlags(m.Flags)
		if err != nil {
			return nil, err
		}
		ps[i] = parsed{sys, kws}
	}
	mb, err := e.lookup(user, mailbox)
	if err != nil {
		return nil, err
	}
	if err := e.ensureUsage(mb.user); err != nil {
		return nil, err
	}
	mb.mu.Lock()
	err = e.loadLocked(mb)
	be := mb.be
	mb.mu.Unlock()
	if err != nil {
		return nil, err
	}
	now := e.opts.Now()
	items := make([]*appendItem, 0, len(msgs))
	discard := func() {
		for _, it := range items {
			it.st.discard()
		}
	}
	var total int64
	for i, m := range msgs {
		date := m.InternalDate
		if date.IsZero() {
			date = now
		}
		stg, err := be.stage(m.Body, e.opts.MaxMessageSize, date, false)
		if err != nil {
			discard()
			return nil, err
		}
		it := &appendItem{st: stg, rec: msgRec{size: stg.size(), idate: date.Unix(), tz: zoneOffset(date), sdate: now.Unix(), sys: ps[i].sys}}
		items = append(items, it)
		total += stg.size()
	}
	if err := syncStagedAll(items); err != nil {
		discard()
		return nil, err
	}
	if e.opts.Analyze != nil {
		for _, it := range items {
			it.cache = e.analyze(it.st)
		}
	}
	for _, it := range items {
		releaseStaged(it.st)
	}
	var uids []uint32
	committed := false
	err = e.write(mb, func() ([]Event, error) {
		st := mb.st
		limB, limM := e.limits(mb.user)
		if !mb.user.reserve(limB, limM, total, int64(len(items))) {
			return nil, ErrOverQuota
		}
		uid, modseq := st.uidNext, st.highestModSeq
		for i, it := range items {
			var ids []uint16
			for _, k := range ps[i].kws {
				id, _, ok := st.kw.keywordID(k)
				if !ok {
					mb.user.addUsage(-total, -int64(len(items)))
					return nil, ErrInvalidFlag
				}
				ids = append(ids, id)
			}
			modseq++
			it.rec.uid, it.rec.modseq, it.rec.kwset = uid, modseq, st.kw.setID(ids)
			uid++
		}
		cerr := mb.be.commitAppend(st, items)
		var nd *notDurableError
		if cerr != nil && !errors.As(cerr, &nd) {
			mb.user.addUsage(-total, -int64(len(items)))
			return nil, cerr
		}
		evs := make([]Event, 0, len(items))
		for _, it := range items {
			st.add(it.rec)
			uids = append(uids, it.rec.uid)
			evs = append(evs, Event{Kind: EventAppend, UID: it.rec.uid, ModSeq: it.rec.modseq, Flags: st.kw.flagStrings(it.rec.sys, it.rec.kwset)})
		}
		if nd != nil {
			committed = true // in the log: the files must stay
			return evs, nd
		}
		return evs, nil
	})
	if err != nil {
		if !committed {
			discard()
		}
		return nil, err
	}
	return uids, nil
}
