package imapserver

import (
	"slices"
	"strings"
	"testing"
)

// sharedArraysCopy is a deep copy of a SharedSnapshot's arrays.
type sharedArraysCopy struct {
	uids     []uint32
	modseqs  []uint64
	flagIDs  []uint32
	flagSets [][]string
}

func copyArrays(a *sharedArrays) sharedArraysCopy {
	c := sharedArraysCopy{slices.Clone(a.uids), slices.Clone(a.modseqs), slices.Clone(a.flagIDs), nil}
	for _, f := range a.flagSets {
		c.flagSets = append(c.flagSets, slices.Clone(f))
	}
	return c
}

func (c sharedArraysCopy) same(a *sharedArrays) bool {
	return slices.Equal(c.uids, a.uids) && slices.Equal(c.modseqs, a.modseqs) &&
		slices.Equal(c.flagIDs, a.flagIDs) &&
		slices.EqualFunc(c.flagSets, a.flagSets, slices.Equal[[]string])
}

// TestViewSharedArraysCopyOnWrite selects one mailbox in three sessions
// that get the very same backend arrays (SharedSnapshot). Session A
// changes its view in every way a view changes (its own STORE, EXPUNGE
// and \Seen from FETCH BODY[]; another session's flag change, expunge
// and delivery reported to it; a resync) while session B hears nothing:
// B's FETCH and SEARCH must not move, and the backend's arrays must stay
// byte for byte what they were. Once B is told, B agrees with A and C.
func TestViewSharedArraysCopyOnWrite(t *testing.T) {
	cases := []struct {
		name string
		act  func(a, c *client, am *sharedMailbox, b *memBackend)
		want string // in A's (then everyone's) FETCH 1:* after act
		gone string // not in it any more
	}{
		{"store", func(a, c *client, _ *sharedMailbox, _ *memBackend) {
			mustContain(a.t, a.mustOK(`a1 STORE 2 +FLAGS (\Flagged)`), `* 2 FETCH (UID 2 FLAGS (\Flagged \Seen) MODSEQ (`)
		}, `(UID 2 FLAGS (\Flagged \Seen) MODSEQ (`, `(UID 2 FLAGS (\Seen) `},
		{"store all", func(a, c *client, _ *sharedMailbox, _ *memBackend) {
			a.mustOK(`a1 STORE 1:* +FLAGS.SILENT ($Junk)`)
		}, `(UID 5 FLAGS ($Junk) MODSEQ (`, `(UID 5 FLAGS () `},
		{"flags reported", func(a, c *client, _ *sharedMailbox, _ *memBackend) {
			c.mustOK(`c1 STORE 3 -FLAGS (\Seen)`)
			mustContain(a.t, a.mustOK("a1 NOOP"), `* 3 FETCH (UID 3 FLAGS () MODSEQ (`)
		}, `(UID 3 FLAGS () MODSEQ (`, `(UID 3 FLAGS (\Seen) `},
		{"expunge", func(a, c *client, _ *sharedMailbox, _ *memBackend) {
			mustContain(a.t, a.mustOK("a1 EXPUNGE"), "* 4 EXPUNGE")
		}, `* 4 FETCH (UID 5 FLAGS () MODSEQ (`, `(UID 4 `},
		{"expunge reported", func(a, c *client, _ *sharedMailbox, _ *memBackend) {
			c.mustOK("c1 UID EXPUNGE 4")
			mustContain(a.t, a.mustOK("a1 NOOP"), "* 4 EXPUNGE")
		}, `* 4 FETCH (UID 5 FLAGS () MODSEQ (`, `(UID 4 `},
		{"append reported", func(a, c *client, _ *sharedMailbox, b *memBackend) {
			b.appendMsg("INBOX", simpleMsg, `\Answered`)
			mustContain(a.t, a.mustOK("a1 NOOP"), "* 7 EXISTS")
		}, `* 7 FETCH (UID 7 FLAGS (\Answered \Recent) MODSEQ (`, "* 8 "},
		{"fetch sets seen", func(a, c *client, _ *sharedMailbox, _ *memBackend) {
			mustContain(a.t, a.mustOK("a1 FETCH 5 BODY[]"), `FLAGS (\Seen)`)
		}, `(UID 5 FLAGS (\Seen) MODSEQ (`, `(UID 5 FLAGS () `},
		{"resync", func(a, c *client, am *sharedMailbox, _ *memBackend) {
			c.mustOK(`c1 STORE 1 +FLAGS (\Draft)`)
			am.overflow.Store(true)
			mustContain(a.t, a.mustOK("a1 NOOP"), `* 1 FETCH (UID 1 FLAGS (\Draft) MODSEQ (`)
		}, `(UID 1 FLAGS (\Draft) MODSEQ (`, `(UID 1 FLAGS () `},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var sb *sharedBackend
			ts := startServer(t, func(s *Server) {
				sb = newSharedBackend(s.Backend.(*memBackend))
				s.Backend = sb
			})
			for _, f := range [][]string{nil, {`\Seen`}, {`\Seen`}, {`\Deleted`, `\Seen`}, nil, {`\Flagged`, `\Seen`}} {
				ts.b.appendMsg("INBOX", simpleMsg, f...)
			}
			open := func() (*client, *sharedMailbox) {
				c := ts.dial(t).login()
				c.mustOK("s0 SELECT INBOX (CONDSTORE)")
				return c, sb.lastOpened()
			}
			a, am := open()
			b, bm := open()
			c, cm := open()
			if sb.builds != 1 || am.a != bm.a || bm.a != cm.a {
				t.Fatalf("sessions do not share one snapshot (%d built)", sb.builds)
			}
			orig := copyArrays(am.a)
			bm.deaf.Store(true)
			const fetch, search = "f1 FETCH 1:* (UID FLAGS MODSEQ)", "f2 SEARCH UNSEEN"
			bFetch, bSearch := b.mustOK(fetch), b.mustOK(search)

			tc.act(a, c, am, ts.b)
			aFetch := a.mustOK(fetch)
			mustContain(t, aFetch, tc.want)
			mustNotContain(t, aFetch, tc.gone)
			if got := b.mustOK(fetch); !slices.Equal(got, bFetch) {
				t.Errorf("B's FETCH changed before B was told:\nbefore %q\nafter  %q", bFetch, got)
			}
			if got := b.mustOK(search); !slices.Equal(got, bSearch) {
				t.Errorf("B's SEARCH changed before B was told: %q, was %q", got, bSearch)
			}
			if !orig.same(am.a) {
				t.Errorf("backend arrays written: %+v, was %+v", *am.a, orig)
			}

			bm.deaf.Store(false)
			b.mustOK("n1 NOOP")
			c.mustOK("n1 NOOP")
			want := strings.Join(aFetch, "\n")
			for name, cl := range map[string]*client{"B": b, "C": c} {
				if got := strings.Join(cl.mustOK(fetch), "\n"); got != want {
					t.Errorf("%s once told:\n%s\nA:\n%s", name, got, want)
				}
			}
			if !orig.same(am.a) {
				t.Errorf("backend arrays written: %+v, was %+v", *am.a, orig)
			}
		})
	}
}
