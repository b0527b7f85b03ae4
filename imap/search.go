package imap

import "time"

// SearchCriteria is a SEARCH program (RFC 9051 §6.4.4, RFC 3501 §6.4.4).
// All fields must match (AND); the zero value matches every message (ALL).
//
// The parser folds keys onto a few fields: FROM, TO, CC, BCC and SUBJECT
// become Header entries; ANSWERED, DELETED, ... become Flag entries and
// UNANSWERED, ... NotFlag entries; KEYWORD/UNKEYWORD likewise; NEW becomes
// Flag \Recent + NotFlag \Seen and OLD NotFlag \Recent (RFC 3501); ON d
// becomes Since d + Before d+1 (and SENTON likewise). Dates carry no time of
// day: only the year, month and day of the time.Time in UTC matter.
type SearchCriteria struct {
	SeqNum []SeqSet // sequence-set keys (each must match)
	UID    []UIDSet // UID keys

	Since      time.Time // internal date >= (SINCE, ON)
	Before     time.Time // internal date < (BEFORE, ON)
	SentSince  time.Time // Date: header >= (SENTSINCE, SENTON)
	SentBefore time.Time // Date: header < (SENTBEFORE, SENTON)

	Header []SearchHeaderField // HEADER, FROM, TO, CC, BCC, SUBJECT
	Body   []string            // BODY: substring of the body
	Text   []string            // TEXT: substring of header or body

	Flag    []Flag // message has all of these
	NotFlag []Flag // message has none of these

	Larger  int64 // RFC822.SIZE > Larger (0 = unset)
	Smaller int64 // RFC822.SIZE < Smaller (0 = unset; < 0 = SMALLER 0, matches nothing)

	Not []SearchCriteria    // NOT key: none of these match
	Or  [][2]SearchCriteria // OR a b: for each pair, a or b matches

	ModSeq *SearchModSeq // MODSEQ (RFC 7162 §3.1.5)

	Older   uint32 // OLDER seconds (RFC 5032 WITHIN), 0 = unset
	Younger uint32 // YOUNGER seconds (RFC 5032 WITHIN), 0 = unset

	SavedSince        time.Time // SAVEDSINCE (RFC 8514)
	SavedBefore       time.Time // SAVEDBEFORE (RFC 8514)
	SaveDateSupported bool      // SAVEDATESUPPORTED (RFC 8514)

	EmailID  string // EMAILID (RFC 8474)
	ThreadID string // THREADID (RFC 8474)
}

// SearchHeaderField is a HEADER field-name string key: the named header
// field contains Value (case-insensitively); an empty Value matches any
// message that has the field (RFC 9051 §6.4.4).
type SearchHeaderField struct {
	Key, Value string
}

// SearchModSeq is the MODSEQ search key (RFC 7162 §3.1.5).
type SearchModSeq struct {
	ModSeq       uint64
	MetadataName string // optional entry-name, e.g. "/flags/\\draft"
	MetadataType string // "priv", "shared" or "all"; empty if absent
}

// And adds the keys of other to c (both must match).
func (c *SearchCriteria) And(other *SearchCriteria) {
	c.SeqNum = append(c.SeqNum, other.SeqNum...)
	c.UID = append(c.UID, other.UID...)
	c.Since = laterDate(c.Since, other.Since)
	c.SentSince = laterDate(c.SentSince, other.SentSince)
	c.SavedSince = laterDate(c.SavedSince, other.SavedSince)
	c.Before = earlierDate(c.Before, other.Before)
	c.SentBefore = earlierDate(c.SentBefore, other.SentBefore)
	c.SavedBefore = earlierDate(c.SavedBefore, other.SavedBefore)
	c.Header = append(c.Header, other.Header...)
	c.Body = append(c.Body, other.Body...)
	c.Text = append(c.Text, other.Text...)
	c.Flag = append(c.Flag, other.Flag...)
	c.NotFlag = append(c.NotFlag, other.NotFlag...)
	if other.Larger > c.Larger {
		c.Larger = other.Larger
	}
	if other.Smaller != 0 && (c.Smaller == 0 || other.Smaller < c.Smaller) {
		c.Smaller = other.Smaller
	}
	c.Not = append(c.Not, other.Not...)
	c.Or = append(c.Or, other.Or...)
	if other.ModSeq != nil && (c.ModSeq == nil || other.ModSeq.ModSeq > c.ModSeq.ModSeq) {
		c.ModSeq = other.ModSeq
	}
	if other.Older > c.Older {
		c.Older = other.Older
	}
	if other.Younger != 0 && (c.Younger == 0 || other.Younger < c.Younger) {
		c.Younger = other.Younger
	}
	c.SaveDateSupported = c.SaveDateSupported || other.SaveDateSupported
	if other.EmailID != "" {
		c.EmailID = other.EmailID
	}
	if other.ThreadID != "" {
		c.ThreadID = other.ThreadID
	}
}

