package imap_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/mailwire/mailwire/imap"
)

func loadMessage(t testing.TB, name string) ([]byte, *imap.Structure) {
	t.Helper()
	msg, err := os.ReadFile("testdata/structure/" + name + ".eml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := imap.ParseStructure(bytes.NewReader(msg), nil)
	if err != nil {
		t.Fatal(err)
	}
	return msg, s
}

func section(part []int, spec imap.PartSpecifier, fields ...string) *imap.FetchItemBodySection {
	return &imap.FetchItemBodySection{Part: part, Specifier: spec, HeaderFields: fields}
}

func TestSections(t *testing.T) {
	type tc struct {
		item *imap.FetchItemBodySection
		want string
		err  error
	}
	inner07 := "From: carol@example.net\r\nTo: alice@example.com\r\nSubject: hello\r\nDate: Tue, 2 Jan 2024 08:00:00 +0100\r\nMessage-ID: <inner@example.net>\r\n\r\nHi Alice,\r\nhow are you?"
	innermost := "From: c@example.com\r\nSubject: innermost\r\n\r\ncore\r\n"
	cases := map[string][]tc{
		"07-message-rfc822": {
			{section([]int{1}, ""), "Forwarding.", nil},
			{section([]int{1}, imap.PartSpecifierMIME), "Content-Type: text/plain\r\n\r\n", nil},
			{section([]int{2}, ""), inner07, nil},
			{section([]int{2}, imap.PartSpecifierMIME), "Content-Type: message/rfc822\r\n\r\n", nil},
			{section([]int{2}, imap.PartSpecifierHeader), inner07[:len(inner07)-23], nil},
			{section([]int{2}, imap.PartSpecifierText), "Hi Alice,\r\nhow are you?", nil},
			{section([]int{2, 1}, ""), "Hi Alice,\r\nhow are you?", nil},
			{section([]int{2}, imap.PartSpecifierHeaderFields, "subject", "MESSAGE-ID"), "Subject: hello\r\nMessage-ID: <inner@example.net>\r\n\r\n", nil},
			{section(nil, imap.PartSpecifierHeaderFields, "Subject", "From"), "From: alice@example.com\r\nSubject: Fwd: hello\r\n\r\n", nil},
			{section(nil, imap.PartSpecifierHeaderFieldsNot, "Subject", "From", "To"), "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"fwd\"\r\n\r\n", nil},
			{section(nil, imap.PartSpecifierHeaderFields, "X-Nothing"), "\r\n", nil},
			{section([]int{3}, ""), "", imap.ErrNoSuchSection},
			{section([]int{1}, imap.PartSpecifierHeader), "", imap.ErrNoSuchSection},
			{section([]int{1, 1}, ""), "", imap.ErrNoSuchSection},
		},
		"29-rfc822-in-rfc822": {
			{section([]int{1}, imap.PartSpecifierHeader), "From: b@example.com\r\nSubject: middle\r\nMIME-Version: 1.0\r\nContent-Type: message/rfc822\r\n\r\n", nil},
			{section([]int{1, 1}, ""), innermost, nil},
			{section([]int{1}, imap.PartSpecifierText), innermost, nil},
			{section([]int{1, 1}, imap.PartSpecifierText), "core\r\n", nil},
			{section([]int{1, 1, 1}, ""), "core\r\n", nil},
			{section([]int{2}, ""), "", imap.ErrNoSuchSection},
		},
		"14-bare-lf": {
			{section([]int{1}, ""), "one\ntwo", nil},
			{section([]int{2}, imap.PartSpecifierMIME), "Content-Type: text/plain\n\n", nil},
			{section(nil, imap.PartSpecifierHeaderFields, "subject"), "Subject: bare LF\n\r\n", nil},
		},
		"01-simple": {
			{section([]int{1}, ""), "Hello world.\r\nSecond line.\r\n", nil},
			{section(nil, imap.PartSpecifierText), "Hello world.\r\nSecond line.\r\n", nil},
			{&imap.FetchItemBodySection{Specifier: imap.PartSpecifierText, Partial: &imap.SectionPartial{Offset: 6, Size: 5}}, "world", nil},
			{&imap.FetchItemBodySection{Specifier: imap.PartSpecifierText, Partial: &imap.SectionPartial{Offset: 20, Size: 100}}, " line.\r\n", nil},
			{&imap.FetchItemBodySection{Specifier: imap.PartSpecifierText, Partial: &imap.SectionPartial{Offset: 1000, Size: 5}}, "", nil},
		},
		"22-folded": {
			{section(nil, imap.PartSpecifierHeaderFields, "to"), "To: bob@example.org,\r\n\tcarol@example.net,\r\n \"Dave D\" <dave@example.com>\r\n\r\n", nil},
		},
	}
	for name, tcs := range cases {
		msg, s := loadMessage(t, name)
		for _, c := range tcs {
			r, n, err := s.Section(bytes.NewReader(msg), c.item)
			if !errors.Is(err, c.err) {
				t.Errorf("%s BODY[%s]: err %v, want %v", name, c.item.SectionString(), err, c.err)
				continue
			}
			if err != nil {
				continue
			}
			got, _ := io.ReadAll(r)
			if string(got) != c.want || n != int64(len(got)) {
				t.Errorf("%s BODY[%s]: got %q (n=%d), want %q", name, c.item.SectionString(), got, n, c.want)
			}
		}
	}
}

func TestBinarySections(t *testing.T) {
	cases := []struct {
		msg  string
		part []int
		want string
		err  error
	}{
		{"05-attachment", []int{2}, "Hello World!", nil},
		{"05-attachment", []int{1}, "See attached.", nil},
		{"04-multipart-alternative", []int{1}, "Café ok\r\nline two\r\n", nil},
		{"27-uppercase-types", []int{1}, "<b>hi</b>", nil},
		{"31-unknown-encoding", []int{1}, "", imap.ErrUnknownCTE},
		{"05-attachment", []int{9}, "", imap.ErrNoSuchSection},
	}
	for _, c := range cases {
		msg, s := loadMessage(t, c.msg)
		size, err := s.BinarySize(bytes.NewReader(msg), c.part)
		if !errors.Is(err, c.err) {
			t.Errorf("%s BINARY.SIZE%v: %v, want %v", c.msg, c.part, err, c.err)
			continue
		}
		if err != nil {
			continue
		}
		r, n, err := s.BinarySection(bytes.NewReader(msg), &imap.FetchItemBinarySection{Part: c.part})
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(r)
		if string(got) != c.want || n != size || size != int64(len(c.want)) {
			t.Errorf("%s BINARY%v = %q (n=%d size=%d), want %q", c.msg, c.part, got, n, size, c.want)
		}
	}
	msg, s := loadMessage(t, "05-attachment")
	r, n, err := s.BinarySection(bytes.NewReader(msg), &imap.FetchItemBinarySection{Part: []int{2}, Partial: &imap.SectionPartial{Offset: 6, Size: 100}})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(r); string(got) != "World!" || n != 6 {
		t.Errorf("BINARY[2]<6.100> = %q, %d", got, n)
	}
}

func TestFilename(t *testing.T) {
	_, s := loadMessage(t, "11-rfc2231")
	if got := s.Body.Part([]int{1}).Filename(); got != "été.txt" {
		t.Errorf("Filename = %q", got)
	}
	if got := imap.DecodeHeader("=?ISO-8859-1?Q?Andr=E9?= Pirard"); got != "André Pirard" {
		t.Errorf("DecodeHeader = %q", got)
	}
}

func TestUnmarshalGarbage(t *testing.T) {
	_, s := loadMessage(t, "06-nested")
	blob, _ := s.MarshalBinary()
	for i := range blob {
		var s2 imap.Structure
		_ = s2.UnmarshalBinary(blob[:i]) // must not panic
	}
	var s2 imap.Structure
	if err := s2.UnmarshalBinary(append(blob, 0)); err == nil {
		t.Error("trailing byte accepted")
	}
}
