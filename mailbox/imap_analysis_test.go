package mailbox

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mailwire/mailwire/imap/imapserver"
)

// The windowed blob reads of a big Fetch return, for every message, the
// blob Store.Cached returns, across windows, expunged messages (gaps in
// the Maildir index), UIDs that never existed and a message appended
// after the mailbox was selected; for the Maildir and the memory store.
func TestIMAPFetchBlobWindows(t *testing.T) {
	defer func(n int) { blobWindowSize = n }(blobWindowSize)
	blobWindowSize = 16
	stores := map[string]func(t *testing.T) Store{
		"maildir": func(t *testing.T) Store {
			s, err := OpenMaildir(t.TempDir(), Options{Analyze: IMAPAnalyze})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
		"memory": func(t *testing.T) Store { return NewMemory(Options{Analyze: IMAPAnalyze}) },
	}
	for name, open := range stores {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := open(t)
			if err := s.CreateUser(ctx, "u", "p"); err != nil {
				t.Fatal(err)
			}
			var gone []uint32
			for i := range 80 {
				msg := fmt.Sprintf("Message-ID: <%d@x>\r\nReferences: <%d@x>\r\n <%d@x>\r\nSubject: m %d\r\n\r\n%s\r\n", i, i/2, i/3, i, strings.Repeat("b", i*37))
				uid, err := s.Append(ctx, "u", "INBOX", strings.NewReader(msg), nil, time.Time{})
				if err != nil {
					t.Fatal(err)
				}
				if i%7 == 3 || (i >= 40 && i < 60) {
					gone = append(gone, uid)
				}
			}
			if _, err := s.Expunge(ctx, "u", "INBOX", gone); err != nil {
				t.Fatal(err)
			}
			u := &imapUser{store: s, name: "u"}
			mb, err := u.Select(ctx, "INBOX", true)
			if err != nil {
				t.Fatal(err)
			}
			defer mb.Close()
			late, err := s.Append(ctx, "u", "INBOX", strings.NewReader("Subject: late\r\n\r\nx\r\n"), nil, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			var uids []uint32
			for u := uint32(1); u <= late+5; u++ {
				uids = append(uids, u)
			}
			seen := 0
			err = mb.Fetch(ctx, uids, func(m imapserver.Message) error {
				want, _ := s.Cached(ctx, "u", "INBOX", m.UID())
				if got := m.Structure(); !bytes.Equal(got, want) || len(got) == 0 {
					t.Errorf("UID %d: blob %d bytes, Cached %d bytes", m.UID(), len(got), len(want))
				}
				seen++
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if want := 80 - len(gone) + 1; seen != want {
				t.Errorf("fetched %d messages, want %d", seen, want)
			}
		})
	}
}
