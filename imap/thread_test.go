package imap

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// The THREAD responses of RFC 5256 §3 and §4 parse and format back
// byte for byte.
func TestThreadWireRFCExamples(t *testing.T) {
	examples := []string{
		"(2)(3 6 (4 23)(44 7 96))",
		"((3)(5))",
		"(166)(167)(168)(169)(172)(170)(171)(173)(174 (175)(176)(178)(181)(180))(179)(177 (183)(182)(188)(184)(185)(186)(187)(189))(190)(191)(192)(193)(194 195)(196 (197)(198))(199)(200 202)(201)(203)(204)(205)(206 207)(208)",
		"(166)(167)(168)(169)(172)((170)(179))(171)(173)((174)(175)(176)(178)(181)(180))((177)(183)(182)(188 (184)(189))(185 186)(187))(190)(191)(192)(193)((194)(195 196))(197 198)(199)(200 202)(201)(203)(204)(205 206 207)(208)",
		"",
	}
	for _, ex := range examples {
		th, err := ParseThreads(ex)
		if err != nil {
			t.Fatalf("ParseThreads(%q): %v", ex, err)
		}
		if got := FormatThreads(th); got != ex {
			t.Errorf("round trip:\n got  %s\n want %s", got, ex)
		}
	}
	// The structure of the §4 example: 3 -> 6 -> {4 -> 23, 44 -> 7 -> 96}.
	th, _ := ParseThreads("(2)(3 6 (4 23)(44 7 96))")
	if len(th) != 2 || fmt.Sprint(th[1].Chain) != "[3 6]" || len(th[1].Children) != 2 ||
		fmt.Sprint(th[1].Children[1].Chain) != "[44 7 96]" {
		t.Errorf("parsed structure wrong: %+v", th[1])
	}
}

func TestParseThreadsErrors(t *testing.T) {
	for _, bad := range []string{"(", ")", "(1", "(0)", "()", "(1)(", "(a)", "(1 (2)", "(99999999999)", "x", strings.Repeat("(", MaxThreadDepth+2) + "1" + strings.Repeat(")", MaxThreadDepth+2)} {
		if _, err := ParseThreads(bad); err == nil {
			t.Errorf("ParseThreads(%q): no error", bad)
		}
	}
	// Lenient about white space the RFC examples show between lists.
	if th, err := ParseThreads("(1) (2 3)"); err != nil || len(th) != 2 {
		t.Errorf("spaces between threads: %v %v", th, err)
	}
	if th, err := ParseThreads("(1 (2) (3 4) )"); err != nil || FormatThreads(th) != "(1 (2)(3 4))" {
		t.Errorf("spaces between nested threads: %v %v", th, err)
	}
}

func TestFormatThreadsCollapsesSingleChild(t *testing.T) {
	th := []*Thread{
		{Chain: []uint32{1}, Children: []*Thread{{Chain: []uint32{2}, Children: []*Thread{{Chain: []uint32{3}}, {Chain: []uint32{4}}}}}},
		{Children: []*Thread{{Chain: []uint32{5}}}}, // a dummy with one child is the child
	}
	if got := FormatThreads(th); got != "(1 2 (3)(4))(5)" {
		t.Errorf("got %s", got)
	}
}

