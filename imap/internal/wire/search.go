package wire

import (
	"strings"
	"time"

	"github.com/mailwire/mailwire/imap"
)

// SearchCommand is the argument of SEARCH (RFC 9051 §6.4.4):
// [RETURN (options)] [CHARSET name] keys.
type SearchCommand struct {
	Options  imap.SearchOptions
	Charset  string // "" if absent; upper case
	Criteria imap.SearchCriteria
}

// ReadSearch reads the arguments of SEARCH after "SEARCH SP" up to, not
// including, the CRLF.
func ReadSearch(d *Decoder) (*SearchCommand, error) {
	cmd := new(SearchCommand)
	for {
		if d.PeekIs('(') || d.IsLiteralNext() || d.PeekIs('"') {
			break
		}
		c, err := d.Peek()
		if err != nil {
			return nil, err
		}
		if c >= '0' && c <= '9' || c == '*' || c == '$' {
			break
		}
		// Look at the keyword without consuming it unless it is RETURN/CHARSET.
		word, _ := d.r.Peek(8)
		if len(word) >= 7 && EqualFold(word[:7], "RETURN ") && !cmd.Options.Return && cmd.Charset == "" {
			d.AtomBytes()
			d.SP()
			if err := readSearchReturn(d, &cmd.Options); err != nil {
				return nil, err
			}
			if err := d.SP(); err != nil {
				return nil, err
			}
			continue
		}
		if len(word) >= 8 && EqualFold(word[:8], "CHARSET ") && cmd.Charset == "" {
			d.AtomBytes()
			d.SP()
			cs, err := d.AString()
			if err != nil {
				return nil, err
			}
			cmd.Charset = strings.ToUpper(cs)
			if err := d.SP(); err != nil {
				return nil, err
			}
			continue
		}
		break
	}
	if err := ReadSearchKeys(d, &cmd.Criteria); err != nil {
		return nil, err
	}
	return cmd, nil
}

func readSearchReturn(d *Decoder, o *imap.SearchOptions) error {
	o.Return = true
	return d.List(func() error {
		b, err := d.AtomBytes()
		if err != nil {
			return err
		}
		switch {
		case EqualFold(b, "MIN"):
			o.ReturnMin = true
		case EqualFold(b, "MAX"):
			o.ReturnMax = true
		case EqualFold(b, "ALL"):
			o.ReturnAll = true
		case EqualFold(b, "COUNT"):
			o.ReturnCount = true
		case EqualFold(b, "SAVE"):
			o.ReturnSave = true
		default:
			return syntaxErr("unknown search return option %q", b)
		}
		return nil
	})
}

// ReadSearchKeys reads one or more space-separated search keys into c,
// stopping before CRLF or ")".
func ReadSearchKeys(d *Decoder, c *imap.SearchCriteria) error {
	for {
		if err := readSearchKey(d, c); err != nil {
			return err
		}
		if d.AtEOL() || d.PeekIs(')') {
			return nil
		}
		if err := d.SP(); err != nil {
			return err
		}
	}
}

