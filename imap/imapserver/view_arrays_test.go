package imapserver

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
)

// sharedView is a view filled from arrays the test keeps, as a backend's
// SharedSnapshot would hand them out: n messages, flag lists round robin.
func sharedView(t *testing.T, n int, lists [][]string, fi *flagInterner) (*view, sharedArraysCopy, *sharedArrays) {
	t.Helper()
	a := &sharedArrays{flagSets: lists}
	for i := range n {
		a.uids = append(a.uids, uint32(2*i+1))
		a.modseqs = append(a.modseqs, uint64(10+i))
		a.flagIDs = append(a.flagIDs, uint32(i%len(lists)))
	}
	v := &view{}
	if _, ok := v.fromArrays(a.uids, a.modseqs, a.flagIDs, a.flagSets, fi); !ok {
		t.Fatal("fromArrays rejected good arrays")
	}
	return v, copyArrays(a), a
}

func TestViewFromArraysRejects(t *testing.T) {
	lists := [][]string{nil, {`\Seen`}}
	for _, tc := range []struct {
		name    string
		uids    []uint32
		modseqs []uint64
		ids     []uint32
	}{
		{"modseqs short", []uint32{1, 2}, []uint64{1}, []uint32{0, 1}},
		{"ids short", []uint32{1, 2}, []uint64{1, 1}, []uint32{0}},
		{"id out of range", []uint32{1, 2}, []uint64{1, 1}, []uint32{0, 2}},
		{"uids not ascending", []uint32{2, 2}, []uint64{1, 1}, []uint32{0, 1}},
		{"uid zero", []uint32{0, 2}, []uint64{1, 1}, []uint32{0, 1}},
	} {
		var v view
		var fi flagInterner
		if _, ok := v.fromArrays(tc.uids, tc.modseqs, tc.ids, lists, &fi); ok {
			t.Errorf("%s: accepted", tc.name)
		}
	}
	var v view
	var fi flagInterner
	if _, ok := v.fromArrays(nil, nil, nil, nil, &fi); !ok || len(v.uids) != 0 {
		t.Error("empty mailbox rejected")
	}
	v.add(7, fi.intern([]string{`\Seen`}), 3)
	if v.uids[0] != 7 || !v.flagsAt(0).seen || v.modseqAt(0) != 3 {
		t.Errorf("add to an empty shared view: %v %v %v", v.uids, v.flagsAt(0).flags, v.modseq)
	}
}

// TestViewSetsCompaction gives 100 messages 10,000 different keyword
// lists: the sets table stays bounded and every message keeps its flags.
func TestViewSetsCompaction(t *testing.T) {
	var fi flagInterner
	v, orig, a := sharedView(t, 100, [][]string{nil, {`\Seen`}, {`\Seen`}, {`\Flagged`}}, &fi)
	want := make([]*flagSet, len(v.uids))
	for i := range want {
		want[i] = v.flagsAt(i)
	}
	for k := range 10000 {
		i := k * 7 % len(want)
		fs := fi.intern([]string{"kw" + strconv.Itoa(k)})
		v.setFlags(i, fs)
		want[i] = fs
		if len(v.sets) > maxFlagSets {
			t.Fatalf("after %d changes the table has %d sets", k+1, len(v.sets))
		}
	}
	for i := range want {
		if v.flagsAt(i) != want[i] {
			t.Fatalf("message %d: flags %q, want %q", i, v.flagsAt(i).flags, want[i].flags)
		}
	}
	if !orig.same(a) {
		t.Error("backend arrays written")
	}
}

// TestViewSetsManyLive: more live sets than maxFlagSets. Compaction
// cannot shrink the table below them; it must not lose any, and the table
// stays within twice the live sets.
func TestViewSetsManyLive(t *testing.T) {
	var fi flagInterner
	const n = 6000
	v, _, _ := sharedView(t, n, [][]string{nil}, &fi)
	want := make([]*flagSet, n)
	for k := range 3 * n {
		i := k % n
		fs := fi.intern([]string{"kw" + strconv.Itoa(k)})
		v.setFlags(i, fs)
		want[i] = fs
		if len(v.sets) > 2*n+1 {
			t.Fatalf("after %d changes the table has %d sets", k+1, len(v.sets))
		}
	}
	for i := range want {
		if v.flagsAt(i) != want[i] {
			t.Fatalf("message %d: flags %q, want %q", i, v.flagsAt(i).flags, want[i].flags)
		}
	}
}

