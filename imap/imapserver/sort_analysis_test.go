package imapserver

import (
	"bytes"
	"encoding/binary"
	"io"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/mailwire/mailwire/imap"
)

// withoutSortRecord returns blob as Analyze wrote it before the sort
// record existed.
func withoutSortRecord(t testing.TB, blob []byte) []byte {
	t.Helper()
	if _, ok := decodeSortRecord(blob); !ok {
		t.Fatalf("blob has no sort record")
	}
	n := binary.LittleEndian.Uint32(blob[len(blob)-8:])
	return blob[:len(blob)-8-int(n)]
}

// headerFieldsAsRead is what the fallback reads: the header block of the
// message file (readSortHeader) and its fields (fillSortFields).
func headerFieldsAsRead(t testing.TB, raw []byte) [5]string {
	t.Helper()
	m := &memMessage{memMsg{body: raw}}
	hdr, err := readSortHeader(m, nil)
	if err != nil {
		t.Fatal(err)
	}
	var sm imap.SortMessage
	fillSortFields(&sm, hdr, sortRecordFields)
	return [5]string{sm.Date, sm.Subject, sm.MessageID, sm.InReplyTo, sm.References}
}

func recordFields(r sortRecord) [5]string {
	var out [5]string
	for i := range out {
		out[i] = string(r.field(i))
	}
	return out
}

// sortRecordCases are headers whose References (and the other fields a
// THREAD needs) must read the same from the record as from the file.
func sortRecordCases() map[string]string {
	longReceived := strings.Repeat("Received: from relay.example.org by mx.example.net; Mon, 5 Jan 2026 09:00:00 +0000\r\n", 300)  // > 16 KiB
	hugeReceived := strings.Repeat("Received: from relay.example.org by mx.example.net; Mon, 5 Jan 2026 09:00:00 +0000\r\n", 3300) // > 256 KiB
	return map[string]string{
		"plain":                       "Message-ID: <3@x>\r\nIn-Reply-To: <2@x>\r\nReferences: <1@x> <2@x>\r\nSubject: Re: lunch\r\nDate: Mon, 5 Jan 2026 11:00:00 +0000\r\n\r\nbody\r\n",
		"folded with comments":        "Subject: x\r\nReferences: <1@x> (a comment\r\n <not@an.id>)\r\n\t<2@x>\r\n   <3@x>\r\nMessage-ID: <4@x>\r\n\r\nbody\r\n",
		"two References fields":       "References: <1@x>\r\nReferences: <9@x>\r\nMessage-ID: <2@x>\r\n\r\n",
		"lower-case names":            "references: <1@x>\r\nmessage-id: <2@x>\r\nin-reply-to: <1@x>\r\nsubject: re: a\r\ndate: junk\r\n\r\n",
		"LF line ends":                "References: <1@x>\n <2@x>\nMessage-ID: <3@x>\nSubject: s\n\nbody\n",
		"bare LF LF before CRLF CRLF": "Subject: a\r\nX: y\n\nReferences: <1@x>\r\n\r\nbody\r\n",
		"no body":                     "Message-ID: <1@x>\r\nReferences: <0@x>\r\n",
		"no fields":                   "\r\nbody only\r\n",
		"empty":                       "",
		"field after 16 KiB":          "Subject: long\r\n" + longReceived + "References: <1@x>\r\nMessage-ID: <2@x>\r\n\r\nbody\r\n",
		"field after 256 KiB":         "Subject: huge\r\n" + hugeReceived + "References: <1@x>\r\n\r\nbody\r\n",
		"LF header over 16 KiB":       strings.ReplaceAll("Subject: long\r\n"+longReceived+"References: <1@x>\r\n", "\r\n", "\n") + "\r\n\r\n\nbody\n",
		"whitespace before colon":     "References : <1@x>\r\nMessage-ID\t: <2@x>\r\n\r\n",
		"empty values":                "References:\r\nMessage-ID:\r\nSubject:\r\nDate:\r\n\r\n",
		"8-bit subject":               "Subject: Grüße\r\nReferences: <ü@x>\r\n\r\n",
	}
}