func readSearchKey(d *Decoder, c *imap.SearchCriteria) error {
	if err := d.Enter(); err != nil {
		return err
	}
	defer d.Leave()
	ch, err := d.Peek()
	if err != nil {
		return err
	}
	if ch == '(' {
		d.ReadByte()
		if err := ReadSearchKeys(d, c); err != nil {
			return err
		}
		return d.Expect(')')
	}
	if ch >= '0' && ch <= '9' || ch == '*' || ch == '$' {
		s, err := d.SeqSet()
		if err != nil {
			return err
		}
		c.SeqNum = append(c.SeqNum, s)
		return nil
	}
	b, err := d.AtomBytes()
	if err != nil {
		return err
	}
	key := searchKeyOf(b)
	if key == "" {
		return syntaxErr("unknown search key %q", b)
	}
	if f, ok := flagKeys[key]; ok {
		c.Flag = append(c.Flag, f)
		return nil
	}
	if f, ok := unflagKeys[key]; ok {
		c.NotFlag = append(c.NotFlag, f)
		return nil
	}
	switch key {
	case "ALL":
		return nil
	case "NEW":
		c.Flag = append(c.Flag, imap.FlagRecent)
		c.NotFlag = append(c.NotFlag, imap.FlagSeen)
		return nil
	case "OLD":
		c.NotFlag = append(c.NotFlag, imap.FlagRecent)
		return nil
	case "SAVEDATESUPPORTED":
		c.SaveDateSupported = true
		return nil
	}
	if err := d.SP(); err != nil {
		return err
	}
	switch key {
	case "KEYWORD", "UNKEYWORD":
		f, err := d.Flag()
		if err != nil {
			return err
		}
		if key == "KEYWORD" {
			c.Flag = append(c.Flag, f)
		} else {
			c.NotFlag = append(c.NotFlag, f)
		}
	case "BCC", "CC", "FROM", "SUBJECT", "TO":
		v, err := d.AString()
		if err != nil {
			return err
		}
		c.Header = append(c.Header, imap.SearchHeaderField{Key: headerKeyName[key], Value: v})
	case "HEADER":
		k, err := d.AString()
		if err != nil {
			return err
		}
		if err := d.SP(); err != nil {
			return err
		}
		v, err := d.AString()
		if err != nil {
			return err
		}
		c.Header = append(c.Header, imap.SearchHeaderField{Key: k, Value: v})
	case "BODY", "TEXT":
		v, err := d.AString()
		if err != nil {
			return err
		}
		if key == "BODY" {
			c.Body = append(c.Body, v)
		} else {
			c.Text = append(c.Text, v)
		}
	case "BEFORE", "ON", "SINCE", "SENTBEFORE", "SENTON", "SENTSINCE", "SAVEDBEFORE", "SAVEDON", "SAVEDSINCE":
		t, err := d.Date()
		if err != nil {
			return err
		}
		applyDate(c, key, t)
	case "LARGER", "SMALLER":
		n, err := d.Number64()
		if err != nil {
			return err
		}
		var o imap.SearchCriteria
		if key == "LARGER" {
			o.Larger = int64(n)
		} else {
			o.Smaller = int64(n)
			if n == 0 {
				// SMALLER 0 matches nothing; keep it representable.
				o.Smaller = -1
			}
		}
		c.And(&o)
	case "UID":
		s, err := d.UIDSet()
		if err != nil {
			return err
		}
		c.UID = append(c.UID, s)
	case "NOT":
		var n imap.SearchCriteria
		if err := readSearchKey(d, &n); err != nil {
			return err
		}
		c.Not = append(c.Not, n)
	case "OR":
		var pair [2]imap.SearchCriteria
		if err := readSearchKey(d, &pair[0]); err != nil {
			return err
		}
		if err := d.SP(); err != nil {
			return err
		}
		if err := readSearchKey(d, &pair[1]); err != nil {
			return err
		}
		c.Or = append(c.Or, pair)
	case "MODSEQ":
		m := new(imap.SearchModSeq)
		if d.PeekIs('"') {
			name, err := d.Quoted()
			if err != nil {
				return err
			}
			if err := d.SP(); err != nil {
				return err
			}
			t, err := d.AtomBytes()
			if err != nil {
				return err
			}
			typ := strings.ToLower(string(t))
			if typ != "priv" && typ != "shared" && typ != "all" {
				return syntaxErr("bad MODSEQ entry type")
			}
			m.MetadataName, m.MetadataType = name, typ
			if err := d.SP(); err != nil {
				return err
			}
		}
		n, err := d.Number64()
		if err != nil {
			return err
		}
		m.ModSeq = n
		c.And(&imap.SearchCriteria{ModSeq: m})
	case "OLDER", "YOUNGER":
		n, err := d.NzNumber()
		if err != nil {
			return err
		}
		if key == "OLDER" {
			c.And(&imap.SearchCriteria{Older: n})
		} else {
			c.And(&imap.SearchCriteria{Younger: n})
		}
	case "EMAILID", "THREADID":
		b, err := d.AtomBytes()
		if err != nil {
			return err
		}
		if key == "EMAILID" {
			c.EmailID = string(b)
		} else {
			c.ThreadID = string(b)
		}
	}
	return nil
}

