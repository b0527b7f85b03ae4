package mailbox

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzSnapshotRead feeds damaged snapshots (a valid log position header,
// then arbitrary bytes) to readSnapshot: it must never panic or allocate
// beyond the file's size, and whatever it accepts must be a consistent
// state (ascending UIDs, keyword sets that exist).
//
//	go test -run=^$ -fuzz=FuzzSnapshotRead -fuzztime=60s ./mailbox
func FuzzSnapshotRead(f *testing.F) {
	defer func(old int64) { snapMin = old }(snapMin)
	snapMin = 1
	dir := f.TempDir()
	ctx := context.Background()
	s, err := OpenMaildir(dir, Options{Logger: discardLog{}, Analyze: func(r io.Reader) ([]byte, error) {
		io.Copy(io.Discard, r)
		return []byte("blob"), nil
	}})
	if err != nil {
		f.Fatal(err)
	}
	s.CreateUser(ctx, "u", "p")
	for i := range 20 {
		flags := []string{}
		if i%3 == 0 {
			flags = append(flags, `\Seen`, "kw"+string(rune('a'+i%4)))
		}
		if _, err := s.Append(ctx, "u", "INBOX", strings.NewReader(strings.Repeat("z", i+1)), flags, time.Time{}); err != nil {
			f.Fatal(err)
		}
	}
	s.Expunge(ctx, "u", "INBOX", []uint32{2, 3})
	s.StoreFlags(ctx, "u", "INBOX", []uint32{4}, FlagsAdd, []string{"late"}, 0) // past the threshold: snapshot
	s.Close()
	box := filepath.Join(dir, "u", "Maildir")
	orig, err := os.ReadFile(filepath.Join(box, snapName))
	if err != nil {
		f.Fatal(err)
	}
	// magic, CRC, gen, ino, off, lastoff, lasthdr: what checkPos verifies.
	const head = len(snapMagic) + 4 + 4*8 + 8
	f.Add(orig[head:])
	f.Add(orig[head : len(orig)/2])
	f.Add([]byte{})
	f.Add(append(append([]byte(nil), orig[head:]...), 0, 0, 0, 0))
	idx, err := os.OpenFile(filepath.Join(box, indexName), os.O_RDONLY, 0)
	if err != nil {
		f.Fatal(err)
	}
	defer idx.Close()
	fi, err := idx.Stat()
	if err != nil {
		f.Fatal(err)
	}
	// Each input is written over the last: on a disk file system every
	// truncation writes back and discards blocks (this machine's ext4 is
	// mounted with discard), so prefer memory when there is some.
	work := f.TempDir()
	if shm, err := os.MkdirTemp("/dev/shm", "fuzzsnap"); err == nil {
		defer os.RemoveAll(shm)
		work = shm
	}
	defer func(old int64) { mapMinBytes = old }(mapMinBytes)
	f.Fuzz(func(t *testing.T, body []byte) {
		// Even lengths take the mapped, lazy path (columns checked at
		// open, records on first use), odd ones the eager one.
		mapMinBytes = 1 << 40
		if len(body)%2 == 0 {
			mapMinBytes = 1
		}
		data := append(append([]byte(nil), orig[:head]...), body...)
		if err := os.WriteFile(filepath.Join(work, snapName), data, 0o600); err != nil {
			t.Fatal(err)
		}
		m := &mdBox{dir: work, idx: idx, idxIno: inode(fi)}
		st, err := m.readSnapshot(fi.Size())
		if err != nil {
			return
		}
		if st.mapping != nil {
			// Unmap now rather than at a GC: the next input truncates and
			// rewrites this file, which walks every mapping of it (a new
			// file per input instead costs inode allocations that slow
			// down as fast on ext4 without a journal).
			defer st.mapping.release()
		}
		if sn := st.snap; sn != nil {
			if len(sn.UIDs) != len(st.msgs) || len(sn.ModSeqs) != len(sn.UIDs) || len(sn.FlagIDs) != len(sn.UIDs) {
				t.Fatal("SELECT arrays of the wrong length")
			}
			for i, id := range sn.FlagIDs {
				if int(id) >= len(sn.FlagSets) || i > 0 && sn.UIDs[i] <= sn.UIDs[i-1] {
					t.Fatalf("accepted bad SELECT arrays at %d", i)
				}
			}
		}
		if st.unverified != nil && st.unverified.verify(st) != nil {
			return // what an open finds at the first use of the records
		}
		for i := range st.msgs {
			if i > 0 && st.msgs[i].uid <= st.msgs[i-1].uid {
				t.Fatalf("accepted descending UIDs at %d", i)
			}
			if int(st.msgs[i].kwset) >= len(st.kw.sets) {
				t.Fatalf("accepted an unknown keyword set %d", st.msgs[i].kwset)
			}
			st.kw.flagStrings(st.msgs[i].sys, st.msgs[i].kwset)
		}
	})
}

type discardLog struct{}

func (discardLog) Debug(string, ...any) {}
func (discardLog) Info(string, ...any)  {}
func (discardLog) Warn(string, ...any)  {}
func (discardLog) Error(string, ...any) {}
