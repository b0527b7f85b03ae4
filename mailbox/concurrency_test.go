package mailbox_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailwire/mailwire/mailbox"
)

// TestConcurrentChangeFeed: 16 goroutines append, flag, expunge, copy and
// move on two shared mailboxes while a subscriber per mailbox rebuilds the
// mailbox from the change feed alone; at the end the rebuilt state must
// equal List, and events must arrive in MODSEQ order.
func TestConcurrentChangeFeed(t *testing.T) {
	for _, kind := range []string{"memory", "maildir"} {
		t.Run(kind, func(t *testing.T) {
			opts := mailbox.Options{EventBuffer: 1 << 20}
			var s mailbox.Store
			ops := 60
			if kind == "memory" {
				s = mailbox.NewMemory(opts)
			} else {
				m, err := mailbox.OpenMaildir(t.TempDir(), opts)
				if err != nil {
					t.Fatal(err)
				}
				s = m
				ops = 25
			}
			defer s.Close()
			runConcurrent(t, s, ops)
		})
	}
}

func runConcurrent(t *testing.T, s mailbox.Store, ops int) {
	ctx := context.Background()
	if err := s.CreateUser(ctx, "u", "p"); err != nil {
		t.Fatal(err)
	}
	boxes := []string{"INBOX", "Shared"}
	if err := s.CreateMailbox(ctx, "u", "Shared", ""); err != nil {
		t.Fatal(err)
	}
	type view struct {
		sub   *mailbox.Subscription
		flags map[uint32][]string
		last  uint64
	}
	views := map[string]*view{}
	for _, b := range boxes {
		sub, err := s.Watch(ctx, "u", b)
		if err != nil {
			t.Fatal(err)
		}
		defer sub.Close()
		views[b] = &view{sub: sub, flags: map[uint32][]string{}}
	}
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			for i := range ops {
				box := boxes[rng.IntN(2)]
				other := boxes[1-slices.Index(boxes, box)]
				list, err := s.List(ctx, "u", box)
				if err != nil {
					t.Error(err)
					return
				}
				var pick []uint32
				for _, m := range list {
					if rng.IntN(4) == 0 {
						pick = append(pick, m.UID)
					}
				}
				switch op := rng.IntN(10); {
				case op < 4 || len(list) == 0:
					_, err = s.Append(ctx, "u", box, strings.NewReader(fmt.Sprintf("Subject: %d/%d\r\n\r\nx\r\n", g, i)), []string{"kw" + fmt.Sprint(rng.IntN(3))}, time.Time{})
				case op < 6:
					_, err = s.StoreFlags(ctx, "u", box, pick, mailbox.FlagOp(rng.IntN(3)), []string{`\Seen`, "kw" + fmt.Sprint(rng.IntN(3))}, 0)
				case op < 7:
					_, err = s.Expunge(ctx, "u", box, pick)
				case op < 8:
					_, _, err = s.Copy(ctx, "u", box, pick, other)
				default:
					_, _, err = s.Move(ctx, "u", box, pick, other)
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, b := range boxes {
		v := views[b]
		for _, e := range v.sub.Drain(nil) {
			if e.ModSeq < v.last {
				t.Fatalf("%s: event %+v after MODSEQ %d", b, e, v.last)
			}
			v.last = e.ModSeq
			switch e.Kind {
			case mailbox.EventAppend:
				if _, dup := v.flags[e.UID]; dup {
					t.Fatalf("%s: UID %d appended twice", b, e.UID)
				}
				v.flags[e.UID] = e.Flags
			case mailbox.EventFlags:
				if _, ok := v.flags[e.UID]; !ok {
					t.Fatalf("%s: flags for unknown UID %d", b, e.UID)
				}
				v.flags[e.UID] = e.Flags
			case mailbox.EventExpunge:
				if _, ok := v.flags[e.UID]; !ok {
					t.Fatalf("%s: expunge of unknown UID %d", b, e.UID)
				}
				delete(v.flags, e.UID)
			default:
				t.Fatalf("%s: unexpected event %+v", b, e)
			}
		}
		list, err := s.List(ctx, "u", b)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != len(v.flags) {
			t.Fatalf("%s: feed saw %d messages, List has %d", b, len(v.flags), len(list))
		}
		st, _ := s.Status(ctx, "u", b)
		if v.last != st.HighestModSeq && len(list) > 0 {
			t.Errorf("%s: last event MODSEQ %d, HIGHESTMODSEQ %d", b, v.last, st.HighestModSeq)
		}
		for _, m := range list {
			if !slices.Equal(v.flags[m.UID], m.Flags) {
				t.Fatalf("%s: UID %d: feed flags %v, List flags %v", b, m.UID, v.flags[m.UID], m.Flags)
			}
		}
	}
}
