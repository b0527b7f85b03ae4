package wire

import (
	"strconv"
	"time"
)

var monthNames = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

func parseMonth(b []byte) (time.Month, bool) {
	for i, m := range monthNames {
		if EqualFold(b, m) {
			return time.Month(i + 1), true
		}
	}
	return 0, false
}

// DateTime reads a date-time: DQUOTE date-day-fixed "-" date-month "-"
// date-year SP time SP zone DQUOTE (RFC 9051 §9), e.g.
// "17-Jul-1996 02:44:25 -0700". A one-digit day may be written with or
// without the leading space.
func (d *Decoder) DateTime() (time.Time, error) {
	b, err := d.quotedBytes()
	if err != nil {
		return time.Time{}, err
	}
	t, ok := parseDateTime(b)
	if !ok {
		return time.Time{}, syntaxErr("bad date-time")
	}
	return t, nil
}

func parseDateTime(b []byte) (time.Time, bool) {
	if len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	// d-Mon-yyyy hh:mm:ss +zzzz
	day, rest, ok := digits(b, 1, 2)
	if !ok || len(rest) < 1 || rest[0] != '-' {
		return time.Time{}, false
	}
	rest = rest[1:]
	if len(rest) < 4 || rest[3] != '-' {
		return time.Time{}, false
	}
	mon, ok := parseMonth(rest[:3])
	if !ok {
		return time.Time{}, false
	}
	year, rest, ok := digits(rest[4:], 4, 4)
	if !ok || len(rest) != 15 || rest[0] != ' ' || rest[3] != ':' || rest[6] != ':' || rest[9] != ' ' {
		return time.Time{}, false
	}
	hh, _, ok1 := digits(rest[1:3], 2, 2)
	mm, _, ok2 := digits(rest[4:6], 2, 2)
	ss, _, ok3 := digits(rest[7:9], 2, 2)
	zh, _, ok4 := digits(rest[11:13], 2, 2)
	zm, _, ok5 := digits(rest[13:15], 2, 2)
	sign := rest[10]
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || (sign != '+' && sign != '-') ||
		hh > 23 || mm > 59 || ss > 60 || zm > 59 || day < 1 || day > 31 {
		return time.Time{}, false
	}
	off := (zh*60 + zm) * 60
	if sign == '-' {
		off = -off
	}
	loc := time.UTC
	if off != 0 {
		loc = time.FixedZone("", off)
	}
	t := time.Date(year, mon, day, hh, mm, ss, 0, loc)
	if t.Day() != day {
		return time.Time{}, false // 31-Feb
	}
	return t, true
}

func digits(b []byte, minN, maxN int) (int, []byte, bool) {
	n, i := 0, 0
	for i < len(b) && i < maxN && isDigit(b[i]) {
		n = n*10 + int(b[i]-'0')
		i++
	}
	return n, b[i:], i >= minN
}

// Date reads a SEARCH date: date-text or DQUOTE date-text DQUOTE, where
// date-text = date-day "-" date-month "-" date-year (RFC 9051 §9). The
// result is midnight UTC of that day.
func (d *Decoder) Date() (time.Time, error) {
	var b []byte
	var err error
	if d.PeekIs('"') {
		b, err = d.quotedBytes()
	} else {
		b, err = d.readWhile1(func(c byte) bool { return c == '-' || isDigit(c) || c|0x20 >= 'a' && c|0x20 <= 'z' }, "date")
	}
	if err != nil {
		return time.Time{}, err
	}
	t, ok := parseDate(b)
	if !ok {
		return time.Time{}, syntaxErr("bad date")
	}
	return t, nil
}

func parseDate(b []byte) (time.Time, bool) {
	day, rest, ok := digits(b, 1, 2)
	if !ok || len(rest) != 9 || rest[0] != '-' || rest[4] != '-' {
		return time.Time{}, false
	}
	mon, ok := parseMonth(rest[1:4])
	if !ok {
		return time.Time{}, false
	}
	year, rest, ok := digits(rest[5:], 4, 4)
	if !ok || len(rest) != 0 || day < 1 {
		return time.Time{}, false
	}
	t := time.Date(year, mon, day, 0, 0, 0, 0, time.UTC)
	if t.Day() != day {
		return time.Time{}, false
	}
	return t, true
}

// AppendDateTime appends t as an IMAP date-time without quotes:
// "17-Jul-1996 02:44:25 -0700" (day padded with a space).
func AppendDateTime(b []byte, t time.Time) []byte {
	day := t.Day()
	if day < 10 {
		b = append(b, ' ')
	}
	b = strconv.AppendInt(b, int64(day), 10)
	b = append(b, '-')
	b = append(b, monthNames[t.Month()-1]...)
	b = append(b, '-')
	b = append4(b, t.Year())
	b = append(b, ' ')
	b = append2(b, t.Hour())
	b = append(b, ':')
	b = append2(b, t.Minute())
	b = append(b, ':')
	b = append2(b, t.Second())
	b = append(b, ' ')
	_, off := t.Zone()
	off /= 60
	if off < 0 {
		b = append(b, '-')
		off = -off
	} else {
		b = append(b, '+')
	}
	b = append2(b, off/60)
	return append2(b, off%60)
}

// AppendDate appends t as date-text "1-Feb-2024" (SEARCH dates).
func AppendDate(b []byte, t time.Time) []byte {
	b = strconv.AppendInt(b, int64(t.Day()), 10)
	b = append(b, '-')
	b = append(b, monthNames[t.Month()-1]...)
	b = append(b, '-')
	return append4(b, t.Year())
}

func append2(b []byte, n int) []byte { return append(b, byte('0'+n/10%10), byte('0'+n%10)) }

func append4(b []byte, n int) []byte {
	if n < 0 || n > 9999 {
		n = 0
	}
	return append(b, byte('0'+n/1000), byte('0'+n/100%10), byte('0'+n/10%10), byte('0'+n%10))
}

func appendInt(b []byte, n int64) []byte { return strconv.AppendInt(b, n, 10) }
