package wire

import (
	"bufio"
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mailwire/mailwire/imap"
)

func encodeString(f func(e *Encoder)) string {
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	e := NewEncoder(w)
	f(e)
	w.Flush()
	return buf.String()
}

func TestReadSearch(t *testing.T) {
	cases := []struct{ in, out string }{
		{"ALL", "ALL"},
		{"1:3 UNSEEN", "1:3 UNSEEN"},
		{`FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"`, `SINCE 1-Feb-1994 FLAGGED NOT FROM Smith`},
		{`OR (SEEN DELETED) NOT (UID 5:* KEYWORD $Junk)`, `OR (SEEN DELETED) NOT (UID 5:* KEYWORD $Junk)`},
		{`ON 3-Mar-2020`, `SINCE 3-Mar-2020 BEFORE 4-Mar-2020`},
		{`NEW`, `RECENT UNSEEN`},
		{`OLD`, `OLD`},
		{`header "X-Foo" "" LARGER 100 SMALLER 2000`, `HEADER X-Foo "" LARGER 100 SMALLER 2000`},
		{`TEXT {5+}` + "\r\nhello BODY world", `BODY world TEXT hello`},
		{`MODSEQ "/flags/\\draft" all 620162338`, `MODSEQ "/flags/\\draft" all 620162338`},
		{`MODSEQ 5 YOUNGER 60 OLDER 3600`, `MODSEQ 5 OLDER 3600 YOUNGER 60`},
		{`$`, `$`},
		{`UNKEYWORD foo UNANSWERED UNDELETED UNDRAFT UNFLAGGED`, `UNKEYWORD foo UNANSWERED UNDELETED UNDRAFT UNFLAGGED`},
		{`SENTON 1-Jan-2000 SAVEDSINCE 2-Jan-2000 SAVEDATESUPPORTED`, `SENTSINCE 1-Jan-2000 SENTBEFORE 2-Jan-2000 SAVEDSINCE 2-Jan-2000 SAVEDATESUPPORTED`},
		{`CC a BCC b TO c SUBJECT "d e"`, `CC a BCC b TO c SUBJECT "d e"`},
	}
	for _, tc := range cases {
		d := newDec(tc.in+"\r\n", Limits{})
		var c imap.SearchCriteria
		if err := ReadSearchKeys(d, &c); err != nil {
			t.Errorf("ReadSearchKeys(%q): %v", tc.in, err)
			continue
		}
		if err := d.CRLF(); err != nil {
			t.Errorf("%q: trailing input: %v", tc.in, err)
		}
		got := encodeString(func(e *Encoder) { WriteSearchKeys(e, &c) })
		if got != tc.out {
			t.Errorf("%q → %q, want %q", tc.in, got, tc.out)
		}
		// Round trip.
		d = newDec(got+"\r\n", Limits{})
		var c2 imap.SearchCriteria
		if err := ReadSearchKeys(d, &c2); err != nil {
			t.Errorf("reparse %q: %v", got, err)
		}
		if again := encodeString(func(e *Encoder) { WriteSearchKeys(e, &c2) }); again != got {
			t.Errorf("round trip %q → %q", got, again)
		}
	}
}

func TestReadSearchCommand(t *testing.T) {
	d := newDec("RETURN (MIN COUNT SAVE) CHARSET utf-8 TEXT x\r\n", Limits{})
	cmd, err := ReadSearch(d)
	must(t, err)
	if !cmd.Options.Return || !cmd.Options.ReturnMin || !cmd.Options.ReturnCount || !cmd.Options.ReturnSave || cmd.Options.ReturnMax || cmd.Charset != "UTF-8" || cmd.Criteria.Text[0] != "x" {
		t.Fatalf("%+v", cmd)
	}
	d = newDec("RETURN () 1\r\n", Limits{})
	cmd, err = ReadSearch(d)
	must(t, err)
	if !cmd.Options.Return || cmd.Criteria.SeqNum[0].String() != "1" {
		t.Fatalf("%+v", cmd)
	}
}

func TestReadSearchErrors(t *testing.T) {
	for _, in := range []string{"", "FOO", "SINCE 1-Foo-2000", "OR SEEN", "NOT", "(SEEN", "UID x", "LARGER -1", "KEYWORD (", "HEADER a", "MODSEQ \"x\" bogus 1", "SEEN  SEEN"} {
		d := newDec(in+"\r\n", Limits{})
		var c imap.SearchCriteria
		err := ReadSearchKeys(d, &c)
		if err == nil {
			err = d.CRLF()
		}
		if err == nil {
			t.Errorf("%q accepted", in)
		} else if !IsProtocolError(err) {
			t.Errorf("%q: %v is not a protocol error", in, err)
		}
	}
	// NOT NOT NOT ... is bounded without lists.
	d := newDec(strings.Repeat("NOT ", 1000)+"SEEN\r\n", Limits{})
	var c imap.SearchCriteria
	if err := ReadSearchKeys(d, &c); !errors.Is(err, ErrTooDeep) {
		t.Errorf("deep NOT: %v", err)
	}
	_ = time.Now
}

func BenchmarkReadSearch(b *testing.B) {
	in := "RETURN (ALL) CHARSET UTF-8 OR (FROM alice SINCE 1-Feb-2020) (TEXT \"hello world\" UNSEEN) UID 1:1000 NOT DELETED\r\n"
	r := strings.NewReader(in)
	br := bufio.NewReader(r)
	d := NewDecoder(br, Limits{})
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(in)
		br.Reset(r)
		d.BeginCommand()
		if _, err := ReadSearch(d); err != nil {
			b.Fatal(err)
		}
	}
}
