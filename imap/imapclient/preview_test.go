package imapclient

import (
	"testing"

	"github.com/mailwire/mailwire/imap"
)

// PREVIEW (LAZY) on the wire (RFC 8970 §3.1) and the three answers a
// server may give to it: NIL (not available yet), "" (no text) and text.
func TestFetchPreviewLazyScript(t *testing.T) {
	fs := startScript(t, greeting+`
		C: A1 FETCH 1:3 (UID PREVIEW (LAZY))
		S: * 1 FETCH (UID 7 PREVIEW NIL)
		S: * 2 FETCH (PREVIEW "" UID 8)
		S: * 3 FETCH (UID 9 PREVIEW {5}
		S+ hello)\r\n
		S: A1 OK done
		C: A2 UID FETCH 7 (PREVIEW)
		S: * 1 FETCH (UID 7 PREVIEW "computed now")
		S: A2 OK done
	`)
	c := fs.dial(t, nil)
	msgs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 3}}, &imap.FetchOptions{UID: true, PreviewLazy: true}, nil).Wait()
	if err != nil || len(msgs) != 3 {
		t.Fatalf("FETCH: %v, %v", msgs, err)
	}
	for i, want := range []struct {
		uid     uint32
		preview string
		nil     bool
	}{{7, "", true}, {8, "", false}, {9, "hello", false}} {
		m := msgs[i]
		if m.UID != want.uid || m.Preview != want.preview || m.PreviewNil != want.nil {
			t.Errorf("message %d: UID %d preview %q nil %v; want %+v", i+1, m.UID, m.Preview, m.PreviewNil, want)
		}
	}
	// After NIL, the client asks again without LAZY.
	msgs, err = c.Fetch(imap.UIDSetNum(7), &imap.FetchOptions{Preview: true}, nil).Wait()
	if err != nil || len(msgs) != 1 || msgs[0].Preview != "computed now" || msgs[0].PreviewNil {
		t.Fatalf("FETCH PREVIEW: %+v, %v", msgs, err)
	}
	fs.wait(t)
}

// A malformed PREVIEW value fails the command, not the client.
func TestFetchPreviewBadValue(t *testing.T) {
	fs := startScript(t, greeting+`
		C: A1 FETCH 1 (PREVIEW (LAZY))
		S: * 1 FETCH (PREVIEW (x))
		S: A1 OK done
		C: A2 NOOP
		S: A2 OK fine
	`)
	c := fs.dial(t, nil)
	c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{PreviewLazy: true}, nil).Wait()
	if err := c.Noop().Wait(); err != nil {
		t.Fatalf("client unusable after a bad PREVIEW: %v", err)
	}
	fs.wait(t)
}
