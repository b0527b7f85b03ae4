package imap

// SortKey is a SORT criterion key (RFC 5256 §3).
type SortKey string

// Sort keys of RFC 5256 §3 and RFC 5957 (DISPLAYFROM, DISPLAYTO).
const (
	SortArrival     SortKey = "ARRIVAL"
	SortCc          SortKey = "CC"
	SortDate        SortKey = "DATE"
	SortFrom        SortKey = "FROM"
	SortSize        SortKey = "SIZE"
	SortSubject     SortKey = "SUBJECT"
	SortTo          SortKey = "TO"
	SortDisplayFrom SortKey = "DISPLAYFROM"
	SortDisplayTo   SortKey = "DISPLAYTO"
)

// SortCriterion is one key of a SORT program, optionally REVERSE.
type SortCriterion struct {
	Key     SortKey
	Reverse bool
}

// ThreadAlgorithm is a THREAD algorithm (RFC 5256 §4).
type ThreadAlgorithm string

// Thread algorithms.
const (
	ThreadOrderedSubject ThreadAlgorithm = "ORDEREDSUBJECT"
	ThreadReferences     ThreadAlgorithm = "REFERENCES"
)

// Thread is one node of a THREAD response (RFC 5256 §4): a chain of
// messages, each the parent of the next, whose last message has Children
// (sibling subthreads). A Thread with no Chain is a dummy parent grouping
// its Children.
type Thread struct {
	Chain    []uint32
	Children []*Thread
}

// QuotaResource is a QUOTA resource name (RFC 9208 §5).
type QuotaResource string

// Quota resources.
const (
	QuotaStorage        QuotaResource = "STORAGE" // in units of 1024 octets
	QuotaMessage        QuotaResource = "MESSAGE"
	QuotaMailbox        QuotaResource = "MAILBOX"
	QuotaAnnotationSize QuotaResource = "ANNOTATION-STORAGE"
)

// QuotaData is a QUOTA response: usage and limit per resource of a
// quota root (RFC 9208 §5.1).
type QuotaData struct {
	Root      string
	Resources map[QuotaResource]QuotaUsage
}

// QuotaUsage is the usage and limit of one resource.
type QuotaUsage struct {
	Usage, Limit int64
}