// checkThreads verifies the invariants every THREAD result must keep:
// each message exactly once, no empty or single-child dummies, dummies only
// at the top.
func checkThreads(t *testing.T, msgs []SortMessage, threads []*Thread) {
	t.Helper()
	seen := make(map[uint32]int)
	var walk func(th *Thread, top bool)
	walk = func(th *Thread, top bool) {
		if len(th.Chain) == 0 {
			if !top {
				t.Fatalf("nested dummy in %s", FormatThreads(threads))
			}
			if len(th.Children) < 2 {
				t.Fatalf("dummy with %d children in %s", len(th.Children), FormatThreads(threads))
			}
		}
		if len(th.Children) == 1 {
			t.Fatalf("single child not folded into the chain: %s", FormatThreads(threads))
		}
		for _, n := range th.Chain {
			seen[n]++
		}
		for _, c := range th.Children {
			walk(c, false)
		}
	}
	for _, th := range threads {
		walk(th, true)
	}
	for _, m := range msgs {
		if seen[m.Num] != 1 {
			t.Fatalf("message %d appears %d times in %s", m.Num, seen[m.Num], FormatThreads(threads))
		}
	}
	if len(seen) != len(msgs) {
		t.Fatalf("%d numbers for %d messages", len(seen), len(msgs))
	}
	wire := FormatThreads(threads)
	back, err := ParseThreads(wire)
	if err != nil || FormatThreads(back) != wire {
		t.Fatalf("wire form does not parse back: %q: %v", wire, err)
	}
}

// fuzzMessages builds a random reference graph from data: few IDs, so
// that duplicates, self references, cycles and missing parents are
// common.
func fuzzMessages(data []byte) []SortMessage {
	subjects := []string{"a", "Re: a", "b", "Fwd: b", "", "Re:", "[x] a", "[fwd: b]", "a (fwd)"}
	next := func() byte {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return b
	}
	n := int(next()) % 64
	msgs := make([]SortMessage, n)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range msgs {
		m := &msgs[i]
		m.Num = uint32(i + 1)
		m.InternalDate = base.Add(time.Duration(next()%16) * time.Hour)
		if b := next(); b%4 != 0 {
			m.Date = base.Add(time.Duration(b%8) * time.Hour).Format(time.RFC1123Z)
		}
		m.Subject = subjects[int(next())%len(subjects)]
		if b := next(); b%8 != 0 {
			m.MessageID = fmt.Sprintf("<%d@x>", b%16)
		}
		nrefs := int(next()) % 6
		var refs []string
		for k := 0; k < nrefs; k++ {
			refs = append(refs, fmt.Sprintf("<%d@x>", next()%16))
		}
		if next()%2 == 0 {
			m.References = strings.Join(refs, " ")
		} else {
			m.InReplyTo = strings.Join(refs, " ")
		}
	}
	return msgs
}

func FuzzThreadReferences(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{5, 1, 1, 1, 1, 2, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte("\x20the quick brown fox jumps over the lazy dog, again and again and again"))
	rng := rand.New(rand.NewPCG(1, 2))
	for k := 0; k < 8; k++ {
		b := make([]byte, 200)
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		msgs := fuzzMessages(data)
		threads := ReferenceThreads(msgs)
		checkThreads(t, msgs, threads)
		checkThreads(t, msgs, OrderedSubjectThreads(msgs))
		// The direct wire writer agrees with AppendThreads.
		if got, want := string(AppendReferenceThreadsData(nil, threadDataOf(msgs))), FormatThreads(threads); got != want {
			t.Fatalf("AppendReferenceThreadsData:\n got  %s\n want %s", got, want)
		}
	})
}

// A References header far longer than MaxThreadReferences still threads
// under its last ID.
func TestThreadManyReferences(t *testing.T) {
	var refs []string
	for i := 0; i < 3*MaxThreadReferences; i++ {
		refs = append(refs, fmt.Sprintf("<r%d@x>", i))
	}
	msgs := []SortMessage{
		{Num: 1, MessageID: fmt.Sprintf("<r%d@x>", 3*MaxThreadReferences-1)},
		{Num: 2, MessageID: "<last@x>", References: strings.Join(refs, " ")},
	}
	if got := FormatThreads(ReferenceThreads(msgs)); got != "(1 2)" {
		t.Errorf("got %s", got)
	}
}

