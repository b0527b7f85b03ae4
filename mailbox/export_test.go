package mailbox

// SetCompactThreshold lowers the index compaction threshold for a test and
// returns a function restoring it.
func SetCompactThreshold(n int64) func() {
	old := compactThreshold
	compactThreshold = n
	return func() { compactThreshold = old }
}