func laterDate(a, b time.Time) time.Time {
	if b.IsZero() {
		return a
	}
	if a.IsZero() || b.After(a) {
		return b
	}
	return a
}

func earlierDate(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// SearchOptions are the ESEARCH result options (RFC 9051 §6.4.4, RFC 4731)
// and SEARCHRES SAVE (RFC 5182). With none set, an IMAP4rev1 session gets a
// classic SEARCH response.
type SearchOptions struct {
	ReturnMin   bool
	ReturnMax   bool
	ReturnAll   bool
	ReturnCount bool
	ReturnSave  bool
	// Return is true when a RETURN clause was present, even empty:
	// "RETURN ()" means ALL in ESEARCH form (RFC 4731 §3.1).
	Return bool

	// CONTEXT=SEARCH (RFC 5267 §4). ReturnUpdate keeps the result current:
	// the server then sends ESEARCH responses with the command's tag and
	// AddTo/RemoveFrom to the unilateral handler until CancelUpdate
	// (servers may require UID SEARCH). ReturnContext is a hint.
	// ReturnPartial asks for the results at positions Low to High only.
	ReturnUpdate  bool
	ReturnContext bool
	ReturnPartial *PartialRange
}

// PartialRange is the PARTIAL low:high return option (RFC 5267 §4.4):
// positions in the result, 1-based, inclusive.
type PartialRange struct {
	Low, High uint32
}

// SearchPartial is the PARTIAL result data (RFC 5267 §4.4): the numbers
// at positions Range.Low to Range.High of the result, in result order;
// Nums is nil when the range lies beyond the result (NIL).
type SearchPartial struct {
	Range PartialRange
	Nums  NumSet
}

// SearchUpdate is one pair of an ADDTO or REMOVEFROM result update
// (RFC 5267 §4.3): Nums were inserted at (or removed from) Position, the
// 1-based place in the result as changed by the pairs before it; 0 means
// the server gave no position.
type SearchUpdate struct {
	Position uint32
	Nums     NumSet
}

// SearchData is the result of SEARCH (ESEARCH or classic form).
type SearchData struct {
	UID   bool   // numbers are UIDs
	All   NumSet // ALL (SeqSet or UIDSet); nil if not returned
	Min   uint32 // 0 if not returned
	Max   uint32 // 0 if not returned
	Count *uint32
	// ModSeq is the highest MODSEQ of the matches when the search used
	// MODSEQ (RFC 7162 §3.1.5); 0 if absent.
	ModSeq uint64
	// Tag is the correlator of an ESEARCH response (RFC 4731 §3.1).
	Tag string

	// RFC 5267: PARTIAL result, and the ADDTO/REMOVEFROM updates of a
	// result kept with ReturnUpdate (sent with the search's tag).
	Partial    *SearchPartial
	AddTo      []SearchUpdate
	RemoveFrom []SearchUpdate
}

// AllNums returns the numbers of All (nil if not returned or dynamic).
func (d *SearchData) AllNums() []uint32 {
	if d.All == nil {
		return nil
	}
	var out []uint32
	for n := range numsAll(d.All.Ranges()) {
		out = append(out, n)
	}
	return out
}