// A long reply chain (each message answering the previous one) is one
// thread, and threading it does not take quadratic time.
func TestThreadLongChain(t *testing.T) {
	const n = 20000
	msgs := make([]SortMessage, n)
	for i := range msgs {
		msgs[i] = SortMessage{Num: uint32(i + 1), MessageID: fmt.Sprintf("<c%d@x>", i), Subject: "Re: chain"}
		if i > 0 {
			msgs[i].InReplyTo = fmt.Sprintf("<c%d@x>", i-1)
		}
	}
	th := ReferenceThreads(msgs)
	if len(th) != 1 || len(th[0].Chain) != n {
		t.Fatalf("got %d threads", len(th))
	}
	checkThreads(t, msgs, th)
}

// syntheticMailbox makes n messages shaped like a busy mailbox: threads of
// a few replies, list tags, encoded subjects, dates spread over a year.
func syntheticMailbox(n int) []SortMessage {
	rng := rand.New(rand.NewPCG(42, 7))
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	msgs := make([]SortMessage, n)
	for i := range msgs {
		topic := rng.IntN(n/5 + 1)
		subj := fmt.Sprintf("Topic number %d", topic)
		switch rng.IntN(4) {
		case 0:
			subj = "Re: " + subj
		case 1:
			subj = "[list] Re: " + subj
		case 2:
			subj = "=?UTF-8?Q?Caf=C3=A9_" + fmt.Sprint(topic) + "?="
		}
		d := base.Add(time.Duration(rng.Int64N(365*24*3600)) * time.Second)
		m := SortMessage{
			Num:          uint32(i + 1),
			InternalDate: d.Add(time.Minute),
			Size:         int64(1000 + rng.IntN(100000)),
			Date:         d.Format(time.RFC1123Z),
			Subject:      subj,
			From:         []Address{{Name: "User", Mailbox: fmt.Sprintf("user%d", rng.IntN(500)), Host: "example.org"}},
			MessageID:    fmt.Sprintf("<%d.%d@example.org>", i, topic),
		}
		if i > 0 && rng.IntN(3) > 0 {
			p := rng.IntN(i)
			m.InReplyTo = msgs[p].MessageID
			m.References = msgs[p].References + " " + msgs[p].MessageID
			if len(m.References) > 2000 {
				m.References = m.References[len(m.References)-2000:]
			}
		}
		msgs[i] = m
	}
	return msgs
}

func BenchmarkSortDate100k(b *testing.B) {
	msgs := syntheticMailbox(100000)
	prog := []SortCriterion{{Key: SortDate}}
	b.ReportAllocs()
	for b.Loop() {
		Sort(msgs, prog)
	}
}

func BenchmarkSortSubject100k(b *testing.B) {
	msgs := syntheticMailbox(100000)
	prog := []SortCriterion{{Key: SortSubject}, {Key: SortDate, Reverse: true}}
	b.ReportAllocs()
	for b.Loop() {
		Sort(msgs, prog)
	}
}

func BenchmarkThreadReferences100k(b *testing.B) {
	msgs := syntheticMailbox(100000)
	b.ReportAllocs()
	for b.Loop() {
		ReferenceThreads(msgs)
	}
}

func BenchmarkThreadOrderedSubject100k(b *testing.B) {
	msgs := syntheticMailbox(100000)
	b.ReportAllocs()
	for b.Loop() {
		OrderedSubjectThreads(msgs)
	}
}

func BenchmarkBaseSubject(b *testing.B) {
	subjects := []string{"Re: [list] Fwd: re: Budget", "Meeting agenda", "=?UTF-8?Q?Re:_caf=C3=A9?=", "[Fwd: Re: Spaces and tabs]"}
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range subjects {
			BaseSubject(s)
		}
	}
}

