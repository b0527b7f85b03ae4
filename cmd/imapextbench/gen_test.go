package main

import (
	"bytes"
	"net/mail"
	"strings"
	"testing"
	"time"
)

func TestMessagesAreDeterministicAndWellFormed(t *testing.T) {
	g := gen{seed: 1}
	for i := range 3000 {
		m := g.message(i)
		if !bytes.Equal(m, g.message(i)) {
			t.Fatalf("message %d differs between two calls", i)
		}
		if len(m) < 2048 || len(m) > 4600 {
			t.Fatalf("message %d is %d bytes, want 2-4 KiB", i, len(m))
		}
		if bytes.Contains(bytes.ReplaceAll(m, []byte("\r\n"), nil), []byte("\n")) {
			t.Fatalf("message %d has a bare LF", i)
		}
		msg, err := mail.ReadMessage(bytes.NewReader(m))
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if got := msg.Header.Get("Message-Id"); got != g.messageID(i) {
			t.Fatalf("message %d: Message-ID %q", i, got)
		}
	}
	if bytes.Equal(g.message(7), gen{seed: 2}.message(7)) {
		t.Error("the seed does not change the messages")
	}
}

// Replies carry their parent in In-Reply-To and their ancestors, oldest
// first, in References; threads have varied sizes and depths.
func TestThreadsAndReferences(t *testing.T) {
	g := gen{seed: 1}
	const n = 20000
	roots, maxDepth := 0, 0
	threadSize := map[int]int{}
	withRefs := 0
	for i := range n {
		p := g.parent(i)
		if p >= i {
			t.Fatalf("message %d replies to a later message %d", i, p)
		}
		anc := g.ancestors(i, 1000)
		maxDepth = max(maxDepth, len(anc))
		threadSize[g.root(i)]++
		if p < 0 {
			roots++
			continue
		}
		msg, err := mail.ReadMessage(bytes.NewReader(g.message(i)))
		if err != nil {
			t.Fatal(err)
		}
		if irt := msg.Header.Get("In-Reply-To"); irt != "" && irt != g.messageID(p) {
			t.Fatalf("message %d: In-Reply-To %q, want %q", i, irt, g.messageID(p))
		}
		if refs := strings.Fields(msg.Header.Get("References")); len(refs) > 0 {
			withRefs++
			if refs[len(refs)-1] != g.messageID(p) {
				t.Fatalf("message %d: last reference %q, want the parent %q", i, refs[len(refs)-1], g.messageID(p))
			}
			if refs[0] != g.messageID(anc[len(anc)-1]) {
				t.Fatalf("message %d: first reference %q, want the thread's root", i, refs[0])
			}
			if len(refs) > 10 {
				t.Fatalf("message %d: %d references, want at most 10", i, len(refs))
			}
		}
	}
	if roots < n/4 || roots > n/2 {
		t.Errorf("%d thread roots among %d messages", roots, n)
	}
	if maxDepth < 10 {
		t.Errorf("deepest reply chain %d, want some long threads", maxDepth)
	}
	big := 0
	for _, s := range threadSize {
		if s >= 20 {
			big++
		}
	}
	if big == 0 || withRefs < (n-roots)*8/10 {
		t.Errorf("threads with 20+ messages: %d; replies with References: %d of %d", big, withRefs, n-roots)
	}
}

func TestSubjectsAndDates(t *testing.T) {
	g := gen{seed: 1}
	var prefixed, encoded, tagged, outOfOrder int
	var prev time.Time
	for i := range 5000 {
		s := g.subject(i)
		if strings.HasPrefix(s, "Re:") || strings.HasPrefix(s, "RE:") || strings.HasPrefix(s, "Fwd:") {
			prefixed++
		}
		if strings.Contains(s, "=?") {
			encoded++
		}
		if strings.Contains(s, "[") {
			tagged++
		}
		d := g.date(i)
		tm, err := mail.ParseDate(d)
		if err != nil {
			t.Fatalf("message %d: Date %q: %v", i, d, err)
		}
		if tm.Before(prev) {
			outOfOrder++
		}
		prev = tm
	}
	if prefixed < 1000 || encoded < 100 || tagged < 100 {
		t.Errorf("subjects: %d with Re:/Fwd:, %d encoded words, %d [tags]", prefixed, encoded, tagged)
	}
	if outOfOrder < 1000 {
		t.Errorf("only %d of 5000 dates earlier than their predecessor's", outOfOrder)
	}
}

func BenchmarkMessage(b *testing.B) {
	g := gen{seed: 1}
	for i := 0; b.Loop(); i++ {
		g.message(i % 100000)
	}
}
