package imapserver

import (
	"strings"
	"time"

	"github.com/mailwire/mailwire/imap"
)

// searchOp is one SEARCH key (RFC 9051 §6.4.4, RFC 3501 §6.4.4, RFC 7162
// MODSEQ, RFC 5032 WITHIN).
type searchOp uint8

const (
	sAll searchOp = iota
	sAnd
	sOr
	sNot
	sSeq
	sUID
	sFlag   // str = flag (system or keyword), must be set
	sNoFlag // must not be set
	sRecent
	sNew
	sOld
	sLarger
	sSmaller
	sBefore // internal date
	sOn
	sSince
	sSentBefore
	sSentOn
	sSentSince
	sOlder   // seconds
	sYounger // seconds
	sHeader  // field + str
	sBody
	sText
	sModSeq
	// ext_search.go: RFC 8514 SAVEDATE and RFC 8474 OBJECTID keys; the
	// three SAVED* dates stay in this order (compareDate).
	sSavedBefore
	sSavedOn
	sSavedSince
	sSaveDateSupported
	sEmailID
	sThreadID
)

type searchKey struct {
	op    searchOp
	str   string
	field string
	num   uint64
	date  time.Time
	set   numSet
	kids  []*searchKey

	// resolvedSet is set with "*" as resolvedStar, cached by inSet.
	resolvedSet  imap.SeqSet
	resolved     bool
	resolvedStar uint32
}

type searchReturn struct {
	min, max, count, all, save bool
	esearch                    bool
	// RFC 5267 §4 (ext_context.go)
	update, partial      bool
	partialLo, partialHi uint32
}

// parseSearchKeys parses keys up to the end of the command (an implicit
// AND).
func (c *conn) parseSearchKeys() *searchKey {
	and := &searchKey{op: sAnd}
	for {
		and.kids = append(and.kids, c.parseSearchKey(0))
		if !c.sp() {
			break
		}
	}
	if len(and.kids) == 1 {
		return and.kids[0]
	}
	return and
}

func (c *conn) searchString() string {
	return c.astring()
}

func (c *conn) searchDate() time.Time {
	var s string
	if c.peek() == '"' {
		s = c.quoted()
	} else {
		s = string(c.atomBytes())
	}
	d, err := parseDate(s)
	if err != nil {
		c.fail("Invalid date")
	}
	return d
}

func (c *conn) parseSearchKey(depth int) *searchKey {
	if depth > c.srv.maxNesting() {
		c.fail("Search too deeply nested")
	}
	if c.peek() == '(' {
		c.openParen()
		and := &searchKey{op: sAnd}
		for {
			and.kids = append(and.kids, c.parseSearchKey(depth+1))
			if !c.sp() {
				break
			}
		}
		c.closeParen()
		return and
	}
	if c.isNumSetStart() {
		return &searchKey{op: sSeq, set: c.numSet()}
	}
	k := &searchKey{}
	name := c.atomUpper()
	flag := func(f string, set bool) *searchKey {
		if set {
			return &searchKey{op: sFlag, str: f}
		}
		return &searchKey{op: sNoFlag, str: f}
	}
	switch name {
	case "ALL":
		k.op = sAll
	case "ANSWERED":
		return flag(`\Answered`, true)
	case "DELETED":
		return flag(`\Deleted`, true)
	case "DRAFT":
		return flag(`\Draft`, true)
	case "FLAGGED":
		return flag(`\Flagged`, true)
	case "SEEN":
		return flag(`\Seen`, true)
	case "UNANSWERED":
		return flag(`\Answered`, false)
	case "UNDELETED":
		return flag(`\Deleted`, false)
	case "UNDRAFT":
		return flag(`\Draft`, false)
	case "UNFLAGGED":
		return flag(`\Flagged`, false)
	case "UNSEEN":
		return flag(`\Seen`, false)
	case "KEYWORD", "UNKEYWORD":
		c.expectSP()
		return flag(c.flag(), name == "KEYWORD")
	case "RECENT":
		k.op = sRecent
	case "NEW":
		k.op = sNew
	case "OLD":
		k.op = sOld
	case "LARGER", "SMALLER":
		c.expectSP()
		k.op = sLarger
		if name == "SMALLER" {
			k.op = sSmaller
		}
		k.num = c.number64()
	case "BEFORE", "ON", "SINCE", "SENTBEFORE", "SENTON", "SENTSINCE":
		c.expectSP()
		k.op = map[string]searchOp{"BEFORE": sBefore, "ON": sOn, "SINCE": sSince, "SENTBEFORE": sSentBefore, "SENTON": sSentOn, "SENTSINCE": sSentSince}[name]
		k.date = c.searchDate()
	case "OLDER", "YOUNGER":
		c.expectSP()
		k.op = sOlder
		if name == "YOUNGER" {
			k.op = sYounger
		}
		k.num = uint64(c.nzNumber())
	case "BCC", "CC", "FROM", "SUBJECT", "TO":
		c.expectSP()
		k.op = sHeader
		k.field = strings.ToLower(name)
		k.str = c.searchString()
	case "HEADER":
		c.expectSP()
		k.op = sHeader
		k.field = strings.ToLower(c.astring())
		c.expectSP()
		k.str = c.searchString()
	case "BODY":
		c.expectSP()
		k.op = sBody
		k.str = c.searchString()
	case "TEXT":
		c.expectSP()
		k.op = sText
		k.str = c.searchString()
	case "UID":
		c.expectSP()
		k.op = sUID
		k.set = c.numSet()
	case "NOT":
		c.expectSP()
		k.op = sNot
		k.kids = []*searchKey{c.parseSearchKey(depth + 1)}
	case "OR":
		c.expectSP()
		a := c.parseSearchKey(depth + 1)
		c.expectSP()
		b := c.parseSearchKey(depth + 1)
		k.op = sOr
		k.kids = []*searchKey{a, b}
	case "MODSEQ":
		c.expectSP()
		if c.peek() == '"' {
			// entry-name entry-type-req: accepted and ignored, we have
			// one MODSEQ per message (RFC 7162 §3.1.5).
			c.quoted()
			c.expectSP()
			c.atom()
			c.expectSP()
		}
		k.op = sModSeq
		k.num = c.number64()
		c.enabled.condstore = true
	default:
		if c.parseSearchKeyExt(k, name) {
			return k
		}
		c.fail("Unknown search key")
	}
	return k
}

// needs reports what evaluating k requires beyond the view.
func (k *searchKey) needs() (msg, content bool) {
	switch k.op {
	case sLarger, sSmaller, sBefore, sOn, sSince, sOlder, sYounger:
		msg = true
	case sSentBefore, sSentOn, sSentSince, sHeader, sBody, sText:
		msg, content = true, true
	default:
		msg, content = k.needsExt()
	}
	for _, kid := range k.kids {
		m, ct := kid.needs()
		msg = msg || m
		content = content || ct
	}
	return
}

func (k *searchKey) usesModSeq() bool {
	if k.op == sModSeq {
		return true
	}
	for _, kid := range k.kids {
		if kid.usesModSeq() {
			return true
		}
	}
	return false
}