func ExampleReferenceThreads() {
	msgs := []SortMessage{
		{Num: 1, Subject: "Lunch?", MessageID: "<1@example.org>", Date: "Mon, 5 Jan 2026 09:00:00 +0000"},
		{Num: 2, Subject: "Re: Lunch?", MessageID: "<2@example.org>", InReplyTo: "<1@example.org>", Date: "Mon, 5 Jan 2026 09:30:00 +0000"},
		{Num: 3, Subject: "Minutes", MessageID: "<3@example.org>", Date: "Mon, 5 Jan 2026 10:00:00 +0000"},
		{Num: 4, Subject: "Re: Lunch?", MessageID: "<4@example.org>", References: "<1@example.org> <2@example.org>", Date: "Mon, 5 Jan 2026 10:15:00 +0000"},
		{Num: 5, Subject: "Fwd: Minutes", MessageID: "<5@example.org>", Date: "Mon, 5 Jan 2026 11:00:00 +0000"},
	}
	fmt.Println(FormatThreads(ReferenceThreads(msgs)))
	fmt.Println(FormatThreads(OrderedSubjectThreads(msgs)))
	// Output:
	// (1 2 4)(3 5)
	// (1 (2)(4))(3 5)
}

func ExampleSort() {
	msgs := []SortMessage{
		{Num: 1, Subject: "Re: budget", Date: "Tue, 6 Jan 2026 10:00:00 +0100"},
		{Num: 2, Subject: "[team] Agenda", Date: "Tue, 6 Jan 2026 08:30:00 +0000"},
		{Num: 3, Subject: "Budget", Date: "Mon, 5 Jan 2026 23:00:00 -0500"},
	}
	fmt.Println(Sort(msgs, []SortCriterion{{Key: SortDate}}))
	fmt.Println(Sort(msgs, []SortCriterion{{Key: SortSubject}, {Key: SortDate, Reverse: true}}))
	// Output:
	// [3 2 1]
	// [2 1 3]
}

func FuzzParseThreads(f *testing.F) {
	for _, s := range []string{"(2)(3 6 (4 23)(44 7 96))", "((3)(5))", "(1 (2) (3 4) )", "(", "((1)", "(4294967295)"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		th, err := ParseThreads(s)
		if err != nil {
			return
		}
		wire := FormatThreads(th)
		back, err := ParseThreads(wire)
		if err != nil || FormatThreads(back) != wire {
			t.Fatalf("%q -> %q does not parse back: %v", s, wire, err)
		}
	})
}

func FuzzMessageIDs(f *testing.F) {
	for _, s := range []string{`<"a b"@c> (x <y@z>) <d@e>`, `<a@b`, `"<x@y>" <p@q>`, `<a\@b@c>`, "<a@b>\r\n <c@d>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, id := range appendMessageIDs(nil, s, -1) {
			at := strings.IndexByte(id, '@')
			if at <= 0 || at == len(id)-1 || len(id) > 998 {
				t.Fatalf("invalid ID %q from %q", id, s)
			}
		}
	})
}

