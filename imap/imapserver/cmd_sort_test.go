package imapserver

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

type sortTestMessage struct {
	internal time.Time
	raw      string
}

// loadSortMailbox reads imap/testdata/sortthread/mailbox.txt: the test
// mailbox shared with package imap's algorithm tests.
func loadSortMailbox(t *testing.T) []sortTestMessage {
	t.Helper()
	data, err := os.ReadFile("../testdata/sortthread/mailbox.txt")
	if err != nil {
		t.Fatal(err)
	}
	var out []sortTestMessage
	var b strings.Builder
	started := false
	flush := func() {
		if started {
			out[len(out)-1].raw = b.String()
		}
		b.Reset()
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "=== "); ok {
			flush()
			f := strings.Fields(rest)
			d, err := time.Parse(time.RFC3339, f[1])
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, sortTestMessage{internal: d})
			started = true
			continue
		}
		if started {
			b.WriteString(line + "\r\n")
		}
	}
	flush()
	return out
}

type sortExpectation struct {
	args string // "SORT (DATE) UTF-8 ALL"
	want string // response data after "* SORT" / "* THREAD"
}

// loadSortExpectations turns expected.txt's "SORT (DATE) = ..." and
// "THREAD REFERENCES 2:6 = ..." lines into commands.
func loadSortExpectations(t *testing.T) []sortExpectation {
	t.Helper()
	f, err := os.Open("../testdata/sortthread/expected.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []sortExpectation
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "base ") {
			continue
		}
		cmd, want, _ := strings.Cut(line, " = ")
		search := "ALL"
		if i := strings.LastIndexByte(cmd, ' '); strings.Contains(cmd[i:], ":") {
			cmd, search = cmd[:i], cmd[i+1:]
		}
		verb, rest, _ := strings.Cut(cmd, " ")
		out = append(out, sortExpectation{args: verb + " " + rest + " UTF-8 " + search, want: want})
	}
	return out
}

// startSortServer serves the test mailbox in INBOX. Two messages were
// expunged before it, so UID = sequence number + 2.
func startSortServer(t *testing.T) (*testServer, *client) {
	t.Helper()
	return startSortServerCache(t, true)
}

// startSortServerCache is startSortServer; without cache the messages have
// no cached structure, so that the server reads their headers.
func startSortServerCache(t *testing.T, cache bool) (*testServer, *client) {
	t.Helper()
	ts := startServer(t, nil)
	mb := ts.b.boxes["INBOX"]
	ts.b.mu.Lock()
	mb.add([]byte("Subject: gone\r\n\r\nx\r\n"), nil, time.Time{})
	mb.add([]byte("Subject: gone\r\n\r\nx\r\n"), nil, time.Time{})
	mb.msgs = mb.msgs[2:]
	for _, m := range loadSortMailbox(t) {
		mm := mb.add([]byte(m.raw), nil, m.internal)
		if !cache {
			mm.blob = nil
		}
	}
	ts.b.mu.Unlock()
	c := ts.dial(t).login()
	c.selectBox("INBOX")
	return ts, c
}

func untaggedData(t *testing.T, lines []string, prefix string) string {
	t.Helper()
	for _, l := range lines {
		if l == prefix {
			return ""
		}
		if rest, ok := strings.CutPrefix(l, prefix+" "); ok {
			return rest
		}
	}
	t.Fatalf("no %q response in %q", prefix, lines)
	return ""
}

func plusTwo(t *testing.T, nums string) string {
	var out []string
	for _, f := range strings.Fields(nums) {
		n, err := strconv.Atoi(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, strconv.Itoa(n+2))
	}
	return strings.Join(out, " ")
}

// Every ordering of expected.txt (written by hand from RFC 5256) comes
// out of the server, by sequence number and by UID, from cached envelopes
// and from message headers.
func TestSortThreadExpectedOrderings(t *testing.T) {
	t.Run("cached", func(t *testing.T) { testSortThreadExpected(t, true) })
	t.Run("uncached", func(t *testing.T) { testSortThreadExpected(t, false) })
}

