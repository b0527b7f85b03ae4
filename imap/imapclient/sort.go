package imapclient

import (
	"errors"
	"strings"

	"github.com/mailwire/mailwire/imap"
	"github.com/mailwire/mailwire/imap/internal/wire"
)

// SortCommand is a SORT or UID SORT in flight (RFC 5256 §3).
type SortCommand struct {
	cmd  *command
	nums []uint32
	data *imap.SearchData
}

// Wait returns the message numbers (UIDs for UID SORT) in sort order. For
// a SORT with RETURN options (ESORT, RFC 5267) it returns the numbers of
// ALL if the server sent them; ESearch has the other results.
func (s *SortCommand) Wait() ([]uint32, error) {
	err := s.cmd.wait()
	if s.nums == nil && s.data != nil {
		s.nums = s.data.AllNums()
	}
	return s.nums, err
}

// ESearch returns the ESEARCH data of a SORT with RETURN options (RFC 5267
// §3: MIN and MAX are the first and last message in sort order, ALL is in
// sort order), or nil. Call it after Wait.
func (s *SortCommand) ESearch() *imap.SearchData { return s.data }

// SortOptions are the ESORT return options (RFC 5267 §3). The zero value
// sends a plain SORT.
type SortOptions struct {
	ReturnMin, ReturnMax, ReturnAll, ReturnCount bool
	// CONTEXT=SORT (RFC 5267 §4), as in imap.SearchOptions.
	ReturnUpdate, ReturnContext bool
	ReturnPartial               *imap.PartialRange
}

func (o *SortOptions) any() bool {
	return o != nil && (o.ReturnMin || o.ReturnMax || o.ReturnAll || o.ReturnCount ||
		o.ReturnUpdate || o.ReturnContext || o.ReturnPartial != nil)
}

// Sort sends SORT (RFC 5256 §3): the messages matching criteria ordered by
// the sort program. It needs the SORT capability; DISPLAYFROM/DISPLAYTO
// need SORT=DISPLAY, RETURN options ESORT. Strings in criteria are sent
// with charset UTF-8.
func (c *Client) Sort(program []imap.SortCriterion, criteria *imap.SearchCriteria, opts *SortOptions) *SortCommand {
	return c.sort("SORT", program, criteria, opts)
}

// UIDSort is Sort returning UIDs (UID SORT).
func (c *Client) UIDSort(program []imap.SortCriterion, criteria *imap.SearchCriteria, opts *SortOptions) *SortCommand {
	return c.sort("UID SORT", program, criteria, opts)
}

var errEmptySortProgram = errors.New("imapclient: SORT needs at least one sort criterion")

func (c *Client) sort(name string, program []imap.SortCriterion, criteria *imap.SearchCriteria, opts *SortOptions) *SortCommand {
	sc := &SortCommand{}
	if criteria == nil {
		criteria = &imap.SearchCriteria{}
	}
	if len(program) == 0 {
		// Refused before sending: the connection stays usable.
		sc.cmd = &command{c: c, name: name, done: make(chan struct{})}
		sc.cmd.finish(nil, errEmptySortProgram)
		return sc
	}
	sc.cmd = c.start(name, func(e *wire.Encoder) error {
		if opts.any() {
			e.Raw(" RETURN (")
			first := true
			for _, o := range []struct {
				on   bool
				name string
			}{{opts.ReturnMin, "MIN"}, {opts.ReturnMax, "MAX"}, {opts.ReturnAll, "ALL"}, {opts.ReturnCount, "COUNT"}} {
				if o.on {
					if !first {
						e.SP()
					}
					e.Raw(o.name)
					first = false
				}
			}
			for _, o := range contextReturnOptions(nil, opts.ReturnUpdate, opts.ReturnContext, opts.ReturnPartial) { // context.go
				if !first {
					e.SP()
				}
				e.Raw(o)
				first = false
			}
			e.Byte(')')
		}
		e.Raw(" (")
		for i, cr := range program {
			if i > 0 {
				e.SP()
			}
			if cr.Reverse {
				e.Raw("REVERSE ")
			}
			e.Raw(string(cr.Key))
		}
		e.Raw(") ")
		writeCharsetAndKeys(e, criteria)
		return nil
	}, func(cmd *command) {
		cmd.wantsData = func(k string) bool { return k == "SORT" || k == "ESEARCH" }
		cmd.onData = func(u *untagged) bool {
			if u.kind == "ESEARCH" {
				if u.search.Tag != "" && u.search.Tag != cmd.tag || isContextUpdate(u.search) {
					return false
				}
				sc.data = u.search
				return true
			}
			// Several SORT responses are concatenated.
			sc.nums = append(sc.nums, u.nums...)
			if sc.nums == nil {
				sc.nums = []uint32{}
			}
			return true
		}
	})
	return sc
}

