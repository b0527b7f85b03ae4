package main

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"time"
)

// sample is one timed command.
type sample struct {
	ms, cpuMS float64
	bytes     int64
}

// timed runs cmd on ic and measures wall time to the tagged OK, the bytes
// the server sent for it and the server's CPU time.
func timed(s *server, ic *conn, cmd string, on func([]byte)) (sample, error) {
	c0, err := cpuTime(s.pid, s.tree)
	if err != nil {
		return sample{}, err
	}
	b0 := ic.received()
	t0 := time.Now()
	err = ic.run(cmd, on)
	el := time.Since(t0)
	b1 := ic.received()
	c1, _ := cpuTime(s.pid, s.tree)
	return sample{ms: ms(el), cpuMS: ms(c1 - c0), bytes: b1 - b0}, err
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// changes is what session B did in one round.
type changes struct {
	uidsHash uint64   // the mailbox's UIDs before the changes
	before   int      // messages before
	flagged  []uint32 // UIDs whose flags changed
	expunged []uint32 // UIDs expunged
}

// pickChanges chooses flag changes and expunges spread over uids: the
// mailbox is cut into equal strides and one message is picked in each,
// alternately for a flag change and an expunge. The choice depends only on
// the UID list, so servers with equal mailboxes get equal changes.
func pickChanges(uids []uint32, nFlags, nExp int) (flagged, expunged []uint32) {
	total := nFlags + nExp
	if total == 0 || len(uids) < total {
		return nil, nil
	}
	stride := len(uids) / total
	r := &rnd{s: uint64(len(uids))*0x2545f4914f6cdd1d ^ uint64(uids[len(uids)-1])}
	for k := 0; k < total; k++ {
		u := uids[k*stride+r.intn(stride)]
		if (k%2 == 0 && len(flagged) < nFlags) || len(expunged) >= nExp {
			flagged = append(flagged, u)
		} else {
			expunged = append(expunged, u)
		}
	}
	return flagged, expunged
}

// makeChanges is session B: it lists the UIDs, toggles \Flagged on some
// messages and expunges others.
func makeChanges(o *options, s *server) (*changes, error) {
	ic, err := login(s.addr, o.user, o.pass, o.timeout)
	if err != nil {
		return nil, err
	}
	defer ic.logout()
	if err := ic.run("SELECT "+quote(o.mailbox), nil); err != nil {
		return nil, err
	}
	var uids []uint32
	err = ic.run("UID SEARCH ALL", func(l []byte) {
		if rest, ok := bytes.CutPrefix(l, []byte("* SEARCH")); ok {
			for _, f := range bytes.Fields(rest) {
				n, _ := strconv.ParseUint(string(f), 10, 32)
				uids = append(uids, uint32(n))
			}
		}
	})
	if err != nil {
		return nil, err
	}
	slices.Sort(uids)
	h := fnv.New64a()
	for _, u := range uids {
		h.Write([]byte{byte(u), byte(u >> 8), byte(u >> 16), byte(u >> 24)})
	}
	ch := &changes{uidsHash: h.Sum64(), before: len(uids)}
	ch.flagged, ch.expunged = pickChanges(uids, o.flagChanges, o.expunges)
	if len(ch.flagged)+len(ch.expunged) == 0 {
		return nil, errors.New("mailbox too small for the changes")
	}
	var set, clear []uint32
	err = ic.run("UID FETCH "+formatNumSet(ch.flagged)+" (FLAGS)", func(l []byte) {
		if f, ok := parseFetch(l); ok {
			if slices.Contains(f.flags, `\Flagged`) {
				clear = append(clear, f.uid)
			} else {
				set = append(set, f.uid)
			}
		}
	})
	if err != nil {
		return nil, err
	}
	if len(set)+len(clear) != len(ch.flagged) {
		return nil, fmt.Errorf("FETCH FLAGS of %d messages returned %d", len(ch.flagged), len(set)+len(clear))
	}
	slices.Sort(set)
	slices.Sort(clear)
	if len(set) > 0 {
		if err := ic.run(`UID STORE `+formatNumSet(set)+` +FLAGS.SILENT (\Flagged)`, nil); err != nil {
			return nil, err
		}
	}
	if len(clear) > 0 {
		if err := ic.run(`UID STORE `+formatNumSet(clear)+` -FLAGS.SILENT (\Flagged)`, nil); err != nil {
			return nil, err
		}
	}
	slices.Sort(ch.flagged)
	slices.Sort(ch.expunged)
	// UID EXPUNGE removes only messages marked \Deleted (RFC 4315 §2.1).
	if err := ic.run(`UID STORE `+formatNumSet(ch.expunged)+` +FLAGS.SILENT (\Deleted)`, nil); err != nil {
		return nil, err
	}
	if err := ic.run("UID EXPUNGE "+formatNumSet(ch.expunged), nil); err != nil {
		return nil, err
	}
	return ch, nil
}

// qresyncState is session A's first connection: it learns UIDVALIDITY and
// HIGHESTMODSEQ.
func qresyncState(o *options, s *server) error {
	ic, err := login(s.addr, o.user, o.pass, o.timeout)
	if err != nil {
		return err
	}
	defer ic.logout()
	if err := ic.run("ENABLE QRESYNC", nil); err != nil {
		return err
	}
	err = ic.run("SELECT "+quote(o.mailbox), func(l []byte) {
		if n, ok := respCode(l, "UIDVALIDITY"); ok {
			s.uidValidity = n
		}
		if n, ok := respCode(l, "HIGHESTMODSEQ"); ok {
			s.modSeq = n
		}
	})
	if err == nil && (s.uidValidity == 0 || s.modSeq == 0) {
		err = errors.New("SELECT did not return UIDVALIDITY and HIGHESTMODSEQ")
	}
	return err
}

// qresyncCheck is the outcome of the correctness check of one resync.
type qresyncCheck struct {
	vanished, fetched  []uint32
	earlier            bool
	otherLines         int
	exists             uint64
	vanishedOK, flagOK string // "exact", "superset" or "FAIL ..."
}

// resync is session A reconnecting: ENABLE QRESYNC (untimed), then the
// timed SELECT (QRESYNC (uidvalidity modseq)).
func resync(o *options, s *server, ch *changes) (sample, *qresyncCheck, error) {
	ic, err := login(s.addr, o.user, o.pass, o.timeout)
	if err != nil {
		return sample{}, nil, err
	}
	defer ic.logout()
	if err := ic.run("ENABLE QRESYNC", nil); err != nil {
		return sample{}, nil, err
	}
	qc := &qresyncCheck{}
	var perr error
	newModSeq := uint64(0)
	cmd := fmt.Sprintf("SELECT %s (QRESYNC (%d %d))", quote(o.mailbox), s.uidValidity, s.modSeq)
	smp, err := timed(s, ic, cmd, func(l []byte) {
		if n, ok := respCode(l, "HIGHESTMODSEQ"); ok {
			newModSeq = n
		}
		if earlier, uids, ok, err := parseVanished(l); ok {
			if err != nil {
				perr = err
			}
			qc.earlier = qc.earlier || earlier
			qc.vanished = append(qc.vanished, uids...)
			return
		}
		if f, ok := parseFetch(l); ok {
			qc.fetched = append(qc.fetched, f.uid)
			return
		}
		if n, rest, ok := untaggedNum(l); ok && string(rest) == "EXISTS" {
			qc.exists = uint64(n)
		}
	})
	if err != nil {
		return smp, nil, err
	}
	if perr != nil {
		return smp, nil, perr
	}
	s.modSeq = newModSeq
	slices.Sort(qc.vanished)
	qc.vanished = slices.Compact(qc.vanished)
	slices.Sort(qc.fetched)
	qc.vanishedOK = compareSets(qc.vanished, ch.expunged)
	if !qc.earlier && len(qc.vanished) > 0 {
		qc.vanishedOK = "FAIL: VANISHED without (EARLIER)"
	}
	qc.flagOK = compareSets(qc.fetched, ch.flagged)
	if want := uint64(ch.before - len(ch.expunged)); qc.exists != want {
		qc.vanishedOK = fmt.Sprintf("FAIL: EXISTS %d, want %d", qc.exists, want)
	}
	return smp, qc, nil
}

// compareSets says whether got (sorted) is exactly want (sorted), a
// superset of it (which RFC 7162 §3.2.5.1 allows for VANISHED) or wrong.
func compareSets(got, want []uint32) string {
	if slices.Equal(got, want) {
		return "exact"
	}
	for _, w := range want {
		if _, found := slices.BinarySearch(got, w); !found {
			return fmt.Sprintf("FAIL: %d of %d missing (got %d)", missing(got, want), len(want), len(got))
		}
	}
	return fmt.Sprintf("superset (+%d)", len(got)-len(want))
}

func missing(got, want []uint32) int {
	n := 0
	for _, w := range want {
		if _, found := slices.BinarySearch(got, w); !found {
			n++
		}
	}
	return n
}

// untaggedNum parses "* <n> <rest>".
func untaggedNum(l []byte) (int, []byte, bool) {
	if len(l) < 3 || l[0] != '*' || l[1] != ' ' {
		return 0, nil, false
	}
	i, n := 2, 0
	for i < len(l) && l[i] >= '0' && l[i] <= '9' {
		n = n*10 + int(l[i]-'0')
		i++
	}
	if i == 2 || i >= len(l) || l[i] != ' ' {
		return 0, nil, false
	}
	return n, l[i+1:], true
}

// fullResync is what a client without QRESYNC does: SELECT and fetch
// every message's flags (timed together).
func fullResync(o *options, s *server, ch *changes) (sample, error) {
	ic, err := login(s.addr, o.user, o.pass, o.timeout)
	if err != nil {
		return sample{}, err
	}
	defer ic.logout()
	a, err := timed(s, ic, "SELECT "+quote(o.mailbox), nil)
	if err != nil {
		return a, err
	}
	count := 0
	b, err := timed(s, ic, "UID FETCH 1:* (FLAGS)", func(l []byte) {
		if _, rest, ok := untaggedNum(l); ok && bytes.HasPrefix(rest, []byte("FETCH ")) {
			count++
		}
	})
	if err != nil {
		return b, err
	}
	if want := ch.before - len(ch.expunged); count != want {
		return b, fmt.Errorf("UID FETCH 1:* (FLAGS): %d responses, want %d", count, want)
	}
	return sample{ms: a.ms + b.ms, cpuMS: a.cpuMS + b.cpuMS, bytes: a.bytes + b.bytes}, nil
}

// sortThread runs SORT (DATE) and THREAD REFERENCES on a new connection.
func sortThread(o *options, s *server, ops map[string]bool) (sortS, threadS sample, sorted []uint32, th threadSummary, err error) {
	ic, err := login(s.addr, o.user, o.pass, o.timeout)
	if err != nil {
		return
	}
	defer ic.logout()
	if err = ic.run("SELECT "+quote(o.mailbox), nil); err != nil {
		return
	}
	if ops["sort"] {
		sortS, err = timed(s, ic, "SORT (DATE) UTF-8 ALL", func(l []byte) {
			if n, ok := parseSort(l); ok {
				sorted = append(sorted, n...)
			}
		})
		if err != nil {
			return
		}
	}
	if ops["thread"] {
		var perr error
		threadS, err = timed(s, ic, "THREAD REFERENCES UTF-8 ALL", func(l []byte) {
			if bytes.HasPrefix(l, []byte("* THREAD")) {
				th, perr = parseThread(l)
			}
		})
		if err == nil {
			err = perr
		}
	}
	return
}
