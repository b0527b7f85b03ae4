package mailbox

import "time"

// SetCompactThreshold lowers the index compaction threshold for a test and
// returns a function restoring it.
func SetCompactThreshold(n int64) func() {
	old := compactThreshold
	compactThreshold = n
	return func() { compactThreshold = old }
}

// SetSyncTiming changes when Maildir sync markers are written, for a test.
func SetSyncTiming(delay, age time.Duration) func() {
	d, a := syncDelay, syncAge
	syncDelay, syncAge = delay, age
	return func() { syncDelay, syncAge = d, a }
}

// ScanCount returns how many Maildir directory scans ran.
func ScanCount() int64 { return scanCount.Load() }

// WriteSyncMarkers writes the pending sync markers of every open mailbox now.
func WriteSyncMarkers(m *Maildir) {
	m.mu.Lock()
	var boxes []*mbox
	for _, u := range m.users {
		u.mu.Lock()
		for _, mb := range u.boxes {
			boxes = append(boxes, mb)
		}
		u.mu.Unlock()
	}
	m.mu.Unlock()
	for _, mb := range boxes {
		mb.mu.Lock()
		md, ok := mb.be.(*mdBox)
		mb.mu.Unlock()
		if ok {
			md.writeSyncMarker()
		}
	}
}
