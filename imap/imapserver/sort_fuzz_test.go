package imapserver

import (
	"bufio"
	"bytes"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/mailwire/mailwire/imap/internal/wire"
)

// FuzzSortRecord: for any message, the sort record Analyze stores holds
// what the fallback reads from the file, whatever the read sizes; any
// byte string given as a blob decodes to a record or to none, never a
// panic.
func FuzzSortRecord(f *testing.F) {
	for _, raw := range sortRecordCases() {
		if len(raw) < 20000 {
			f.Add([]byte(raw))
		}
	}
	f.Add([]byte("MWs1\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00MWh1"))
	f.Add([]byte("a: b\n\r\n\r\nc: d\r\n\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		decodeSortRecord(raw) // arbitrary blob: must not panic
		want := headerFieldsAsRead(t, raw)
		for _, r := range []func() []byte{
			func() []byte { b, _ := Analyze(bytes.NewReader(raw)); return b },
			func() []byte { b, _ := Analyze(iotest.OneByteReader(bytes.NewReader(raw))); return b },
		} {
			blob := r()
			rec, ok := decodeSortRecord(blob)
			if !ok {
				t.Fatalf("no record in %q", blob)
			}
			if got := recordFields(rec); got != want {
				t.Fatalf("record %q, header %q", got, want)
			}
		}
	})
}

// FuzzSortEnvelopeQuick: whenever the quick reader of Date and Subject
// accepts an encoded ENVELOPE, the wire decoder reads the same values.
func FuzzSortEnvelopeQuick(f *testing.F) {
	for _, s := range []string{
		`("Mon, 5 Jan 2026 09:00:00 +0000" "lunch" NIL NIL NIL NIL NIL NIL NIL "<1@x>")`,
		`(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)`,
		`("a \"quoted\" \\ date" {6}` + "\r\n" + `Grüß NIL)`,
		`("" "")`,
		`({0}` + "\r\n" + ` "x")`,
		`("a\\b" "c\"d")`,
		`(nil "x")`,
		`("x" NILX)`,
		`({99999999999}` + "\r\n",
		`("bad \q" "x")`,
	} {
		f.Add([]byte(s))
	}
	for _, raw := range sortRecordCases() {
		if ms, err := buildStructure(strings.NewReader(raw)); err == nil && len(raw) < 20000 {
			f.Add(ms.envelope)
		}
	}
	f.Fuzz(func(t *testing.T, env []byte) {
		date, subject, _, ok := envelopeDateSubject(env, nil)
		if !ok {
			return
		}
		d := wire.NewDecoder(bufio.NewReader(bytes.NewReader(env)), wire.Limits{MaxCommand: maxSortHeader, MaxLiteral: maxSortHeader})
		if d.Expect('(') != nil {
			t.Fatalf("quick reader accepted %q", env)
		}
		wd, _, err1 := d.NString()
		err2 := d.SP()
		ws, _, err3 := d.NString()
		if err1 != nil || err2 != nil || err3 != nil {
			t.Fatalf("quick reader accepted %q, decoder: %v %v %v", env, err1, err2, err3)
		}
		if wd != date || ws != subject {
			t.Fatalf("%q: quick %q %q, decoder %q %q", env, date, subject, wd, ws)
		}
	})
}

// The quick reader's blob framing agrees with decodeStructure's.
func TestBlobEnvelopeFraming(t *testing.T) {
	blob, _ := Analyze(strings.NewReader("Subject: x\r\nDate: y\r\n\r\nbody\r\n"))
	env, ok := blobEnvelope(blob)
	ms, err := decodeStructure(blob)
	if !ok || err != nil || !bytes.Equal(env, ms.envelope) {
		t.Fatalf("blobEnvelope %q %v, decodeStructure %q %v", env, ok, ms.envelope, err)
	}
	for i := range len(blob) {
		_, ok := blobEnvelope(blob[:i])
		_, err := decodeStructure(blob[:i])
		if ok != (err == nil) {
			t.Fatalf("prefix %d: blobEnvelope %v, decodeStructure %v", i, ok, err)
		}
	}
	date, subject, _, ok := envelopeDateSubject(env, nil)
	if !ok || date != "y" || subject != "x" {
		t.Fatalf("got %q %q %v", date, subject, ok)
	}
}
