package mailbox

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

// Recycled message files. An expunged message's file is moved into the
// mailbox's tmp/ as an empty "spare", and the next delivery into the
// mailbox writes into a spare instead of creating a file: the file system
// reuses the inode instead of freeing one and allocating another.
//
// On ext4 without a journal, allocating an inode in a directory that has
// lost many files in the last seconds skips every recently freed inode
// (recently_deleted(), which reads each one's inode-table block) while the
// directory's lock is held; a mailbox whose mail is deleted as it is read
// (POP3 users, a benchmark's rounds) and then receives more spent about
// 60 % of its delivery CPU there, and its delivery rate fell to a third.
// Spares cost one empty inode each, at most Options.RecycledFiles per
// mailbox, and are removed when the mailbox is closed; other Maildir
// programs ignore tmp/ (and remove what is left there after 36 hours).
type sparePool struct {
	mu   sync.Mutex
	ids  []uint64 // spare.<pid>.<id> in tmp/
	next uint64
}

const spareDefault = 4096

// spareLimit is the pool's bound (0: no recycling).
func (m *mdBox) spareLimit() int {
	switch n := m.b.opts.RecycledFiles; {
	case n < 0 || !canRecycle:
		return 0
	case n == 0:
		return spareDefault
	default:
		return n
	}
}

func (m *mdBox) sparePath(id uint64) string {
	return filepath.Join(m.dir, "tmp", "spare."+strconv.Itoa(m.b.pid)+"."+strconv.FormatUint(id, 10))
}

var errNoSpareRoom = errors.New("mailbox: spare pool full")

// discard removes the message file p from its directory: into the spare
// pool if there is room, else by unlinking it. Like os.Remove it fails
// with fs.ErrNotExist if p is gone.
func (m *mdBox) discard(p string) error {
	err := m.recycle(p)
	if errors.Is(err, errNoSpareRoom) {
		err = os.Remove(p)
	}
	return err
}

// recycle moves p into the pool and empties it. A file with other links
// (COPY hard-links messages between mailboxes, and other programs may too)
// keeps its content: only our name for it goes.
func (m *mdBox) recycle(p string) error {
	limit := m.spareLimit()
	m.sp.mu.Lock()
	if len(m.sp.ids) >= limit {
		m.sp.mu.Unlock()
		return errNoSpareRoom
	}
	id := m.sp.next
	m.sp.next++
	m.sp.mu.Unlock()
	sp := m.sparePath(id)
	if err := os.Rename(p, sp); err != nil {
		return err
	}
	// Renamed, the file has no name anyone else knows: no new link can
	// appear between the check and the truncation.
	if links(sp) != 1 || os.Truncate(sp, 0) != nil {
		os.Remove(sp)
		return nil
	}
	m.sp.mu.Lock()
	m.sp.ids = append(m.sp.ids, id)
	m.sp.mu.Unlock()
	return nil
}

// claimSpare renames a spare to p and opens it for a delivery, or returns
// nil if the pool is empty.
func (m *mdBox) claimSpare(p string) *os.File {
	for {
		m.sp.mu.Lock()
		n := len(m.sp.ids)
		if n == 0 {
			m.sp.mu.Unlock()
			return nil
		}
		id := m.sp.ids[n-1]
		m.sp.ids = m.sp.ids[:n-1]
		m.sp.mu.Unlock()
		if os.Rename(m.sparePath(id), p) != nil {
			continue // removed by someone else
		}
		f, err := os.OpenFile(p, os.O_RDWR|os.O_TRUNC, 0o600)
		if err != nil {
			os.Remove(p)
			continue
		}
		return f
	}
}

// dropSpares removes the pool (when the mailbox is closed).
func (m *mdBox) dropSpares() {
	m.sp.mu.Lock()
	ids := m.sp.ids
	m.sp.ids = nil
	m.sp.mu.Unlock()
	for _, id := range ids {
		os.Remove(m.sparePath(id))
	}
}
