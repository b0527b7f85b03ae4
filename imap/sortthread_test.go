package imap

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// testMessage is one message of testdata/sortthread/mailbox.txt.
type testMessage struct {
	seq      uint32
	internal time.Time
	raw      string // CRLF line ends
}

func loadSortMailbox(t testing.TB) []testMessage {
	t.Helper()
	data, err := os.ReadFile("testdata/sortthread/mailbox.txt")
	if err != nil {
		t.Fatal(err)
	}
	var out []testMessage
	var cur *testMessage
	var b strings.Builder
	flush := func() {
		if cur != nil {
			cur.raw = b.String()
			out = append(out, *cur)
		}
		b.Reset()
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "#") && cur == nil {
			continue
		}
		if rest, ok := strings.CutPrefix(line, "=== "); ok {
			flush()
			f := strings.Fields(rest)
			n, _ := strconv.Atoi(f[0])
			d, err := time.Parse(time.RFC3339, f[1])
			if err != nil {
				t.Fatal(err)
			}
			cur = &testMessage{seq: uint32(n), internal: d}
			continue
		}
		if cur != nil {
			b.WriteString(line)
			b.WriteString("\r\n")
		}
	}
	flush()
	for i, m := range out {
		if m.seq != uint32(i+1) {
			t.Fatalf("mailbox.txt: message %d numbered %d", i+1, m.seq)
		}
	}
	return out
}

// headerOf returns the unfolded value of the first field name.
func headerOf(raw, name string) string {
	hdr, _, _ := strings.Cut(raw, "\r\n\r\n")
	lines := strings.Split(hdr, "\r\n")
	for i := 0; i < len(lines); i++ {
		k, v, ok := strings.Cut(lines[i], ":")
		if !ok || !strings.EqualFold(k, name) {
			continue
		}
		for i+1 < len(lines) && (strings.HasPrefix(lines[i+1], " ") || strings.HasPrefix(lines[i+1], "\t")) {
			i++
			v += lines[i]
		}
		return strings.TrimSpace(v)
	}
	return ""
}

func sortMessagesOf(msgs []testMessage) []SortMessage {
	out := make([]SortMessage, len(msgs))
	for i, m := range msgs {
		out[i] = SortMessage{
			Num:          m.seq,
			InternalDate: m.internal,
			Size:         int64(len(m.raw)),
			Date:         headerOf(m.raw, "Date"),
			Subject:      headerOf(m.raw, "Subject"),
			From:         ParseAddressList(headerOf(m.raw, "From")),
			To:           ParseAddressList(headerOf(m.raw, "To")),
			Cc:           ParseAddressList(headerOf(m.raw, "Cc")),
			MessageID:    headerOf(m.raw, "Message-ID"),
			InReplyTo:    headerOf(m.raw, "In-Reply-To"),
			References:   headerOf(m.raw, "References"),
		}
	}
	return out
}

// expectation is one "command = result" line of expected.txt.
type expectation struct {
	cmd    string // "SORT (DATE)" or "THREAD REFERENCES"
	lo, hi uint32 // message range searched (0: all)
	want   string
}

type baseExpectation struct {
	seq   uint32
	reply bool
	base  string
}

func loadExpected(t testing.TB) ([]baseExpectation, []expectation) {
	t.Helper()
	f, err := os.Open("testdata/sortthread/expected.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var bases []baseExpectation
	var exps []expectation
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if rest, ok := strings.CutPrefix(line, "base "); ok {
			f := strings.SplitN(rest, " ", 3)
			n, _ := strconv.Atoi(f[0])
			s, err := strconv.Unquote(f[2])
			if err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			bases = append(bases, baseExpectation{uint32(n), f[1] == "R", s})
			continue
		}
		cmd, want, ok := strings.Cut(line, " = ")
		if !ok {
			t.Fatalf("bad line %q", line)
		}
		e := expectation{cmd: cmd, want: want}
		if i := strings.LastIndexByte(cmd, ' '); i > 0 && strings.Contains(cmd[i:], ":") {
			lo, hi, _ := strings.Cut(cmd[i+1:], ":")
			l, _ := strconv.Atoi(lo)
			h, _ := strconv.Atoi(hi)
			e.cmd, e.lo, e.hi = cmd[:i], uint32(l), uint32(h)
		}
		exps = append(exps, e)
	}
	return bases, exps
}

// parseSortProgram parses "(REVERSE DATE SUBJECT)".
func parseSortProgram(t testing.TB, s string) []SortCriterion {
	var out []SortCriterion
	rev := false
	for _, w := range strings.Fields(strings.Trim(s, "()")) {
		if w == "REVERSE" {
			rev = true
			continue
		}
		out = append(out, SortCriterion{Key: SortKey(w), Reverse: rev})
		rev = false
	}
	return out
}

func joinNums(nums []uint32) string {
	var b []byte
	for i, n := range nums {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendUint(b, uint64(n), 10)
	}
	return string(b)
}

func TestBaseSubjectMailbox(t *testing.T) {
	msgs := sortMessagesOf(loadSortMailbox(t))
	bases, _ := loadExpected(t)
	if len(bases) != len(msgs) {
		t.Fatalf("%d base expectations for %d messages", len(bases), len(msgs))
	}
	for _, b := range bases {
		m := msgs[b.seq-1]
		got, reply := baseSubject(m.Subject)
		if got != b.base || reply != b.reply {
			t.Errorf("message %d: baseSubject(%q) = %q, reply %v; want %q, %v", b.seq, m.Subject, got, reply, b.base, b.reply)
		}
	}
}

func TestSortThreadMailbox(t *testing.T) {
	all := sortMessagesOf(loadSortMailbox(t))
	if len(all) < 50 {
		t.Fatalf("mailbox has %d messages, want at least 50", len(all))
	}
	_, exps := loadExpected(t)
	for _, e := range exps {
		msgs := all
		if e.lo != 0 {
			msgs = all[e.lo-1 : e.hi]
		}
		var got string
		switch {
		case strings.HasPrefix(e.cmd, "SORT "):
			got = joinNums(Sort(msgs, parseSortProgram(t, strings.TrimPrefix(e.cmd, "SORT "))))
		case e.cmd == "THREAD REFERENCES":
			got = FormatThreads(ReferenceThreads(msgs))
		case e.cmd == "THREAD ORDEREDSUBJECT":
			got = FormatThreads(OrderedSubjectThreads(msgs))
		default:
			t.Fatalf("unknown command %q", e.cmd)
		}
		if got != e.want {
			t.Errorf("%s (%d:%d):\n got  %s\n want %s", e.cmd, e.lo, e.hi, got, e.want)
		}
	}
}