func testSortThreadExpected(t *testing.T, cache bool) {
	_, c := startSortServerCache(t, cache)
	exps := loadSortExpectations(t)
	if len(exps) < 10 {
		t.Fatalf("only %d expectations", len(exps))
	}
	for i, e := range exps {
		tag := "s" + strconv.Itoa(i)
		out := c.mustOK(tag + " " + e.args)
		verb, _, _ := strings.Cut(e.args, " ")
		if got := untaggedData(t, out, "* "+verb); got != e.want {
			t.Errorf("%s:\n got  %s\n want %s", e.args, got, e.want)
		}
		if verb == "SORT" {
			out := c.mustOK("u" + strconv.Itoa(i) + " UID " + e.args)
			if got, want := untaggedData(t, out, "* SORT"), plusTwo(t, e.want); got != want {
				t.Errorf("UID %s:\n got  %s\n want %s", e.args, got, want)
			}
		}
	}
	// UID THREAD reports UIDs in the same shape.
	out := c.mustOK("v UID THREAD REFERENCES UTF-8 2:6")
	if got := untaggedData(t, out, "* THREAD"); got != "((7)(4 5)(6)(8))" {
		t.Errorf("UID THREAD: got %s", got)
	}
}

func TestSortTranscript(t *testing.T) {
	_, c := startSortServer(t)
	runSteps(t, c, []step{
		// Search keys combine with sorting (RFC 5256 §3 examples' shape).
		{"a SORT (SUBJECT) UTF-8 SUBJECT lunch", "OK", []string{"* SORT 37 38 39 40 41 42"}, nil},
		{"b SORT (REVERSE ARRIVAL) US-ASCII 1:5", "OK", []string{"* SORT 4 3 2 1 5"}, nil},
		{"c SORT (SUBJECT) US-ASCII TEXT \"not in mailbox\"", "OK", []string{"* SORT"}, []string{"* SORT "}},
		{"d THREAD ORDEREDSUBJECT US-ASCII TEXT \"not in mailbox\"", "OK", []string{"* THREAD"}, []string{"* THREAD "}},
		{"e SORT (DATE) \"UTF-8\" UID 3:5", "OK", []string{"* SORT 1 2 3"}, nil},
		{"f sort (date) utf-8 all", "OK", []string{"* SORT 5 1 2"}, nil},
		// ESORT (RFC 5267 §3): MIN/MAX are the first and last in sort
		// order; ALL keeps sort order (ranges only for ascending runs).
		{"g SORT RETURN (MIN MAX COUNT) (DATE) UTF-8 ALL", "OK", []string{`* ESEARCH (TAG "g") MIN 5 MAX 58 COUNT 58`}, nil},
		{"h SORT RETURN (ALL) (DATE) UTF-8 30:36", "OK", []string{`* ESEARCH (TAG "h") ALL 30:34,36,35`}, nil},
		{"i SORT RETURN () (REVERSE DATE) UTF-8 1:6", "OK", []string{`* ESEARCH (TAG "i") ALL 6,4,3,2,1,5`}, nil},
		{"j UID SORT RETURN (COUNT MIN) (DATE) UTF-8 1:6", "OK", []string{`* ESEARCH (TAG "j") UID MIN 7 COUNT 6`}, nil},
		{"k SORT RETURN (COUNT) (DATE) UTF-8 TEXT nowhere", "OK", []string{`* ESEARCH (TAG "k") COUNT 0`}, nil},
		{"l SORT RETURN (MIN) (DATE) UTF-8 TEXT nowhere", "OK", []string{`* ESEARCH (TAG "l")`}, []string{"MIN"}},
		// Errors.
		{"m SORT (BOGUS) UTF-8 ALL", "BAD", nil, []string{"* SORT"}},
		{"n SORT (DATE) KOI8-R ALL", "NO [BADCHARSET (UTF-8 US-ASCII)]", nil, []string{"* SORT"}},
		{"o SORT DATE UTF-8 ALL", "BAD", nil, nil},
		{"p SORT (DATE) UTF-8", "BAD", nil, nil},
		{"q SORT (REVERSE) UTF-8 ALL", "BAD", nil, nil},
		{"r SORT () UTF-8 ALL", "BAD", nil, nil},
		{"s SORT (DATE)", "BAD", nil, nil},
		{"t SORT RETURN (SAVE) (DATE) UTF-8 ALL", "BAD", nil, nil},
		{"u SORT (DATE) UTF-8 NOSUCHKEY", "BAD", nil, nil},
		{"v THREAD BOGUS UTF-8 ALL", "BAD", nil, []string{"* THREAD"}},
		{"w THREAD REFERENCES KOI8-R ALL", "NO [BADCHARSET", nil, nil},
		{"x THREAD REFERENCES", "BAD", nil, nil},
		{"y THREAD REFERENCES UTF-8 ALL extra)", "BAD", nil, nil},
		// The connection still works after the errors.
		{"z THREAD ORDEREDSUBJECT UTF-8 1:3", "OK", []string{"* THREAD (1 (2)(3))"}, nil},
	})
}

