package main

import (
	"fmt"
	"slices"
	"strings"
)

// results collects samples per operation and server, and what the
// servers returned in the current round for the cross-server comparison.
type results struct {
	samples map[string]map[string][]sample // op -> label -> samples
	failed  bool

	// this round, per label
	uidsHash map[string]uint64
	sorted   map[string][]uint32
	threads  map[string]threadSummary
	checks   []string
}

func newResults() *results {
	return &results{
		samples:  map[string]map[string][]sample{},
		uidsHash: map[string]uint64{},
		sorted:   map[string][]uint32{},
		threads:  map[string]threadSummary{},
	}
}

func (res *results) add(op, label string, round int, s sample, extra string) {
	if res.samples[op] == nil {
		res.samples[op] = map[string][]sample{}
	}
	res.samples[op][label] = append(res.samples[op][label], s)
	fmt.Printf("REP op=%s label=%s round=%d ms=%.2f server_cpu_ms=%.2f bytes=%d%s\n", op, label, round, s.ms, s.cpuMS, s.bytes, extra)
}

// round measures one server once.
func round(o *options, s *server, r int, ops map[string]bool, res *results) error {
	if ops["qresync"] || ops["full"] {
		if ops["qresync"] && s.modSeq == 0 {
			if err := qresyncState(o, s); err != nil {
				return fmt.Errorf("QRESYNC state: %w", err)
			}
		}
		ch, err := makeChanges(o, s)
		if err != nil {
			return fmt.Errorf("changes: %w", err)
		}
		res.uidsHash[s.label] = ch.uidsHash
		if ops["qresync"] {
			smp, qc, err := resync(o, s, ch)
			if err != nil {
				return fmt.Errorf("QRESYNC SELECT: %w", err)
			}
			res.add("qresync", s.label, r, smp, fmt.Sprintf(" vanished=%d fetch=%d vanished_check=%q fetch_check=%q",
				len(qc.vanished), len(qc.fetched), qc.vanishedOK, qc.flagOK))
			if strings.HasPrefix(qc.vanishedOK, "FAIL") || strings.HasPrefix(qc.flagOK, "FAIL") {
				res.failed = true
				fmt.Printf("FAIL %s round %d: QRESYNC vanished %s, fetch %s\n", s.label, r, qc.vanishedOK, qc.flagOK)
			}
			res.checks = append(res.checks, fmt.Sprintf("%s round %d: VANISHED %s, FETCH %s", s.label, r, qc.vanishedOK, qc.flagOK))
		}
		if ops["full"] {
			smp, err := fullResync(o, s, ch)
			if err != nil {
				return fmt.Errorf("full resync: %w", err)
			}
			res.add("full-resync", s.label, r, smp, "")
		}
	}
	if ops["sort"] || ops["thread"] {
		sortS, threadS, sorted, th, err := sortThread(o, s, ops)
		if err != nil {
			return err
		}
		// The first SORT/THREAD of a server may build caches (Dovecot's
		// index cache): it is reported apart from the later rounds.
		suffix := ""
		if r == 1 {
			suffix = "-first"
		}
		if ops["sort"] {
			res.add("sort-date"+suffix, s.label, r, sortS, fmt.Sprintf(" msgs=%d", len(sorted)))
			res.sorted[s.label] = sorted
		}
		if ops["thread"] {
			res.add("thread-references"+suffix, s.label, r, threadS, fmt.Sprintf(" threads=%d msgs=%d depth=%d", th.threads, th.messages, th.maxDepth))
			res.threads[s.label] = th
		}
	}
	return nil
}

// compare checks the servers' SORT and THREAD results of round r against
// the first server's, when their mailboxes held the same UIDs.
func (res *results) compare(r int, servers []*server) {
	ref := servers[0].label
	for _, s := range servers[1:] {
		if h, ok := res.uidsHash[s.label]; ok && h != res.uidsHash[ref] {
			fmt.Printf("CHECK round=%d %s vs %s: the mailboxes differ (different UIDs); results not compared\n", r, s.label, ref)
			continue
		}
		if a, b := res.sorted[ref], res.sorted[s.label]; a != nil || b != nil {
			diff := 0
			for i := range min(len(a), len(b)) {
				if a[i] != b[i] {
					diff++
				}
			}
			line := fmt.Sprintf("CHECK round=%d SORT %s vs %s: %d vs %d numbers, %d positions differ", r, s.label, ref, len(b), len(a), diff)
			fmt.Println(line)
			res.checks = append(res.checks, line)
		}
		if a, b := res.threads[ref], res.threads[s.label]; a.threads > 0 || b.threads > 0 {
			same := commonCount(a.top, b.top)
			first := len(a.top) > 0 && len(b.top) > 0 && a.top[0] == b.top[0]
			line := fmt.Sprintf("CHECK round=%d THREAD %s vs %s: %d vs %d threads, %d vs %d messages, depth %d vs %d, %d threads identical (in any position), same order %v, first thread equal %v",
				r, s.label, ref, b.threads, a.threads, b.messages, a.messages, b.maxDepth, a.maxDepth, same, slices.Equal(a.top, b.top), first)
			fmt.Println(line)
			res.checks = append(res.checks, line)
		}
	}
	clear(res.sorted)
	clear(res.threads)
	clear(res.uidsHash)
}