// The sort record holds exactly what the fallback reads from the message
// file, whatever the read sizes of the delivery were.
func TestSortRecordEqualsHeader(t *testing.T) {
	readers := map[string]func(io.Reader) io.Reader{
		"whole":    func(r io.Reader) io.Reader { return r },
		"one byte": iotest.OneByteReader,
		"half":     iotest.HalfReader,
	}
	for name, raw := range sortRecordCases() {
		want := headerFieldsAsRead(t, []byte(raw))
		for rname, wrap := range readers {
			blob, err := Analyze(wrap(strings.NewReader(raw)))
			if err != nil {
				t.Fatal(err)
			}
			r, ok := decodeSortRecord(blob)
			if !ok {
				t.Fatalf("%s/%s: no sort record", name, rname)
			}
			if got := recordFields(r); got != want {
				t.Errorf("%s/%s: record %q, header %q", name, rname, got, want)
			}
			// The structure part is unchanged: older readers decode it.
			old := withoutSortRecord(t, blob)
			ms, err := buildStructure(strings.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(old, ms.encode()) {
				t.Errorf("%s/%s: structure blob changed", name, rname)
			}
			if _, ok := decodeSortRecord(old); ok {
				t.Errorf("%s/%s: an old blob reads as having a record", name, rname)
			}
		}
	}
}

// THREAD REFERENCES and SORT answer the same, on the RFC 5256 test
// mailbox, whether the blobs carry the sort record, are of the format
// before it (the header is read from the file), or are missing.
func TestThreadSortRecordOldAndNewBlobs(t *testing.T) {
	exps := loadSortExpectations(t)
	for _, variant := range []string{"record", "old blob", "no blob"} {
		t.Run(variant, func(t *testing.T) {
			ts := startServer(t, nil)
			mb := ts.b.boxes["INBOX"]
			ts.b.mu.Lock()
			mb.add([]byte("Subject: gone\r\n\r\nx\r\n"), nil, time.Time{})
			mb.add([]byte("Subject: gone\r\n\r\nx\r\n"), nil, time.Time{})
			mb.msgs = mb.msgs[2:]
			for _, m := range loadSortMailbox(t) {
				mm := mb.add([]byte(m.raw), nil, m.internal)
				switch variant {
				case "record":
					// Spoil the file's threading fields (same size):
					// the answers prove the record was read instead.
					mm.body = bytes.Clone(mm.body)
					for _, f := range []string{"References:", "In-Reply-To:", "Message-ID:"} {
						if i := bytes.Index(mm.body, []byte(f)); i >= 0 && i < bytes.Index(mm.body, []byte("\r\n\r\n")) {
							mm.body[i] = 'X'
						}
					}
				case "old blob":
					mm.blob = withoutSortRecord(t, mm.blob)
				case "no blob":
					mm.blob = nil
				}
			}
			ts.b.mu.Unlock()
			c := ts.dial(t).login()
			c.selectBox("INBOX")
			for i, e := range exps {
				lines := c.mustOK("t" + strconv.Itoa(i) + " " + e.args)
				verb, _, _ := strings.Cut(e.args, " ")
				if got := untaggedData(t, lines, "* "+verb); got != e.want {
					t.Errorf("%s:\n got  %s\n want %s", e.args, got, e.want)
				}
			}
			out := c.mustOK("v UID THREAD REFERENCES UTF-8 2:6")
			if got := untaggedData(t, out, "* THREAD"); got != "((7)(4 5)(6)(8))" {
				t.Errorf("UID THREAD: got %s", got)
			}
		})
	}
}

// Damaged records are not records: the fallback reads the file.
func TestDecodeSortRecordDamaged(t *testing.T) {
	blob, _ := Analyze(strings.NewReader("References: <1@x>\r\n\r\n"))
	for name, b := range map[string][]byte{
		"short":        []byte("MWh1"),
		"length large": append(bytes.Clone(blob[:len(blob)-8]), 0xff, 0xff, 0xff, 0x7f, 'M', 'W', 'h', '1'),
		"length small": append(bytes.Clone(blob[:len(blob)-8]), 1, 0, 0, 0, 'M', 'W', 'h', '1'),
		"truncated":    blob[:len(blob)-1],
	} {
		if _, ok := decodeSortRecord(b); ok {
			t.Errorf("%s: decoded", name)
		}
	}
}