func TestSortNeedsSelectedState(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.dial(t).login()
	runSteps(t, c, []step{
		{"a SORT (DATE) UTF-8 ALL", "BAD", nil, []string{"* SORT"}},
		{"b THREAD REFERENCES UTF-8 ALL", "BAD", nil, []string{"* THREAD"}},
		{"c UID SORT (DATE) UTF-8 ALL", "BAD", nil, nil},
	})
}

// An empty mailbox sorts and threads to nothing.
func TestSortEmptyMailbox(t *testing.T) {
	ts := startServer(t, nil)
	c := ts.dial(t).login()
	c.selectBox("INBOX")
	runSteps(t, c, []step{
		{"a SORT (DATE) UTF-8 ALL", "OK", []string{"* SORT"}, []string{"* SORT "}},
		{"b THREAD REFERENCES UTF-8 ALL", "OK", []string{"* THREAD"}, []string{"* THREAD "}},
		{"c SORT RETURN (COUNT) (DATE) UTF-8 ALL", "OK", []string{`* ESEARCH (TAG "c") COUNT 0`}, nil},
	})
}

// A header without an end (or bigger than maxSortHeader) and a message
// without any header still sort.
func TestSortOddMessages(t *testing.T) {
	ts := startServer(t, nil)
	ts.b.appendMsg("INBOX", "Subject: b\r\nDate: 2 Jan 2026 00:00 +0000")                    // no body, no CRLF at the end
	ts.b.appendMsg("INBOX", "")                                                              // empty message
	ts.b.appendMsg("INBOX", "Subject: a\r\nX-Pad: "+strings.Repeat("x", 600<<10)+"\r\n\r\n") // huge header
	ts.b.appendMsg("INBOX", "subject: A\r\nSUBJECT: z\r\n\r\n")                              // first field wins
	c := ts.dial(t).login()
	c.selectBox("INBOX")
	runSteps(t, c, []step{
		{"a SORT (SUBJECT) UTF-8 ALL", "OK", []string{"* SORT 2 3 4 1"}, nil},
		{"b THREAD ORDEREDSUBJECT UTF-8 ALL", "OK", []string{"* THREAD"}, nil},
	})
}

// EXPUNGE responses wait during SORT and THREAD but not during UID SORT
// (RFC 5256 §3). A message another session expunged keeps its sequence
// number until then but can no longer be read, so it is left out of the
// result (RFC 2180 §4.3 lets a server omit it).
func TestSortDefersExpunge(t *testing.T) {
	ts := startServer(t, nil)
	for i := 0; i < 3; i++ {
		ts.b.appendMsg("INBOX", simpleMsg)
	}
	c1 := ts.dial(t).login()
	c1.selectBox("INBOX")
	c2 := ts.dial(t).login()
	c2.selectBox("INBOX")
	c2.mustOK("a STORE 1 +FLAGS (\\Deleted)")
	c2.mustOK("b EXPUNGE")
	out := c1.mustOK("c SORT (DATE) UTF-8 ALL")
	mustNotContain(t, out, "EXPUNGE")
	mustContain(t, out, "* SORT 2 3")
	out = c1.mustOK("d THREAD ORDEREDSUBJECT UTF-8 ALL")
	mustNotContain(t, out, "EXPUNGE")
	out = c1.mustOK("e UID SORT (DATE) UTF-8 ALL")
	mustContain(t, out, "* 1 EXPUNGE")
}