func applyDate(c *imap.SearchCriteria, key string, t time.Time) {
	next := t.AddDate(0, 0, 1)
	var o imap.SearchCriteria
	switch key {
	case "BEFORE":
		o.Before = t
	case "SINCE":
		o.Since = t
	case "ON":
		o.Since, o.Before = t, next
	case "SENTBEFORE":
		o.SentBefore = t
	case "SENTSINCE":
		o.SentSince = t
	case "SENTON":
		o.SentSince, o.SentBefore = t, next
	case "SAVEDBEFORE":
		o.SavedBefore = t
	case "SAVEDSINCE":
		o.SavedSince = t
	case "SAVEDON":
		o.SavedSince, o.SavedBefore = t, next
	}
	c.And(&o)
}

var searchKeys = []string{
	"ALL", "ANSWERED", "BCC", "BEFORE", "BODY", "CC", "DELETED", "DRAFT", "FLAGGED", "FROM",
	"HEADER", "KEYWORD", "LARGER", "NEW", "NOT", "OLD", "ON", "OR", "RECENT", "SEEN",
	"SENTBEFORE", "SENTON", "SENTSINCE", "SINCE", "SMALLER", "SUBJECT", "TEXT", "TO", "UID",
	"UNANSWERED", "UNDELETED", "UNDRAFT", "UNFLAGGED", "UNKEYWORD", "UNSEEN",
	"MODSEQ", "OLDER", "YOUNGER", "SAVEDBEFORE", "SAVEDON", "SAVEDSINCE", "SAVEDATESUPPORTED",
	"EMAILID", "THREADID",
}

// searchKeyOf returns the canonical key name for b without allocating.
func searchKeyOf(b []byte) string {
	for _, k := range searchKeys {
		if EqualFold(b, k) {
			return k
		}
	}
	return ""
}

var flagKeys = map[string]imap.Flag{
	"ANSWERED": imap.FlagAnswered, "DELETED": imap.FlagDeleted, "DRAFT": imap.FlagDraft,
	"FLAGGED": imap.FlagFlagged, "SEEN": imap.FlagSeen, "RECENT": imap.FlagRecent,
}

var unflagKeys = map[string]imap.Flag{
	"UNANSWERED": imap.FlagAnswered, "UNDELETED": imap.FlagDeleted, "UNDRAFT": imap.FlagDraft,
	"UNFLAGGED": imap.FlagFlagged, "UNSEEN": imap.FlagSeen,
}

var headerKeyName = map[string]string{
	"BCC": "Bcc", "CC": "Cc", "FROM": "From", "SUBJECT": "Subject", "TO": "To",
}