// TestViewArraysModel applies random changes to a shared view and to a
// plain model of it; they must agree after every step, and the backend's
// arrays must never change. Duplicate lists in the snapshot and a keyword
// pool larger than maxFlagSets exercise the id lookup and compaction.
func TestViewArraysModel(t *testing.T) {
	var fi flagInterner
	lists := [][]string{nil, {`\Seen`}, {`\Seen`}, {`\Deleted`, `\Seen`}, {`\Seen`, `\Deleted`}}
	v, orig, a := sharedView(t, 500, lists, &fi)
	type msg struct {
		uid uint32
		fs  *flagSet
		ms  uint64
	}
	var model []msg
	for i := range v.uids {
		model = append(model, msg{v.uids[i], fi.intern(lists[i%len(lists)]), v.modseqAt(i)})
	}
	rng := rand.New(rand.NewPCG(1, 2))
	flagsOf := func() *flagSet {
		switch rng.IntN(3) {
		case 0:
			return fi.intern(lists[rng.IntN(len(lists))])
		default:
			return fi.intern([]string{"k" + strconv.Itoa(rng.IntN(6000))})
		}
	}
	for step := range 30000 {
		switch op := rng.IntN(20); {
		case op < 10 && len(model) > 0:
			i := rng.IntN(len(model))
			fs := flagsOf()
			v.setFlags(i, fs)
			model[i].fs = fs
		case op < 16 && len(model) > 0:
			i := rng.IntN(len(model))
			ms := uint64(rng.IntN(1 << 20))
			v.setModseq(i, ms)
			model[i].ms = ms
		case op < 18:
			uid := v.lastUID() + 1 + uint32(rng.IntN(3))
			m := msg{uid, flagsOf(), uint64(step)}
			v.add(m.uid, m.fs, m.ms)
			model = append(model, m)
		default:
			var idx []int
			for i := range model {
				if rng.IntN(40) == 0 {
					idx = append(idx, i)
				}
			}
			v.removeIndexes(idx)
			for k := len(idx) - 1; k >= 0; k-- {
				model = slices.Delete(model, idx[k], idx[k]+1)
			}
		}
		if len(v.uids) != len(model) || len(v.flagIDs) != len(model) || len(v.modseq) != len(model) {
			t.Fatalf("step %d: lengths %d %d %d, model %d", step, len(v.uids), len(v.flagIDs), len(v.modseq), len(model))
		}
		if step%97 == 0 || step < 50 {
			for i, m := range model {
				if v.uids[i] != m.uid || v.flagsAt(i) != m.fs || v.modseqAt(i) != m.ms {
					t.Fatalf("step %d, message %d: view (%d %q %d), model (%d %q %d)", step, i,
						v.uids[i], v.flagsAt(i).flags, v.modseqAt(i), m.uid, m.fs.flags, m.ms)
				}
			}
			if len(v.sets) > 2*max(maxFlagSets, len(model)) {
				t.Fatalf("step %d: %d sets for %d messages", step, len(v.sets), len(model))
			}
		}
	}
	if !orig.same(a) {
		t.Error("backend arrays written")
	}
}

// TestViewFromArraysListPerMessage: a backend that sends one flag list
// per message (no sharing of equal lists) still leaves the view a table
// of the distinct sets, and its arrays untouched.
func TestViewFromArraysListPerMessage(t *testing.T) {
	var fi flagInterner
	const n = 10000
	lists := make([][]string, n)
	for i := range lists {
		lists[i] = []string{`\Seen`, "kw" + strconv.Itoa(i%3)}
	}
	a := &sharedArrays{flagSets: lists}
	for i := range n {
		a.uids = append(a.uids, uint32(i+1))
		a.modseqs = append(a.modseqs, 1)
		a.flagIDs = append(a.flagIDs, uint32(i))
	}
	orig := copyArrays(a)
	var v view
	if _, ok := v.fromArrays(a.uids, a.modseqs, a.flagIDs, a.flagSets, &fi); !ok {
		t.Fatal("rejected")
	}
	if len(v.sets) != 3 {
		t.Errorf("%d sets, want 3", len(v.sets))
	}
	for i := range n {
		if got := v.flagsAt(i).flags; !slices.Equal(got, lists[i]) {
			t.Fatalf("message %d: %q, want %q", i, got, lists[i])
		}
	}
	if !orig.same(a) {
		t.Error("backend arrays written")
	}
}