// benchSortServer measures one command over n synthetic messages of the
// memory backend through a real TCP connection (the response is read and
// discarded).
func benchSortServer(b *testing.B, n int, command string) {
	mb := newMemBackend()
	box := mb.boxes["INBOX"]
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		topic := (i * 7919) % (n/5 + 1)
		d := base.Add(time.Duration((i*104729)%(365*24*3600)) * time.Second)
		var hdr strings.Builder
		fmt.Fprintf(&hdr, "From: User %d <user%d@example.org>\r\nTo: list@example.org\r\nDate: %s\r\nMessage-ID: <%d@example.org>\r\n", i%500, i%500, d.Format(time.RFC1123Z), i)
		switch i % 3 {
		case 0:
			fmt.Fprintf(&hdr, "Subject: Topic %d\r\n", topic)
		default:
			fmt.Fprintf(&hdr, "Subject: Re: [list] Topic %d\r\nIn-Reply-To: <%d@example.org>\r\nReferences: <%d@example.org> <%d@example.org>\r\n", topic, i/2, i/4, i/2)
		}
		hdr.WriteString("\r\nbody\r\n")
		box.add([]byte(hdr.String()), nil, d)
	}
	s := &Server{Backend: mb, AllowInsecureAuth: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go s.Serve(ln)
	defer s.Close()
	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	r := bufio.NewReaderSize(nc, 1<<20)
	readUntil := func(tag string) {
		for {
			l, err := r.ReadSlice('\n')
			if err == bufio.ErrBufferFull {
				continue
			}
			if err != nil {
				b.Fatal(err)
			}
			if bytes.HasPrefix(l, []byte(tag+" ")) {
				if !bytes.HasPrefix(l, []byte(tag+" OK")) {
					b.Fatalf("%s", l)
				}
				return
			}
		}
	}
	r.ReadString('\n')
	fmt.Fprintf(nc, "a LOGIN user pass\r\nb SELECT INBOX\r\n")
	readUntil("a")
	readUntil("b")
	b.ReportAllocs()
	for b.Loop() {
		fmt.Fprintf(nc, "c %s\r\n", command)
		readUntil("c")
	}
}

func BenchmarkServerSortDate100k(b *testing.B) {
	benchSortServer(b, 100000, "SORT (DATE) UTF-8 ALL")
}

func BenchmarkServerThreadReferences100k(b *testing.B) {
	benchSortServer(b, 100000, "THREAD REFERENCES UTF-8 ALL")
}

// FuzzSortCommand feeds SORT and THREAD command lines (and whatever the
// fuzzer makes of them) into a session with a small mailbox of odd
// messages: nothing may panic and the session must end cleanly.
func FuzzSortCommand(f *testing.F) {
	for _, s := range []string{
		"a SORT (DATE) UTF-8 ALL",
		"a UID SORT (REVERSE SUBJECT ARRIVAL CC FROM TO SIZE DISPLAYFROM DISPLAYTO) US-ASCII OR 1 UID 2",
		"a SORT RETURN (MIN MAX COUNT ALL) (REVERSE DATE) UTF-8 TEXT {3+}\r\nabc",
		"a SORT RETURN () (SUBJECT) \"UTF-8\" NOT DELETED",
		"a THREAD REFERENCES UTF-8 ALL",
		"a UID THREAD ORDEREDSUBJECT US-ASCII SUBJECT re",
		"a SORT (DATE) KOI8-R ALL",
		"a THREAD X UTF-8 ALL",
		"a SORT ((DATE)) UTF-8 ALL",
	} {
		f.Add(s)
	}
	f.Fuzz(runSortFuzzInput)
}

func runSortFuzzInput(t *testing.T, input string) {
	var panicked atomic.Value
	testPanicHook = func(r any) { panicked.Store(r) }
	defer func() { testPanicHook = nil }()
	b := newMemBackend()
	b.appendMsg("INBOX", multipartMsg)
	b.appendMsg("INBOX", "Subject: Re: [x] (fwd)\r\nReferences: <a@b> <c@d>\r\nMessage-ID: <c@d>\r\nDate: junk\r\n\r\n")
	b.appendMsg("INBOX", "In-Reply-To: <c@d>\r\nMessage-ID: <a@b>\r\nFrom: g:;\r\n\r\n")
	b.boxes["INBOX"].msgs[2].blob = nil
	s := &Server{Backend: b, AllowInsecureAuth: true, AuthFailureDelay: time.Microsecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	cli, srv := net.Pipe()
	c := newConn(s, srv)
	done := make(chan struct{})
	go func() { c.serve(); close(done) }()
	go func() {
		io.WriteString(cli, "a LOGIN user pass\r\nb SELECT INBOX\r\n")
		io.WriteString(cli, input)
		io.WriteString(cli, "\r\nz LOGOUT\r\n")
	}()
	cli.SetDeadline(time.Now().Add(2 * time.Second))
	out, _ := io.ReadAll(cli)
	cli.Close()
	<-done
	if r := panicked.Load(); r != nil {
		t.Fatalf("panic: %v", r)
	}
	if !strings.HasPrefix(string(out), "* OK") {
		t.Fatalf("no greeting: %q", out)
	}
}
