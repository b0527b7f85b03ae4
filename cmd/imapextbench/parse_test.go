package main

import (
	"net"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestNumSetRoundTrip(t *testing.T) {
	got, err := parseNumSet("9,1:3,7,5:4")
	if err != nil {
		t.Fatal(err)
	}
	if want := []uint32{1, 2, 3, 4, 5, 7, 9}; !slices.Equal(got, want) {
		t.Fatalf("parseNumSet = %v, want %v", got, want)
	}
	if s := formatNumSet(got); s != "1:5,7,9" {
		t.Fatalf("formatNumSet = %q", s)
	}
	for _, bad := range []string{"", "1:", "a", "1,,2", "1:99999999999"} {
		if _, err := parseNumSet(bad); err == nil {
			t.Errorf("parseNumSet(%q) succeeded", bad)
		}
	}
}

func TestParseVanished(t *testing.T) {
	earlier, uids, ok, err := parseVanished([]byte("* VANISHED (EARLIER) 41,43:45"))
	if !ok || err != nil || !earlier || !slices.Equal(uids, []uint32{41, 43, 44, 45}) {
		t.Fatalf("got %v %v %v %v", earlier, uids, ok, err)
	}
	earlier, uids, ok, _ = parseVanished([]byte("* VANISHED 7"))
	if !ok || earlier || !slices.Equal(uids, []uint32{7}) {
		t.Fatalf("got %v %v %v", earlier, uids, ok)
	}
	if _, _, ok, _ := parseVanished([]byte("* 3 EXPUNGE")); ok {
		t.Fatal("EXPUNGE taken for VANISHED")
	}
}

func TestParseFetch(t *testing.T) {
	f, ok := parseFetch([]byte(`* 12 FETCH (UID 13 FLAGS (\Seen \Flagged) MODSEQ (9876))`))
	if !ok || f.seq != 12 || f.uid != 13 || f.modseq != 9876 || !slices.Equal(f.flags, []string{`\Seen`, `\Flagged`}) {
		t.Fatalf("got %+v %v", f, ok)
	}
	f, ok = parseFetch([]byte(`* 5 FETCH (FLAGS () UID 77 MODSEQ (3))`))
	if !ok || f.uid != 77 || len(f.flags) != 0 || f.modseq != 3 {
		t.Fatalf("got %+v %v", f, ok)
	}
	for _, l := range []string{"* 5 EXISTS", "* OK [HIGHESTMODSEQ 5] x", "* SEARCH 1 2"} {
		if _, ok := parseFetch([]byte(l)); ok {
			t.Errorf("%q taken for FETCH", l)
		}
	}
}

func TestResponseCodesAndStatus(t *testing.T) {
	if n, ok := respCode([]byte("* OK [HIGHESTMODSEQ 715194045007] Highest"), "HIGHESTMODSEQ"); !ok || n != 715194045007 {
		t.Fatalf("HIGHESTMODSEQ = %d %v", n, ok)
	}
	if _, ok := respCode([]byte("* OK [UIDNEXT 4] x"), "UIDVALIDITY"); ok {
		t.Fatal("found a code that is not there")
	}
	l := []byte(`* STATUS "Big100k" (MESSAGES 99950 UIDNEXT 100001)`)
	if n, ok := statusItem(l, "MESSAGES"); !ok || n != 99950 {
		t.Fatalf("MESSAGES = %d %v", n, ok)
	}
	if n, ok := statusItem(l, "UIDNEXT"); !ok || n != 100001 {
		t.Fatalf("UIDNEXT = %d %v", n, ok)
	}
	if m, u, ok := parseStatus([]byte("* STATUS Big100k (MESSAGES 5 UIDNEXT 6)")); !ok || m != 5 || u != 6 {
		t.Fatalf("parseStatus = %d %d %v", m, u, ok)
	}
	// The tagged completion must not read as an empty mailbox (which
	// would make the tool delete and refill it).
	if _, _, ok := parseStatus([]byte("x3 OK Status completed.")); ok {
		t.Fatal("the tagged OK taken for STATUS data")
	}
}

func TestParseSortAndThread(t *testing.T) {
	nums, ok := parseSort([]byte("* SORT 5 3 4 1 2"))
	if !ok || !slices.Equal(nums, []uint32{5, 3, 4, 1, 2}) {
		t.Fatalf("SORT: %v %v", nums, ok)
	}
	if nums, ok := parseSort([]byte("* SORT")); !ok || len(nums) != 0 {
		t.Fatalf("empty SORT: %v %v", nums, ok)
	}
	// RFC 5256 §4's example.
	s, err := parseThread([]byte("* THREAD (2)(3 6 (4 23)(44 7 96))"))
	if err != nil {
		t.Fatal(err)
	}
	if s.threads != 2 || s.messages != 8 || s.maxDepth != 2 {
		t.Fatalf("summary %+v", s)
	}
	if want := []string{"(2)", "(3 6(4 23)(44 7 96))"}; !slices.Equal(s.top, want) {
		t.Fatalf("canonical %q, want %q", s.top, want)
	}
	// Spacing does not change the canonical form.
	s2, err := parseThread([]byte("* THREAD (2) (3 6 (4 23) (44 7 96))"))
	if err != nil || !slices.Equal(s2.top, s.top) {
		t.Fatalf("%q %v", s2.top, err)
	}
	// A dummy parent: ((3)(5)).
	s3, err := parseThread([]byte("* THREAD ((3)(5))"))
	if err != nil || s3.top[0] != "((3)(5))" || s3.messages != 2 {
		t.Fatalf("%+v %v", s3, err)
	}
	for _, bad := range []string{"* THREAD (1", "* THREAD (1 x)", "* THREAD 1", "* SORT 1"} {
		if _, err := parseThread([]byte(bad)); err == nil {
			t.Errorf("parseThread(%q) succeeded", bad)
		}
	}
}

func TestPickChangesSpreadAndDistinct(t *testing.T) {
	uids := make([]uint32, 100000)
	for i := range uids {
		uids[i] = uint32(i*2 + 1)
	}
	f, e := pickChanges(uids, 50, 50)
	if len(f) != 50 || len(e) != 50 {
		t.Fatalf("%d flag changes, %d expunges", len(f), len(e))
	}
	all := slices.Concat(f, e)
	slices.Sort(all)
	if len(slices.Compact(slices.Clone(all))) != 100 {
		t.Fatal("a message was picked twice")
	}
	if all[0] > 2*2000 || all[99] < 2*98000 {
		t.Fatalf("changes not spread over the mailbox: %d..%d", all[0], all[99])
	}
	f2, e2 := pickChanges(uids, 50, 50)
	if !slices.Equal(f, f2) || !slices.Equal(e, e2) {
		t.Fatal("same UIDs, different changes")
	}
	if f3, _ := pickChanges(uids[1:], 50, 50); slices.Equal(f, f3) {
		t.Fatal("the changes do not depend on the mailbox")
	}
}

func TestCompareSets(t *testing.T) {
	if got := compareSets([]uint32{1, 2, 3}, []uint32{1, 2, 3}); got != "exact" {
		t.Error(got)
	}
	if got := compareSets([]uint32{1, 2, 3, 9}, []uint32{1, 2, 3}); !strings.HasPrefix(got, "superset") {
		t.Error(got)
	}
	if got := compareSets([]uint32{1, 3}, []uint32{1, 2, 3}); !strings.HasPrefix(got, "FAIL") {
		t.Error(got)
	}
}

// The client frames literals and counts exactly the bytes of each command's
// responses, against a scripted server on loopback.
func TestConnCountsBytesAndSkipsLiterals(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	const body = "* 1 FETCH (UID 5 BODY[] {12}\r\nline\r\n) x1 OK\r\n)\r\n* 2 FETCH (UID 6 FLAGS ())\r\nx1 OK done\r\n"
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.Write([]byte("* OK ready\r\n"))
		buf := make([]byte, 100)
		c.Read(buf) // x1 ...
		c.Write([]byte(body))
		c.Read(buf)
	}()
	ic, err := dial(l.Addr().String(), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer ic.c.Close()
	var uids []uint32
	b0 := ic.received()
	err = ic.run("UID FETCH 1:* (BODY[])", func(line []byte) {
		if f, ok := parseFetch(line); ok {
			uids = append(uids, f.uid)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := ic.received() - b0; got != int64(len(body)) {
		t.Fatalf("received %d bytes, want %d", got, len(body))
	}
	if !slices.Equal(uids, []uint32{5, 6}) {
		t.Fatalf("UIDs %v (the literal's fake tagged line must not end the command)", uids)
	}
}

func TestLiteralAtEnd(t *testing.T) {
	for _, c := range []struct {
		in string
		n  int64
		ok bool
	}{
		{"* 1 FETCH (BODY[] {12}\r\n", 12, true},
		{"a APPEND x {5+}\r\n", 5, true},
		{"* OK {x}\r\n", 0, false},
		{"* OK done\r\n", 0, false},
		{"{}\r\n", 0, false},
	} {
		n, ok := literalAtEnd([]byte(c.in))
		if n != c.n || ok != c.ok {
			t.Errorf("literalAtEnd(%q) = %d %v", c.in, n, ok)
		}
	}
}

func TestParseRepLine(t *testing.T) {
	op, label, s, err := parseRep(`REP op=qresync label=dovecot round=2 ms=1862.77 server_cpu_ms=573.42 bytes=3537 vanished=50 fetch_check="exact"`)
	if err != nil || op != "qresync" || label != "dovecot" || s.ms != 1862.77 || s.cpuMS != 573.42 || s.bytes != 3537 {
		t.Fatalf("%q %q %+v %v", op, label, s, err)
	}
	if _, _, _, err := parseRep("REP ms=1"); err == nil {
		t.Fatal("a REP line without op accepted")
	}
}

// FuzzParseResponses feeds arbitrary response lines to every parser of
// the tool: none may panic, and a THREAD response that parses has a
// canonical form that parses to the same summary.
func FuzzParseResponses(f *testing.F) {
	for _, s := range []string{
		"* THREAD (2)(3 6 (4 23)(44 7 96))", "* THREAD ((3)(5))", "* THREAD",
		`* 12 FETCH (UID 13 FLAGS (\Seen) MODSEQ (9876))`, "* VANISHED (EARLIER) 1:3,5",
		"* SORT 5 3 4", `* STATUS "x" (MESSAGES 1 UIDNEXT 2)`, "* OK [HIGHESTMODSEQ 7] x",
		"* 1 FETCH (BODY[] {12}\r\n", "* THREAD (((((1)))))",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l := []byte(s)
		parseFetch(l)
		parseVanished(l)
		parseSort(l)
		parseStatus(l)
		respCode(l, "HIGHESTMODSEQ")
		literalAtEnd(l)
		untaggedNum(l)
		sum, err := parseThread(l)
		if err != nil {
			return
		}
		again, err := parseThread([]byte("* THREAD " + strings.Join(sum.top, "")))
		if err != nil || again.threads != sum.threads || again.messages != sum.messages || !slices.Equal(again.top, sum.top) {
			t.Fatalf("canonical form of %q does not round-trip: %+v %v", s, again, err)
		}
	})
}