// writeCharsetAndKeys writes the mandatory charset of SORT and THREAD
// (RFC 5256 §3) and the search keys: UTF-8 when a string needs it,
// US-ASCII otherwise.
func writeCharsetAndKeys(e *wire.Encoder, criteria *imap.SearchCriteria) {
	if needsUTF8(criteria) {
		e.Raw("UTF-8 ")
		e.UTF8 = true
		defer func() { e.UTF8 = false }()
	} else {
		e.Raw("US-ASCII ")
	}
	wire.WriteSearchKeys(e, criteria)
}

// ThreadCommand is a THREAD or UID THREAD in flight (RFC 5256 §3).
type ThreadCommand struct {
	cmd     *command
	threads []*imap.Thread
	got     bool
	err     error
}

// ErrThreadData is returned by ThreadCommand.Wait when the server
// completed THREAD without sending a THREAD response.
var ErrThreadData = errors.New("imapclient: THREAD response data unavailable")

// Wait returns the threads (UIDs for UID THREAD), in the server's order.
func (t *ThreadCommand) Wait() ([]*imap.Thread, error) {
	if err := t.cmd.wait(); err != nil {
		return nil, err
	}
	if t.err != nil {
		return nil, t.err
	}
	if !t.got {
		return nil, ErrThreadData
	}
	return t.threads, nil
}

// Thread sends THREAD (RFC 5256 §3) with the given algorithm
// (imap.ThreadOrderedSubject or imap.ThreadReferences; the server
// announces the ones it has as THREAD=...).
func (c *Client) Thread(alg imap.ThreadAlgorithm, criteria *imap.SearchCriteria) *ThreadCommand {
	return c.thread("THREAD", alg, criteria)
}

// UIDThread is Thread returning UIDs (UID THREAD).
func (c *Client) UIDThread(alg imap.ThreadAlgorithm, criteria *imap.SearchCriteria) *ThreadCommand {
	return c.thread("UID THREAD", alg, criteria)
}

func (c *Client) thread(name string, alg imap.ThreadAlgorithm, criteria *imap.SearchCriteria) *ThreadCommand {
	tc := &ThreadCommand{}
	if criteria == nil {
		criteria = &imap.SearchCriteria{}
	}
	tc.cmd = c.start(name, func(e *wire.Encoder) error {
		e.SP().Raw(string(alg)).SP()
		writeCharsetAndKeys(e, criteria)
		return nil
	}, func(cmd *command) {
		cmd.wantsData = func(k string) bool { return k == "THREAD" }
		cmd.onData = func(u *untagged) bool {
			text, ok := threadData(u)
			if !ok {
				return true
			}
			th, err := imap.ParseThreads(text)
			if err != nil {
				tc.err = err
				return true
			}
			tc.threads = append(tc.threads, th...)
			tc.got = true
			return true
		}
	})
	return tc
}

// threadData returns the data of an untagged THREAD response (the raw
// text the response reader keeps for responses it does not parse).
func threadData(u *untagged) (string, bool) { return strings.TrimSpace(u.text), true }
