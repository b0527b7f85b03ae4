package imap

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"
)

// SortMessage is what SORT and THREAD need to know of one message (RFC
// 5256): the number to report and raw header values. Sort and the Thread
// functions take messages in mailbox order (ascending sequence numbers):
// their position is the implicit last sort criterion (RFC 5256 §3) and
// breaks ties between equal sent dates (§2.2).
//
// Only the fields the requested keys use need to be filled: Date for
// DATE and THREAD, Subject for SUBJECT and THREAD, MessageID, InReplyTo
// and References for THREAD REFERENCES, the addresses for FROM, TO, CC,
// DISPLAYFROM and DISPLAYTO.
type SortMessage struct {
	Num          uint32 // reported number: sequence number or UID
	InternalDate time.Time
	Size         int64

	Date    string // raw Date: header
	Subject string // raw Subject: header (encoded words allowed)
	From    []Address
	To      []Address
	Cc      []Address

	MessageID  string // raw Message-ID: header
	InReplyTo  string // raw In-Reply-To: header
	References string // raw References: header

	// Precomputed keys, for servers that cache them: with Keyed set,
	// DateKey (SentDateKey of Date and InternalDate), SubjectKey and Reply
	// (SubjectKey of Subject) stand for Date and Subject.
	Keyed      bool
	DateKey    int64
	SubjectKey string
	Reply      bool
}

// msgSubjectKey is the collation key of m's base subject and its reply
// flag.
func msgSubjectKey(m *SortMessage) (string, bool) {
	if m.Keyed {
		return m.SubjectKey, m.Reply
	}
	return SubjectKey(m.Subject)
}

// SentDate returns the sent date of RFC 5256 §2.2: the Date header
// normalised to UTC; an invalid time zone counts as UTC and an invalid
// time as 00:00:00. A missing or unparseable Date falls back to the
// internal date.
func SentDate(date string, internal time.Time) time.Time {
	if t, ok := parseSentDate(date); ok {
		return t
	}
	return internal.UTC()
}

// parseSentDate parses an RFC 5322 date (§3.3 and the obsolete forms of
// §4.3) leniently and without allocating: it finds a day, a month name
// and a year in any order mail uses, an optional hh:mm[:ss] and an
// optional zone. Without day, month and year the date is invalid.
func parseSentDate(s string) (time.Time, bool) {
	if strings.IndexByte(s, '(') >= 0 {
		s = stripComments(s)
	}
	day, month, year := -1, -1, -1
	hour, minute, sec := 0, 0, 0
	zone := 0
	for tokens := 0; tokens < 16; tokens++ {
		for len(s) > 0 && (s[0] == ' ' || s[0] == ',' || s[0] == '\t' || s[0] == '\r' || s[0] == '\n') {
			s = s[1:]
		}
		if s == "" {
			break
		}
		end := 0
		for end < len(s) && s[end] != ' ' && s[end] != ',' && s[end] != '\t' && s[end] != '\r' && s[end] != '\n' {
			end++
		}
		f := s[:end]
		s = s[end:]
		switch {
		case month < 0 && len(f) >= 3 && isAlpha(f) && monthIndex(f[:3]) >= 0:
			month = monthIndex(f[:3])
		case strings.IndexByte(f, ':') > 0:
			if h, m, sc, ok := parseClock(f); ok {
				hour, minute, sec = h, m, sc
			}
		case (f[0] == '+' || f[0] == '-') && len(f) == 5 && allDigits(f[1:]):
			// An invalid zone counts as UTC (RFC 5256 §2.2).
			if zh, zm := atoi(f[1:3]), atoi(f[3:5]); zh < 24 && zm < 60 {
				zone = zh*60 + zm
				if f[0] == '-' {
					zone = -zone
				}
			}
		case allDigits(f):
			n := atoi(f)
			switch {
			case day < 0 && len(f) <= 2 && n >= 1 && n <= 31:
				day = n
			case year < 0 && len(f) >= 2 && len(f) <= 4:
				year = n
				switch len(f) {
				case 2: // RFC 5322 §4.3
					if n < 50 {
						year += 2000
					} else {
						year += 1900
					}
				case 3:
					year += 1900
				}
			}
		default:
			if off, ok := zoneOffset(f); ok {
				zone = off
			}
		}
	}
	if day < 0 || month < 0 || year < 0 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month+1), day, hour, minute, sec, 0, time.UTC)
	return t.Add(-time.Duration(zone) * time.Minute), true
}