// The precomputed entry points give the answers of the plain ones: the
// THREAD of a synthetic mailbox with subjects numbered by the caller, and
// SORT on keys computed by SentDateKey and SubjectKey.
func TestPrecomputedEqualsPlain(t *testing.T) {
	msgs := syntheticMailbox(5000)
	n := len(msgs)
	d := &ThreadData{
		Num: make([]uint32, n), Date: make([]int64, n), Subject: make([]string, n),
		Reply: make([]bool, n), MessageID: make([]int32, n), Refs: make([][]int32, n),
		SubjectID: make([]int32, n),
	}
	ids := map[string]int32{}
	intern := func(m map[string]int32, s string) int32 {
		if k, ok := m[s]; ok {
			return k
		}
		m[s] = int32(len(m))
		return m[s]
	}
	subjects := map[string]int32{}
	sd := &SortData{Arrival: make([]int64, n), Date: make([]int64, n), Size: make([]int64, n), Subject: make([]string, n)}
	for i, m := range msgs {
		d.Num[i] = m.Num
		d.Date[i] = SentDateKey(m.Date, m.InternalDate)
		d.Subject[i], d.Reply[i] = SubjectKey(m.Subject)
		d.SubjectID[i] = intern(subjects, d.Subject[i])
		d.MessageID[i] = -1
		if id, ok := FirstMessageID(m.MessageID); ok {
			d.MessageID[i] = intern(ids, id)
		}
		for _, r := range MessageReferences(nil, m.References, m.InReplyTo) {
			d.Refs[i] = append(d.Refs[i], intern(ids, r))
		}
		sd.Arrival[i], sd.Date[i], sd.Size[i], sd.Subject[i] = m.InternalDate.UnixNano(), d.Date[i], m.Size, d.Subject[i]
	}
	d.IDs, d.Subjects = int32(len(ids)), int32(len(subjects))
	want := FormatThreads(ReferenceThreads(msgs))
	if got := FormatThreads(ReferenceThreadsData(d)); got != want {
		t.Fatalf("ReferenceThreadsData differs from ReferenceThreads:\n%.300s\n%.300s", got, want)
	}
	if got := string(AppendReferenceThreadsData(nil, d)); got != want {
		t.Fatalf("AppendReferenceThreadsData differs from ReferenceThreads:\n%.300s\n%.300s", got, want)
	}
	d.SubjectID = nil // numbered by the algorithm itself
	if got := FormatThreads(ReferenceThreadsData(d)); got != want {
		t.Fatal("ReferenceThreadsData without SubjectID differs")
	}
	for _, prog := range [][]SortCriterion{
		{{Key: SortDate}},
		{{Key: SortSubject}, {Key: SortDate, Reverse: true}},
		{{Key: SortSize, Reverse: true}, {Key: SortArrival}},
	} {
		if got, want := SortOrderData(sd, n, prog), SortOrder(msgs, prog); !slices.Equal(got, want) {
			t.Errorf("SortOrderData %v differs from SortOrder", prog)
		}
	}
	// Keyed messages sort like raw ones.
	keyed := slices.Clone(msgs)
	for i := range keyed {
		keyed[i].Keyed, keyed[i].DateKey, keyed[i].SubjectKey, keyed[i].Reply = true, d.Date[i], d.Subject[i], d.Reply[i]
		keyed[i].Date, keyed[i].Subject = "", ""
	}
	if !slices.Equal(SortOrder(keyed, []SortCriterion{{Key: SortSubject}, {Key: SortDate}}), SortOrder(msgs, []SortCriterion{{Key: SortSubject}, {Key: SortDate}})) {
		t.Error("Keyed messages sort differently")
	}
	if FormatThreads(OrderedSubjectThreads(keyed)) != FormatThreads(OrderedSubjectThreads(msgs)) {
		t.Error("Keyed messages thread differently (ORDEREDSUBJECT)")
	}
}

// BenchmarkThreadReferencesData100k is REFERENCES on precomputed input,
// what a server with cached keys (imapserver's sort cache) pays per
// THREAD.
func BenchmarkThreadReferencesData100k(b *testing.B) {
	msgs := syntheticMailbox(100000)
	d := &ThreadData{}
	ids, subjects := map[string]int32{}, map[string]int32{}
	intern := func(m map[string]int32, s string) int32 {
		if k, ok := m[s]; ok {
			return k
		}
		m[s] = int32(len(m))
		return m[s]
	}
	for _, m := range msgs {
		subj, reply := SubjectKey(m.Subject)
		id := int32(-1)
		if s, ok := FirstMessageID(m.MessageID); ok {
			id = intern(ids, s)
		}
		var refs []int32
		for _, r := range MessageReferences(nil, m.References, m.InReplyTo) {
			refs = append(refs, intern(ids, r))
		}
		d.Num = append(d.Num, m.Num)
		d.Date = append(d.Date, SentDateKey(m.Date, m.InternalDate))
		d.Subject = append(d.Subject, subj)
		d.Reply = append(d.Reply, reply)
		d.SubjectID = append(d.SubjectID, intern(subjects, subj))
		d.MessageID = append(d.MessageID, id)
		d.Refs = append(d.Refs, refs)
	}
	d.IDs, d.Subjects = int32(len(ids)), int32(len(subjects))
	b.ReportAllocs()
	var buf []byte
	for b.Loop() {
		buf = AppendReferenceThreadsData(buf[:0], d)
	}
}
