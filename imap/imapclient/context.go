package imapclient

import (
	"strconv"

	"github.com/mailwire/mailwire/imap"
	"github.com/mailwire/mailwire/imap/internal/wire"
)

// This file is the client side of CONTEXT=SEARCH and CONTEXT=SORT
// (RFC 5267 §4): the return options UPDATE, CONTEXT and PARTIAL of Search
// and Sort (imap.SearchOptions, SortOptions), the PARTIAL, ADDTO and
// REMOVEFROM result data (imap.SearchData), and CANCELUPDATE. The updates
// of a kept result arrive after its command has finished, so they go to
// UnilateralHandler.ESearch with the search's tag:
//
//	s := c.Search(true, criteria, &imap.SearchOptions{ReturnAll: true, ReturnUpdate: true})
//	first, err := s.Wait()
//	tag := s.Tag() // updates carry it: d.Tag == tag, d.AddTo, d.RemoveFrom
//	...
//	err = c.CancelUpdate(tag).Wait()

// contextReturnOptions appends the RFC 5267 return options to ret.
func contextReturnOptions(ret []string, update, context bool, partial *imap.PartialRange) []string {
	if update {
		ret = append(ret, "UPDATE")
	}
	if context {
		ret = append(ret, "CONTEXT")
	}
	if partial != nil {
		ret = append(ret, "PARTIAL "+strconv.FormatUint(uint64(max(partial.Low, 1)), 10)+":"+
			strconv.FormatUint(uint64(max(partial.High, 1)), 10))
	}
	return ret
}

// Tag returns the command's tag, which names its kept result in ESEARCH
// updates and in CancelUpdate.
func (s *SearchCommand) Tag() string { return s.cmd.tag }

// Tag returns the command's tag (see SearchCommand.Tag).
func (s *SortCommand) Tag() string { return s.cmd.tag }

// CancelUpdate ends the updates of the kept results of the given search
// tags (RFC 5267 §4.3, CANCELUPDATE).
func (c *Client) CancelUpdate(tags ...string) *Command {
	return c.simple("CANCELUPDATE", func(e *wire.Encoder) error {
		for _, t := range tags {
			e.SP().Quoted(t)
		}
		return nil
	})
}

// readContextData reads the value of ADDTO, REMOVEFROM or PARTIAL (key)
// into s (RFC 5267 §6):
//
//	"ADDTO" / "REMOVEFROM" SP "(" context-position SP sequence-set
//	    *(SP context-position SP sequence-set) ")"
//	"PARTIAL" SP "(" partial-range SP (sequence-set / "NIL") ")"
func readContextData(d *wire.Decoder, s *imap.SearchData, key string) error {
	set := func(ss imap.SeqSet) imap.NumSet {
		if s.UID {
			return imap.UIDSet(ss)
		}
		return ss
	}
	if key == "PARTIAL" {
		p := &imap.SearchPartial{}
		err := d.List(func() error {
			lo, err := d.Number()
			if err != nil {
				return err
			}
			if err := d.Expect(':'); err != nil {
				return err
			}
			if p.Range.High, err = d.Number(); err != nil {
				return err
			}
			p.Range.Low = lo
			if err := d.SP(); err != nil {
				return err
			}
			if d.PeekIs('N') || d.PeekIs('n') {
				return d.ExpectAtom("NIL")
			}
			ss, err := d.SeqSet()
			p.Nums = set(ss)
			return err
		})
		s.Partial = p
		return err
	}
	var ups []imap.SearchUpdate
	err := d.List(func() error { // one position/set pair per element
		pos, err := d.Number()
		if err != nil {
			return err
		}
		if err := d.SP(); err != nil {
			return err
		}
		ss, err := d.SeqSet()
		if err != nil {
			return err
		}
		ups = append(ups, imap.SearchUpdate{Position: pos, Nums: set(ss)})
		return nil
	})
	if key == "ADDTO" {
		s.AddTo = append(s.AddTo, ups...)
	} else {
		s.RemoveFrom = append(s.RemoveFrom, ups...)
	}
	return err
}

// isContextUpdate reports whether d is an ADDTO/REMOVEFROM update (which
// may come before the tagged OK of its own search) rather than a result.
func isContextUpdate(d *imap.SearchData) bool {
	return d != nil && (len(d.AddTo) > 0 || len(d.RemoveFrom) > 0)
}
