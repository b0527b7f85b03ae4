package mailbox

import (
	"context"
	"slices"
	"testing"
)

// The list feed reports creates (parents included), renames, deletes and
// subscription changes, skips the subscriber's own changes, overflows
// into one ListOverflow and forgets users nobody watches.
func TestWatchMailboxList(t *testing.T) {
	imapStores(t, func(t *testing.T, st Store) {
		ctx := context.Background()
		if err := st.CreateUser(ctx, "user", "pass"); err != nil {
			t.Fatal(err)
		}
		w := st.(MailboxListWatcher)
		own, cancel := context.WithCancel(ctx)
		defer cancel()
		sub, err := w.WatchMailboxList(own, "USER", 5)
		if err != nil {
			t.Fatal(err)
		}
		signals := 0
		sub.OnReady(func() { signals++ })
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(st.CreateMailbox(ctx, "user", "A/B", ""))
		must(st.RenameMailbox(ctx, "user", "A/B", "C/D"))
		must(st.SetSubscribed(ctx, "user", "C/D", true))
		must(st.SetSubscribed(ctx, "user", "C/D", true)) // no change, no event
		must(st.CreateMailbox(own, "user", "Mine", ""))  // the subscriber's own
		got := sub.Drain(nil)
		want := []ListEvent{
			{Kind: ListCreate, Name: "A"}, {Kind: ListCreate, Name: "A/B"},
			{Kind: ListCreate, Name: "C"}, {Kind: ListRename, Name: "C/D", OldName: "A/B"},
			{Kind: ListSubscribe, Name: "C/D"},
		}
		if !slices.EqualFunc(got, want, func(a, b ListEvent) bool {
			return a.Kind == b.Kind && a.Name == b.Name && a.OldName == b.OldName
		}) {
			t.Fatalf("got %+v, want %+v", got, want)
		}
		if signals == 0 {
			t.Fatal("OnReady never called")
		}
		// The sixth event of a full queue overflows.
		must(st.SetSubscribed(ctx, "user", "C/D", false))
		must(st.DeleteMailbox(ctx, "user", "C/D"))
		must(st.DeleteMailbox(ctx, "user", "C"))
		must(st.DeleteMailbox(ctx, "user", "A"))
		must(st.CreateMailbox(ctx, "user", "E", ""))
		must(st.CreateMailbox(ctx, "user", "E2", ""))
		got = sub.Drain(nil)
		if len(got) != 1 || got[0].Kind != ListOverflow {
			t.Fatalf("after overflow: %+v", got)
		}
		must(st.CreateMailbox(ctx, "user", "F", ""))
		if got = sub.Drain(nil); len(got) != 1 || got[0].Kind != ListCreate || got[0].Name != "F" {
			t.Fatalf("after drain: %+v", got)
		}
		sub.Close()
		if _, ok := listHubs.Load(listHubKey{engineOf(st), "user"}); ok {
			t.Fatal("hub kept after the last subscription closed")
		}
		if _, err := w.WatchMailboxList(ctx, "nobody", 0); err == nil {
			t.Fatal("watching an unknown user succeeded")
		}
	})
}

func engineOf(st Store) *engine {
	switch s := st.(type) {
	case *Memory:
		return s.engine
	case *Maildir:
		return s.engine
	}
	return nil
}
