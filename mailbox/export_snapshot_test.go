package mailbox

// SetSnapMin changes the log growth after which a snapshot is written, for
// a test, and returns a function restoring it.
func SetSnapMin(n int64) func() {
	old := snapMin
	snapMin = n
	return func() { snapMin = old }
}

// SnapshotLoads returns how many opens used an index snapshot.
func SnapshotLoads() int64 { return snapLoads.Load() }

// SetMapMin changes the record area above which a snapshot is mapped and
// opened lazily, for a test, and returns a function restoring it.
func SetMapMin(n int64) func() {
	old := mapMinBytes
	mapMinBytes = n
	return func() { mapMinBytes = old }
}