// zoneOffset knows the obsolete zone names of RFC 5322 §4.3 (minutes east
// of UTC).
func zoneOffset(name string) (int, bool) {
	for _, z := range [...]struct {
		name string
		off  int
	}{
		{"UT", 0}, {"GMT", 0}, {"UTC", 0}, {"Z", 0},
		{"EST", -5 * 60}, {"EDT", -4 * 60}, {"CST", -6 * 60}, {"CDT", -5 * 60},
		{"MST", -7 * 60}, {"MDT", -6 * 60}, {"PST", -8 * 60}, {"PDT", -7 * 60},
	} {
		if strings.EqualFold(name, z.name) {
			return z.off, true
		}
	}
	return 0, false
}

var monthNames = [...]string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}

func monthIndex(s string) int {
	for i, m := range monthNames {
		if strings.EqualFold(m, s) {
			return i
		}
	}
	return -1
}

func parseClock(f string) (h, m, s int, ok bool) {
	var parts [3]string
	n := 0
	for n < 3 {
		i := strings.IndexByte(f, ':')
		if i < 0 {
			parts[n] = f
			n++
			f = ""
			break
		}
		parts[n] = f[:i]
		f = f[i+1:]
		n++
	}
	if n < 2 || f != "" {
		return 0, 0, 0, false
	}
	for _, p := range parts[:n] {
		if len(p) == 0 || len(p) > 2 || !allDigits(p) {
			return 0, 0, 0, false
		}
	}
	h, m = atoi(parts[0]), atoi(parts[1])
	if n == 3 {
		s = atoi(parts[2])
	}
	if h > 23 || m > 59 || s > 60 {
		return 0, 0, 0, false // §2.2: an invalid time counts as 00:00:00
	}
	return h, m, s, true
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isAlpha(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s) && i < 9; i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// dateKey turns a time into a sortable integer without allocation
// (nanoseconds, clamped to the range of int64).
func dateKey(t time.Time) int64 {
	if t.IsZero() {
		return math.MinInt64
	}
	const maxSec = math.MaxInt64/1_000_000_000 - 1
	sec := t.Unix()
	switch {
	case sec >= maxSec:
		return math.MaxInt64
	case sec <= -maxSec:
		return math.MinInt64 + 1
	}
	return sec*1e9 + int64(t.Nanosecond())
}

// firstAddress returns the first address that is not a group marker:
// RFC 5256 §3 sorts CC, FROM and TO by its addr-mailbox.
func firstAddress(list []Address) (Address, bool) {
	for _, a := range list {
		if a.IsGroupStart() || a.IsGroupEnd() {
			continue
		}
		return a, true
	}
	return Address{}, false
}

// displayKey is the DISPLAYFROM/DISPLAYTO key of RFC 5957 §3: the decoded
// display name of the first address, or its addr-spec when it has none.
func displayKey(list []Address) string {
	a, ok := firstAddress(list)
	if !ok {
		return ""
	}
	if name := strings.TrimSpace(DecodeHeader(a.Name)); name != "" {
		return name
	}
	return a.Addr()
}

// sortKeys holds the precomputed keys of every message, so that sorting
// compares integers and strings only (no allocation per comparison).
type sortKeys struct {
	arrival, date, size               []int64
	subject, from, to, cc, dFrom, dTo []string
}

func buildSortKeys(msgs []SortMessage, criteria []SortCriterion) *sortKeys {
	k := &sortKeys{}
	n := len(msgs)
	for _, c := range criteria {
		switch c.Key {
		case SortArrival:
			if k.arrival == nil {
				k.arrival = make([]int64, n)
				for i := range msgs {
					k.arrival[i] = dateKey(msgs[i].InternalDate)
				}
			}
		case SortDate:
			if k.date == nil {
				k.date = sentDateKeys(msgs)
			}
		case SortSize:
			if k.size == nil {
				k.size = make([]int64, n)
				for i := range msgs {
					k.size[i] = msgs[i].Size
				}
			}
		case SortSubject:
			if k.subject == nil {
				k.subject = make([]string, n)
				for i := range msgs {
					k.subject[i], _ = msgSubjectKey(&msgs[i])
				}
			}
		case SortFrom:
			k.from = mailboxKeys(k.from, msgs, func(m *SortMessage) []Address { return m.From })
		case SortTo:
			k.to = mailboxKeys(k.to, msgs, func(m *SortMessage) []Address { return m.To })
		case SortCc:
			k.cc = mailboxKeys(k.cc, msgs, func(m *SortMessage) []Address { return m.Cc })
		case SortDisplayFrom:
			k.dFrom = displayKeys(k.dFrom, msgs, func(m *SortMessage) []Address { return m.From })
		case SortDisplayTo:
			k.dTo = displayKeys(k.dTo, msgs, func(m *SortMessage) []Address { return m.To })
		}
	}
	return k
}

func sentDateKeys(msgs []SortMessage) []int64 {
	out := make([]int64, len(msgs))
	for i := range msgs {
		if msgs[i].Keyed {
			out[i] = msgs[i].DateKey
		} else {
			out[i] = SentDateKey(msgs[i].Date, msgs[i].InternalDate)
		}
	}
	return out
}

func mailboxKeys(have []string, msgs []SortMessage, get func(*SortMessage) []Address) []string {
	if have != nil {
		return have
	}
	out := make([]string, len(msgs))
	for i := range msgs {
		if a, ok := firstAddress(get(&msgs[i])); ok {
			out[i] = CollationKey(a.Mailbox)
		}
	}
	return out
}

func displayKeys(have []string, msgs []SortMessage, get func(*SortMessage) []Address) []string {
	if have != nil {
		return have
	}
	out := make([]string, len(msgs))
	for i := range msgs {
		out[i] = CollationKey(displayKey(get(&msgs[i])))
	}
	return out
}

// compare compares messages i and j by one criterion (ascending); keys
// it has no slice for compare equal.
func (k *sortKeys) compare(key SortKey, i, j int32) int {
	switch key {
	case SortArrival:
		if k.arrival == nil {
			return 0
		}
		return cmp.Compare(k.arrival[i], k.arrival[j])
	case SortDate:
		if k.date == nil {
			return 0
		}
		return cmp.Compare(k.date[i], k.date[j])
	case SortSize:
		if k.size == nil {
			return 0
		}
		return cmp.Compare(k.size[i], k.size[j])
	case SortSubject:
		if k.subject == nil {
			return 0
		}
		return strings.Compare(k.subject[i], k.subject[j])
	case SortFrom:
		return compareStrings(k.from, i, j)
	case SortTo:
		return compareStrings(k.to, i, j)
	case SortCc:
		return compareStrings(k.cc, i, j)
	case SortDisplayFrom:
		return compareStrings(k.dFrom, i, j)
	case SortDisplayTo:
		return compareStrings(k.dTo, i, j)
	}
	return 0
}

func compareStrings(keys []string, i, j int32) int {
	if keys == nil {
		return 0
	}
	return strings.Compare(keys[i], keys[j])
}

// IsSortKey reports whether key is a sort key Sort knows.
func IsSortKey(key SortKey) bool {
	switch key {
	case SortArrival, SortCc, SortDate, SortFrom, SortSize, SortSubject, SortTo, SortDisplayFrom, SortDisplayTo:
		return true
	}
	return false
}

// Sort orders messages by the criteria of a SORT program (RFC 5256 §3)
// and returns their Nums. Strings compare by i;unicode-casemap (the empty
// string first: a missing header is the empty string); REVERSE reverses
// one criterion; messages equal under every criterion keep mailbox order
// (the implicit sequence-number criterion, which REVERSE never affects).
// Unknown keys compare equal.
func Sort(msgs []SortMessage, criteria []SortCriterion) []uint32 {
	order := SortOrder(msgs, criteria)
	out := make([]uint32, len(order))
	for k, i := range order {
		out[k] = msgs[i].Num
	}
	return out
}

// SortOrder is Sort returning positions in msgs instead of Nums.
func SortOrder(msgs []SortMessage, criteria []SortCriterion) []int32 {
	return sortOrder(buildSortKeys(msgs, criteria), len(msgs), criteria)
}

// SortData is the input of SortOrderData in precomputed form, one entry
// per message in mailbox order, for servers that cache sort keys: the
// keys of ARRIVAL (internal date, Unix nanoseconds), DATE (SentDateKey),
// SIZE and SUBJECT (SubjectKey). Only the slices of keys the criteria
// use need to be filled.
type SortData struct {
	Arrival, Date, Size []int64
	Subject             []string
}

// SortOrderData is SortOrder on precomputed keys. Criteria other than
// ARRIVAL, DATE, SIZE and SUBJECT compare equal.
func SortOrderData(d *SortData, n int, criteria []SortCriterion) []int32 {
	k := &sortKeys{arrival: d.Arrival, date: d.Date, size: d.Size, subject: d.Subject}
	return sortOrder(k, n, criteria)
}

func sortOrder(keys *sortKeys, n int, criteria []SortCriterion) []int32 {
	order := make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(i, j int32) int {
		for _, c := range criteria {
			if r := keys.compare(c.Key, i, j); r != 0 {
				if c.Reverse {
					return -r
				}
				return r
			}
		}
		return cmp.Compare(i, j)
	})
	return order
}
