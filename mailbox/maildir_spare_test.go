//go:build unix

package mailbox

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// spareFiles returns the sizes of the spare files in dir's tmp/.
func spareFiles(t *testing.T, box string) map[string]int64 {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join(box, "tmp"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "spare.") {
			fi, err := e.Info()
			if err != nil {
				t.Fatal(err)
			}
			out[e.Name()] = fi.Size()
		}
	}
	return out
}

// inodes returns the inode numbers of the message files in box.
func inodes(t *testing.T, box string) map[uint64]bool {
	t.Helper()
	out := map[uint64]bool{}
	for _, sub := range []string{"cur", "new"} {
		ents, err := os.ReadDir(filepath.Join(box, sub))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			fi, err := e.Info()
			if err != nil {
				t.Fatal(err)
			}
			out[fi.Sys().(*syscall.Stat_t).Ino] = true
		}
	}
	return out
}

// TestMaildirRecycledFiles: expunged message files become empty spares in
// tmp/ (bounded by Options.RecycledFiles), the next deliveries reuse their
// inodes with the right content, a file another mailbox still links to
// keeps its content, and closing the store removes the spares.
func TestMaildirRecycledFiles(t *testing.T) {
	ctx := context.Background()
	open := func(dir string, recycled int) *Maildir {
		s, err := OpenMaildir(dir, Options{Logger: discardLog{}, RecycledFiles: recycled})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	body := func(i int) string { return "Subject: m" + strings.Repeat("x", i) + "\r\n\r\nbody\r\n" }
	fill := func(s *Maildir, from, n int) []uint32 {
		var uids []uint32
		for i := from; i < from+n; i++ {
			uid, err := s.Append(ctx, "u", "INBOX", strings.NewReader(body(i)), nil, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			uids = append(uids, uid)
		}
		return uids
	}
	read := func(s *Maildir, uid uint32) string {
		r, err := s.Open(ctx, "u", "INBOX", uid)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		b, err := io.ReadAll(io.NewSectionReader(r, 0, 1<<20))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	t.Run("reuse", func(t *testing.T) {
		dir := t.TempDir()
		box := filepath.Join(dir, "u", "Maildir")
		s := open(dir, 0)
		s.CreateUser(ctx, "u", "p")
		uids := fill(s, 0, 10)
		before := inodes(t, box)
		if _, err := s.Expunge(ctx, "u", "INBOX", uids); err != nil {
			t.Fatal(err)
		}
		sp := spareFiles(t, box)
		if len(sp) != 10 {
			t.Fatalf("%d spares after expunging 10 messages, want 10", len(sp))
		}
		for name, size := range sp {
			if size != 0 {
				t.Fatalf("spare %s keeps %d bytes of an expunged message", name, size)
			}
		}
		uids = fill(s, 100, 6)
		if n := len(spareFiles(t, box)); n != 4 {
			t.Fatalf("%d spares left after 6 deliveries, want 4", n)
		}
		after := inodes(t, box)
		for ino := range after {
			if !before[ino] {
				t.Fatalf("a delivery created inode %d instead of reusing an expunged message's", ino)
			}
		}
		for k, uid := range uids {
			if got := read(s, uid); got != body(100+k) {
				t.Fatalf("message %d reads %q, want %q", uid, got, body(100+k))
			}
		}
		// Spares removed behind the store's back (another program
		// cleaning tmp/): deliveries create files again.
		for name := range spareFiles(t, box) {
			os.Remove(filepath.Join(box, "tmp", name))
		}
		extra := fill(s, 200, 6)
		for k, uid := range extra {
			if got := read(s, uid); got != body(200+k) {
				t.Fatalf("message %d after the spares vanished reads %q", uid, got)
			}
		}
		s.Close()
		if n := len(spareFiles(t, box)); n != 0 {
			t.Fatalf("%d spares left after Close", n)
		}
	})

	t.Run("bounded and off", func(t *testing.T) {
		for _, tc := range []struct{ limit, want int }{{3, 3}, {-1, 0}} {
			dir := t.TempDir()
			s := open(dir, tc.limit)
			s.CreateUser(ctx, "u", "p")
			if _, err := s.Expunge(ctx, "u", "INBOX", fill(s, 0, 8)); err != nil {
				t.Fatal(err)
			}
			if n := len(spareFiles(t, filepath.Join(dir, "u", "Maildir"))); n != tc.want {
				t.Fatalf("RecycledFiles %d: %d spares, want %d", tc.limit, n, tc.want)
			}
			s.Close()
		}
	})

	t.Run("hard-linked copy keeps its content", func(t *testing.T) {
		dir := t.TempDir()
		s := open(dir, 0)
		defer s.Close()
		s.CreateUser(ctx, "u", "p")
		if err := s.CreateMailbox(ctx, "u", "Saved", ""); err != nil {
			t.Fatal(err)
		}
		uids := fill(s, 0, 3)
		if _, _, err := s.Copy(ctx, "u", "INBOX", uids, "Saved"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Expunge(ctx, "u", "INBOX", uids); err != nil {
			t.Fatal(err)
		}
		if n := len(spareFiles(t, filepath.Join(dir, "u", "Maildir"))); n != 0 {
			t.Fatalf("%d linked files became spares", n)
		}
		list, err := s.List(ctx, "u", "Saved")
		if err != nil || len(list) != 3 {
			t.Fatalf("Saved: %v %v", list, err)
		}
		for k, m := range list {
			r, err := s.Open(ctx, "u", "Saved", m.UID)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(io.NewSectionReader(r, 0, 1<<20))
			r.Close()
			if string(b) != body(k) {
				t.Fatalf("Saved copy %d reads %q after the original was expunged", m.UID, b)
			}
		}
	})
}
