package imap_test

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailwire/mailwire/imap"
	"github.com/mailwire/mailwire/imap/internal/wire"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/structure (review them by hand!)")

// renderStructure renders what FETCH (RFC822.SIZE ENVELOPE BODY
// BODYSTRUCTURE) would send, one item per line.
func renderStructure(s *imap.Structure) string {
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	e := wire.NewEncoder(w)
	fmt.Fprintf(w, "RFC822.SIZE %d\n", s.Size)
	w.WriteString("ENVELOPE ")
	wire.WriteEnvelope(e, s.Envelope)
	w.WriteString("\nBODY ")
	wire.WriteBodyStructure(e, s.Body, false)
	w.WriteString("\nBODYSTRUCTURE ")
	wire.WriteBodyStructure(e, s.Body, true)
	w.WriteString("\n")
	w.Flush()
	return buf.String()
}

// TestStructureGolden checks ENVELOPE, BODY and BODYSTRUCTURE of every
// message in testdata/structure against the .golden file beside it. The
// expected values follow RFC 9051 §7.5.2 (and RFC 3501 §7.4.2); they were
// checked by hand, field by field, against the messages.
func TestStructureGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/structure/*.eml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 30 {
		t.Fatalf("only %d test messages", len(files))
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".eml")
		t.Run(name, func(t *testing.T) {
			msg, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			s, err := imap.ParseStructure(bytes.NewReader(msg), nil)
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, s, msg)
			got := renderStructure(s)
			golden := strings.TrimSuffix(f, ".eml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("structure mismatch\n got: %s\nwant: %s", got, want)
			}
			// The binary cache form must give the same answers.
			blob, _ := s.MarshalBinary()
			var s2 imap.Structure
			if err := s2.UnmarshalBinary(blob); err != nil {
				t.Fatal(err)
			}
			if again := renderStructure(&s2); again != got {
				t.Errorf("binary round trip differs:\n%s\n%s", again, got)
			}
		})
	}
}

// checkInvariants verifies offsets against the message bytes.
func checkInvariants(t *testing.T, s *imap.Structure, msg []byte) {
	t.Helper()
	if s.Size != int64(len(msg)) {
		t.Errorf("Size %d, message has %d octets", s.Size, len(msg))
	}
	if s.Body.HeaderOffset != 0 || s.Body.HeaderSize+s.Body.Size != s.Size {
		t.Errorf("top level: header %d+%d, body %d, total %d", s.Body.HeaderOffset, s.Body.HeaderSize, s.Body.Size, s.Size)
	}
	var check func(b *imap.BodyStructure)
	check = func(b *imap.BodyStructure) {
		if b.HeaderOffset < 0 || b.HeaderSize < 0 || b.Size < 0 || b.BodyOffset()+b.Size > s.Size {
			t.Errorf("part %s/%s out of range: %d+%d+%d", b.Type, b.Subtype, b.HeaderOffset, b.HeaderSize, b.Size)
		}
		for _, c := range b.Children {
			if c.HeaderOffset < b.BodyOffset() || c.BodyOffset()+c.Size > b.BodyOffset()+b.Size {
				t.Errorf("child %s/%s outside its parent", c.Type, c.Subtype)
			}
			check(c)
		}
		if b.Message != nil {
			if b.Message.HeaderOffset != b.BodyOffset() || b.Message.HeaderSize+b.Message.Size != b.Size {
				t.Errorf("encapsulated message does not fill its part: %d+%d+%d vs %d+%d",
					b.Message.HeaderOffset, b.Message.HeaderSize, b.Message.Size, b.BodyOffset(), b.Size)
			}
			check(b.Message)
		}
	}
	check(s.Body)
}