// WriteSearchKeys writes c as a search program (no CHARSET, no RETURN).
// An empty criteria is written as ALL.
func WriteSearchKeys(e *Encoder, c *imap.SearchCriteria) {
	n := 0
	sp := func() {
		if n > 0 {
			e.SP()
		}
		n++
	}
	for _, s := range c.SeqNum {
		sp()
		e.NumSet(s)
	}
	for _, s := range c.UID {
		sp()
		e.Raw("UID ").NumSet(s)
	}
	date := func(key string, t time.Time) {
		if !t.IsZero() {
			sp()
			e.Raw(key).SP().Date(t)
		}
	}
	date("SINCE", c.Since)
	date("BEFORE", c.Before)
	date("SENTSINCE", c.SentSince)
	date("SENTBEFORE", c.SentBefore)
	date("SAVEDSINCE", c.SavedSince)
	date("SAVEDBEFORE", c.SavedBefore)
	for _, h := range c.Header {
		sp()
		switch k := strings.ToUpper(h.Key); k {
		case "BCC", "CC", "FROM", "SUBJECT", "TO":
			e.Raw(k).SP().AString(h.Value)
		default:
			e.Raw("HEADER ").AString(h.Key).SP().AString(h.Value)
		}
	}
	for _, s := range c.Body {
		sp()
		e.Raw("BODY ").AString(s)
	}
	for _, s := range c.Text {
		sp()
		e.Raw("TEXT ").AString(s)
	}
	for _, f := range c.Flag {
		sp()
		writeFlagKey(e, f, false)
	}
	for _, f := range c.NotFlag {
		sp()
		writeFlagKey(e, f, true)
	}
	if c.Larger > 0 {
		sp()
		e.Raw("LARGER ").Int64(c.Larger)
	}
	if c.Smaller != 0 {
		sp()
		e.Raw("SMALLER ").Int64(max(c.Smaller, 0))
	}
	for i := range c.Not {
		sp()
		e.Raw("NOT ")
		writeSearchGroup(e, &c.Not[i])
	}
	for i := range c.Or {
		sp()
		e.Raw("OR ")
		writeSearchGroup(e, &c.Or[i][0])
		e.SP()
		writeSearchGroup(e, &c.Or[i][1])
	}
	if m := c.ModSeq; m != nil {
		sp()
		e.Raw("MODSEQ ")
		if m.MetadataName != "" {
			e.Quoted(m.MetadataName).SP().Raw(m.MetadataType).SP()
		}
		e.Number64(m.ModSeq)
	}
	if c.Older > 0 {
		sp()
		e.Raw("OLDER ").Number(c.Older)
	}
	if c.Younger > 0 {
		sp()
		e.Raw("YOUNGER ").Number(c.Younger)
	}
	if c.SaveDateSupported {
		sp()
		e.Raw("SAVEDATESUPPORTED")
	}
	if c.EmailID != "" {
		sp()
		e.Raw("EMAILID ").Atom(c.EmailID)
	}
	if c.ThreadID != "" {
		sp()
		e.Raw("THREADID ").Atom(c.ThreadID)
	}
	if n == 0 {
		e.Raw("ALL")
	}
}

func writeSearchGroup(e *Encoder, c *imap.SearchCriteria) {
	if searchKeyCount(c) == 1 {
		WriteSearchKeys(e, c)
		return
	}
	e.BeginList()
	WriteSearchKeys(e, c)
	e.EndList()
}

func searchKeyCount(c *imap.SearchCriteria) int {
	n := len(c.SeqNum) + len(c.UID) + len(c.Header) + len(c.Body) + len(c.Text) +
		len(c.Flag) + len(c.NotFlag) + len(c.Not) + len(c.Or)
	for _, t := range []time.Time{c.Since, c.Before, c.SentSince, c.SentBefore, c.SavedSince, c.SavedBefore} {
		if !t.IsZero() {
			n++
		}
	}
	if c.Larger > 0 {
		n++
	}
	if c.Smaller != 0 {
		n++
	}
	if c.ModSeq != nil {
		n++
	}
	if c.Older > 0 {
		n++
	}
	if c.Younger > 0 {
		n++
	}
	if c.SaveDateSupported {
		n++
	}
	if c.EmailID != "" {
		n++
	}
	if c.ThreadID != "" {
		n++
	}
	return n
}

func writeFlagKey(e *Encoder, f imap.Flag, not bool) {
	for k, v := range flagKeys {
		if v.Equal(f) {
			if not {
				if f.Equal(imap.FlagRecent) {
					e.Raw("OLD")
					return
				}
				e.Raw("UN")
			}
			e.Raw(k)
			return
		}
	}
	if not {
		e.Raw("UNKEYWORD ")
	} else {
		e.Raw("KEYWORD ")
	}
	e.Flag(f)
}