// commonCount counts the strings two lists share (as multisets).
func commonCount(a, b []string) int {
	m := map[string]int{}
	for _, s := range a {
		m[s]++
	}
	n := 0
	for _, s := range b {
		if m[s] > 0 {
			m[s]--
			n++
		}
	}
	return n
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// report prints the medians per operation and server, and a markdown
// table with the first server as the reference.
func (res *results) report(o *options) {
	opOrder := []string{"qresync", "full-resync", "sort-date", "sort-date-first", "thread-references", "thread-references-first"}
	opName := map[string]string{
		"qresync":                 fmt.Sprintf("`SELECT (QRESYNC ...)` after %d flag changes + %d expunges", o.flagChanges, o.expunges),
		"full-resync":             "resync without QRESYNC: `SELECT` + `UID FETCH 1:* (FLAGS)`",
		"sort-date":               "`SORT (DATE) UTF-8 ALL`",
		"sort-date-first":         "`SORT (DATE) UTF-8 ALL`, first (round 1)",
		"thread-references":       "`THREAD REFERENCES UTF-8 ALL`",
		"thread-references-first": "`THREAD REFERENCES UTF-8 ALL`, first (round 1)",
	}
	ref := o.servers[0]
	fmt.Println()
	hdr := "| operation | " + ref.label
	for _, s := range o.servers[1:] {
		hdr += " | " + s.label + " | " + ref.label + " / " + s.label
	}
	fmt.Println(hdr + " | server CPU ms (" + labels(o.servers) + "; ratio) | n |")
	fmt.Println("|" + strings.Repeat(" --- |", 2+2*(len(o.servers)-1)+2))
	for _, op := range opOrder {
		per := res.samples[op]
		if per == nil {
			continue
		}
		refS := per[ref.label]
		for _, metric := range []string{"ms", "bytes"} {
			if metric == "bytes" && op != "qresync" && op != "full-resync" {
				continue
			}
			get := func(ss []sample) []float64 {
				var v []float64
				for _, x := range ss {
					if metric == "ms" {
						v = append(v, x.ms)
					} else {
						v = append(v, float64(x.bytes))
					}
				}
				return v
			}
			row := "| " + opName[op]
			if metric == "bytes" {
				row += ", bytes received"
			} else {
				row += ", ms"
			}
			row += " | " + fmtNum(median(get(refS)))
			for _, s := range o.servers[1:] {
				v := get(per[s.label])
				row += " | " + fmtNum(median(v)) + " | " + ratio(get(refS), v)
			}
			cpu := ""
			if metric == "ms" {
				cpus := map[string][]float64{}
				for i, s := range o.servers {
					if i > 0 {
						cpu += " / "
					}
					for _, x := range per[s.label] {
						cpus[s.label] = append(cpus[s.label], x.cpuMS)
					}
					cpu += fmtNum(median(cpus[s.label]))
				}
				for _, s := range o.servers[1:] {
					cpu += " (" + ratio(cpus[ref.label], cpus[s.label]) + ")"
				}
			}
			row += " | " + cpu + " | " + fmt.Sprint(len(refS)) + " |"
			fmt.Println(row)
		}
	}
	fmt.Println()
	for _, c := range res.checks {
		fmt.Println("- " + c)
	}
}

// ratio is the median of the per-round ratios ref/other (>1: other is
// smaller, i.e. faster or fewer bytes).
func ratio(ref, other []float64) string {
	var r []float64
	for i := range min(len(ref), len(other)) {
		if other[i] > 0 {
			r = append(r, ref[i]/other[i])
		}
	}
	if len(r) == 0 {
		return "—"
	}
	return fmtNum(median(r)) + "×"
}

func labels(ss []*server) string {
	var l []string
	for _, s := range ss {
		l = append(l, s.label)
	}
	return strings.Join(l, " / ")
}

func fmtNum(v float64) string {
	switch {
	case v >= 10000:
		return addCommas(fmt.Sprintf("%.0f", v))
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

func addCommas(s string) string {
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
