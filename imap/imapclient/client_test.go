package imapclient

import (
	"errors"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailwire/mailwire/imap"
)

const greeting = `S: * OK [CAPABILITY IMAP4rev1 IMAP4rev2 LITERAL+ SASL-IR AUTH=PLAIN IDLE] ready`

func TestLoginSelectFetchLogout(t *testing.T) {
	fs := startScript(t, greeting+`
		C: A1 LOGIN alice "pass word"
		S: A1 OK [CAPABILITY IMAP4rev2 IDLE MOVE] logged in
		C: A2 SELECT INBOX
		S: * 172 EXISTS
		S: * OK [UIDVALIDITY 3857529045] UIDs valid
		S: * OK [UIDNEXT 4392] Predicted next UID
		S: * FLAGS (\Answered \Flagged \Deleted \Seen \Draft)
		S: * OK [PERMANENTFLAGS (\Deleted \Seen \*)] Limited
		S: * LIST () "/" INBOX
		S: A2 OK [READ-WRITE] SELECT completed
		C: A3 FETCH 1:2 (UID FLAGS ENVELOPE BODYSTRUCTURE BODY.PEEK[HEADER.FIELDS (Subject)])
		S: * 1 FETCH (UID 10 FLAGS (\Seen) ENVELOPE ("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" "IMAP4rev1 WG mtg summary and minutes" (("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) (("Terry Gray" NIL "gray" "cac.washington.edu")) ((NIL NIL "imap" "cac.washington.edu")) NIL NIL NIL "<B27397-0100000@cac.washington.edu>") BODYSTRUCTURE ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3028 92 NIL NIL NIL NIL) BODY[HEADER.FIELDS (SUBJECT)] {15}
		S+ Subject: hi\r\n\r\n)\r\n
		S: * 2 FETCH (UID 11 FLAGS () BODY[HEADER.FIELDS (SUBJECT)] NIL ENVELOPE (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) BODYSTRUCTURE (("TEXT" "PLAIN" NIL NIL NIL "7BIT" 1 1)("TEXT" "HTML" NIL NIL NIL "7BIT" 1 1) "ALTERNATIVE"))
		S: A3 OK FETCH done
		C: A4 LOGOUT
		S: * BYE bye
		S: A4 OK LOGOUT completed
	`)
	c := fs.dial(t, nil)
	if !c.HasCap("SASL-IR") || c.Greeting().Type != imap.StatusOK {
		t.Fatalf("greeting capabilities not read: %v", c.Caps())
	}
	if err := c.Login("alice", "pass word").Wait(); err != nil {
		t.Fatal(err)
	}
	if !c.HasCap("MOVE") || c.HasCap("SASL-IR") || c.State() != StateAuthenticated {
		t.Fatalf("capabilities after login: %v, state %v", c.Caps(), c.State())
	}
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if sel.NumMessages != 172 || sel.UIDValidity != 3857529045 || sel.UIDNext != 4392 || len(sel.Flags) != 5 ||
		!slices.Equal(sel.PermanentFlags, []imap.Flag{imap.FlagDeleted, imap.FlagSeen, imap.FlagWildcard}) || sel.ReadOnly || sel.List == nil {
		t.Fatalf("select data %+v", sel)
	}
	if mb := c.Mailbox(); mb == nil || mb.NumMessages != 172 || c.State() != StateSelected {
		t.Fatalf("mailbox state %+v", mb)
	}
	hdr := &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeaderFields, HeaderFields: []string{"Subject"}, Peek: true}
	msgs, err := c.Fetch(imap.SeqSetNum(1, 2), &imap.FetchOptions{UID: true, Flags: true, Envelope: true,
		BodyStructure: &imap.FetchItemBodyStructure{Extended: true}, BodySection: []*imap.FetchItemBodySection{hdr}}, nil).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 {
		t.Fatalf("%d messages", len(msgs))
	}
	m := msgs[0]
	if m.SeqNum != 1 || m.UID != 10 || m.Flags[0] != imap.FlagSeen || m.Envelope.Subject != "IMAP4rev1 WG mtg summary and minutes" ||
		m.Envelope.From[0].Name != "Terry Gray" || m.BodyStructure.Lines != 92 || string(m.Body(hdr)) != "Subject: hi\r\n\r\n" {
		t.Errorf("message 1: %+v body %q", m, m.Body(hdr))
	}
	m = msgs[1]
	if !m.HasFlags || len(m.Flags) != 0 || len(m.BodyStructure.Children) != 2 || m.BodySections[0].Nil != true {
		t.Errorf("message 2: %+v", m)
	}
	if err := c.Logout().Wait(); err != nil {
		t.Fatal(err)
	}
	fs.wait(t)
}

func TestErrorResponseCode(t *testing.T) {
	fs := startScript(t, greeting+`
		C: A1 CREATE "a b"
		S: A1 NO [ALREADYEXISTS] Mailbox exists
		C: A2 COPY 1:* Archive
		S: A2 NO [TRYCREATE] No such mailbox
		C: A3 NOOP
		S: A3 BAD [CLIENTBUG] what
	`)
	c := fs.dial(t, nil)
	var ie *imap.Error
	err := c.Create("a b").Wait()
	if !errors.As(err, &ie) || ie.Type != imap.StatusNO || ie.Code != imap.CodeAlreadyExists || ie.Text != "Mailbox exists" {
		t.Fatalf("err = %#v", err)
	}
	_, err = c.Copy(imap.SeqSet{{Start: 1, Stop: 0}}, "Archive").Wait()
	if !errors.As(err, &ie) || ie.Code != imap.CodeTryCreate {
		t.Fatalf("err = %v", err)
	}
	err = c.Noop().Wait()
	if !errors.As(err, &ie) || ie.Type != imap.StatusBAD || ie.Code != imap.CodeClientBug {
		t.Fatalf("err = %v", err)
	}
	fs.wait(t)
}

// Pipelining: three commands written before any reply; the server answers
// out of order and each command gets its own result.
func TestPipelining(t *testing.T) {
	fs := startScript(t, greeting+`
		C: A1 STATUS INBOX (MESSAGES UNSEEN)
		C: A2 UID SEARCH UNSEEN
		C: A3 NOOP
		S: * SEARCH 4 9 12
		S: A2 OK done
		S: * STATUS INBOX (MESSAGES 20 UNSEEN 3)
		S: A3 OK done
		S: A1 OK done
	`)
	c := fs.dial(t, nil)
	st := c.Status("INBOX", &imap.StatusOptions{NumMessages: true, NumUnseen: true})
	se := c.Search(true, &imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}, nil)
	no := c.Noop()
	if err := no.Wait(); err != nil {
		t.Fatal(err)
	}
	sd, err := st.Wait()
	if err != nil || *sd.NumMessages != 20 || *sd.NumUnseen != 3 {
		t.Fatalf("status %+v %v", sd, err)
	}
	res, err := se.Wait()
	if err != nil || !res.UID || !slices.Equal(res.AllNums(), []uint32{4, 9, 12}) {
		t.Fatalf("search %+v %v", res, err)
	}
	if _, ok := res.All.(imap.UIDSet); !ok {
		t.Errorf("UID SEARCH result is %T", res.All)
	}
	fs.wait(t)
}

func TestAppendSynchronizing(t *testing.T) {
	fs := startScript(t, `
		S: * OK ready
		C: A1 APPEND Drafts (\Draft) " 7-Feb-1994 21:52:25 -0800" {11}
		S: + Ready for literal data
		C: hello world
		S: A1 OK [APPENDUID 38505 3955] APPEND completed
		C: A2 APPEND INBOX {5}
		S: A2 NO [TOOBIG] too big
		C: A3 NOOP
		S: A3 OK
	`)
	c := fs.dial(t, nil)
	date := time.Date(1994, 2, 7, 21, 52, 25, 0, time.FixedZone("", -8*3600))
	uid, err := c.Append("Drafts", 11, strings.NewReader("hello world"), &AppendOptions{Flags: []imap.Flag{imap.FlagDraft}, Time: date}).Wait()
	if err != nil || uid == nil || uid.UIDValidity != 38505 || uid.UID != 3955 {
		t.Fatalf("append: %+v %v", uid, err)
	}
	// A refused literal: the body is never sent and the connection stays usable.
	body := &countingReader{r: strings.NewReader("abcde")}
	_, err = c.Append("INBOX", 5, body, nil).Wait()
	var ie *imap.Error
	if !errors.As(err, &ie) || ie.Code != imap.CodeTooBig || body.n != 0 {
		t.Fatalf("refused append: %v, %d octets read", err, body.n)
	}
	if err := c.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
	fs.wait(t)
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestAppendLiteralPlus(t *testing.T) {
	fs := startScript(t, greeting+`
		C: A1 APPEND INBOX ~{3+}
		C: abc
		S: A1 OK done
	`)
	_ = fs
	fs2 := startScript(t, greeting+`
		C: A1 APPEND INBOX {3+}
		C: abc
		S: A1 OK done
	`)
	c := fs2.dial(t, nil)
	if _, err := c.Append("INBOX", 3, strings.NewReader("abc"), nil).Wait(); err != nil {
		t.Fatal(err)
	}
	fs2.wait(t)
}

func TestUnilateralResponses(t *testing.T) {
	fs := startScript(t, greeting+`
		C: A1 SELECT INBOX
		S: * 3 EXISTS
		S: A1 OK [READ-ONLY] done
		C: A2 NOOP
		S: * 4 EXISTS
		S: * 2 EXPUNGE
		S: * 1 FETCH (FLAGS (\Seen \Flagged))
		S: * OK [ALERT] disk almost full
		S: * VANISHED 5:6
		S: A2 OK done
	`)
	var mu sync.Mutex
	var events []string
	h := &UnilateralHandler{
		Exists:  func(n uint32) { mu.Lock(); events = append(events, "exists "+itoa64(uint64(n))); mu.Unlock() },
		Expunge: func(n uint32) { mu.Lock(); events = append(events, "expunge "+itoa64(uint64(n))); mu.Unlock() },
		Fetch:   func(m *FetchMessage) { mu.Lock(); events = append(events, "fetch "+string(m.Flags[1])); mu.Unlock() },
		Status:  func(s *StatusResponse) { mu.Lock(); events = append(events, "alert "+s.Text); mu.Unlock() },
		Vanished: func(u imap.UIDSet, earlier bool) {
			mu.Lock()
			events = append(events, "vanished "+u.String())
			mu.Unlock()
		},
	}
	c := fs.dial(t, &Options{Handler: h})
	sel, err := c.Select("INBOX", nil).Wait()
	if err != nil || !sel.ReadOnly || sel.NumMessages != 3 {
		t.Fatalf("%+v %v", sel, err)
	}
	if err := c.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"exists 4", "expunge 2", `fetch \Flagged`, "alert disk almost full", "vanished 5:6"}
	if !slices.Equal(events, want) {
		t.Errorf("events %q, want %q", events, want)
	}
	if n := c.Mailbox().NumMessages; n != 1 {
		t.Errorf("NumMessages = %d, want 4-1-2 = 1", n)
	}
}

func TestIdle(t *testing.T) {
	fs := startScript(t, greeting+`
		C: A1 IDLE
		S: + idling
		S: * 5 EXISTS
		C: DONE
		S: A1 OK IDLE terminated
		C: A2 NOOP
		S: A2 OK
	`)
	exists := make(chan uint32, 1)
	c := fs.dial(t, &Options{Handler: &UnilateralHandler{Exists: func(n uint32) { exists <- n }}})
	idle, err := c.Idle()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Noop().Wait(); !errors.Is(err, ErrIdling) {
		t.Errorf("command during IDLE: %v", err)
	}
	if n := <-exists; n != 5 {
		t.Fatalf("EXISTS %d", n)
	}
	if err := idle.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
	fs.wait(t)
}

func TestAuthenticate(t *testing.T) {
	// With SASL-IR the initial response goes with the command.
	fs := startScript(t, greeting+`
		C: A1 AUTHENTICATE PLAIN AGFsaWNlAHNlY3JldA==
		S: A1 OK [CAPABILITY IMAP4rev2] welcome
	`)
	c := fs.dial(t, nil)
	if err := c.Authenticate(SASLPlain("", "alice", "secret")); err != nil {
		t.Fatal(err)
	}
	if c.State() != StateAuthenticated || !c.HasCap("IMAP4rev2") {
		t.Fatalf("state %v caps %v", c.State(), c.Caps())
	}
	fs.wait(t)

	// Without SASL-IR it answers the first empty challenge; a failure is an *imap.Error.
	fs = startScript(t, `
		S: * OK ready
		C: A1 AUTHENTICATE PLAIN
		S: +
		C: AGFsaWNlAHdyb25n
		S: A1 NO [AUTHENTICATIONFAILED] Invalid credentials
	`)
	c = fs.dial(t, nil)
	err := c.Authenticate(SASLPlain("", "alice", "wrong"))
	var ie *imap.Error
	if !errors.As(err, &ie) || ie.Code != imap.CodeAuthenticationFailed {
		t.Fatalf("err = %v", err)
	}
	fs.wait(t)
}

func TestFetchBodyHandlerStreams(t *testing.T) {
	fs := startScript(t, greeting+`
		C: A1 UID FETCH 7 (UID BODY.PEEK[])
		S: * 1 FETCH (UID 7 BODY[] {12}
		S+ Hello World!)\r\n
		S: A1 OK done
	`)
	c := fs.dial(t, nil)
	var got string
	msgs, err := c.Fetch(imap.UIDSetNum(7), &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}},
		&FetchOptions{BodyHandler: func(m *FetchMessage, name string, size int64, r io.Reader) error {
			b, err := io.ReadAll(r)
			got = name + ":" + string(b)
			return err
		}}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if got != "BODY[]:Hello World!" || msgs[0].UID != 7 || msgs[0].BodySections[0].Data != nil {
		t.Fatalf("got %q, %+v", got, msgs[0])
	}
	fs.wait(t)
}

func TestByeFailsPendingCommands(t *testing.T) {
	fs := startScript(t, greeting+`
		C: A1 NOOP
		S: * BYE shutting down
		CLOSE
	`)
	c := fs.dial(t, nil)
	err := c.Noop().Wait()
	if err == nil {
		t.Fatal("command succeeded after BYE")
	}
	<-c.Closed()
	if err := c.Noop().Wait(); err == nil {
		t.Fatal("command on closed client succeeded")
	}
}

func TestCommandTimeout(t *testing.T) {
	fs := startScript(t, greeting+`
		C: A1 NOOP
	`)
	c := fs.dial(t, &Options{CommandTimeout: 100 * time.Millisecond})
	if err := c.Noop().Wait(); !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v", err)
	}
	fs.wait(t)
}

func TestListStatusNamespaceIDEnable(t *testing.T) {
	fs := startScript(t, greeting+`
		C: A1 LIST (SPECIAL-USE) "" * RETURN (CHILDREN STATUS (MESSAGES))
		S: * LIST (\HasNoChildren \Sent) "/" Sent
		S: * STATUS Sent (MESSAGES 4)
		S: * LIST (\HasChildren) "/" "Entw&APw-rfe" ("CHILDINFO" ("SUBSCRIBED"))
		S: * LIST (\Noselect) NIL "flat" ("OLDNAME" ("old"))
		S: A1 OK done
		C: A2 NAMESPACE
		S: * NAMESPACE (("" "/")) NIL (("Shared/" "/" "X-EXT" ("a")))
		S: A2 OK
		C: A3 ID ("name" "mailwire")
		S: * ID ("name" "Dovecot" "version" NIL)
		S: A3 OK
		C: A4 ENABLE CONDSTORE UTF8=ACCEPT
		S: * ENABLED CONDSTORE
		S: A4 OK
		C: A5 STATUS Sent (UIDNEXT UIDVALIDITY DELETED SIZE HIGHESTMODSEQ)
		S: * STATUS "Sent" (UIDNEXT 5 UIDVALIDITY 9 SIZE 12345678901 HIGHESTMODSEQ 77 DELETED 0)
		S: A5 OK
	`)
	c := fs.dial(t, nil)
	lists, err := c.List("", "*", &imap.ListOptions{SelectSpecialUse: true, ReturnChildren: true, ReturnStatus: &imap.StatusOptions{NumMessages: true}}).Wait()
	if err != nil || len(lists) != 3 {
		t.Fatalf("%v %v", lists, err)
	}
	if !lists[0].HasAttr(imap.MailboxAttrSent) || lists[0].Status == nil || *lists[0].Status.NumMessages != 4 || lists[0].Delim != '/' {
		t.Errorf("list 0: %+v", lists[0])
	}
	if lists[1].Mailbox != "Entwürfe" || lists[1].ChildInfo == nil || !lists[1].ChildInfo.Subscribed {
		t.Errorf("list 1: %+v", lists[1])
	}
	if lists[2].Delim != 0 || lists[2].OldName != "old" {
		t.Errorf("list 2: %+v", lists[2])
	}
	ns, err := c.Namespace().Wait()
	if err != nil || len(ns.Personal) != 1 || ns.Personal[0].Delim != '/' || ns.Other != nil || ns.Shared[0].Prefix != "Shared/" {
		t.Fatalf("namespace %+v %v", ns, err)
	}
	id, err := c.ID(map[string]string{"name": "mailwire"}).Wait()
	if err != nil || id["name"] != "Dovecot" || id["version"] != "" {
		t.Fatalf("id %v %v", id, err)
	}
	en, err := c.Enable("CONDSTORE", "UTF8=ACCEPT").Wait()
	if err != nil || !slices.Equal(en, []string{"CONDSTORE"}) {
		t.Fatalf("enable %v %v", en, err)
	}
	st, err := c.Status("Sent", &imap.StatusOptions{UIDNext: true, UIDValidity: true, Size: true, HighestModSeq: true, NumDeleted: true}).Wait()
	if err != nil || st.UIDNext != 5 || st.UIDValidity != 9 || *st.Size != 12345678901 || st.HighestModSeq != 77 || *st.NumDeleted != 0 {
		t.Fatalf("status %+v %v", st, err)
	}
	fs.wait(t)
}

func TestESearchStoreCopyMoveExpunge(t *testing.T) {
	fs := startScript(t, greeting+`
		C: A1 UID SEARCH RETURN (MIN MAX ALL COUNT) CHARSET UTF-8 SINCE 1-Feb-2024 SUBJECT "Grüße"
		S: * ESEARCH (TAG "A1") UID MIN 4 MAX 90 COUNT 3 ALL 4,10,90
		S: A1 OK
		C: A2 STORE 1:3 +FLAGS.SILENT (\Deleted)
		S: A2 OK
		C: A3 UID STORE 5 (UNCHANGEDSINCE 12) FLAGS (\Seen)
		S: * 2 FETCH (UID 5 FLAGS (\Seen) MODSEQ (13))
		S: A3 OK
		C: A4 UID COPY 1:3 Archive
		S: A4 OK [COPYUID 38505 1:3 100:102] done
		C: A5 UID MOVE 4 Trash
		S: * OK [COPYUID 38505 4 103] moved
		S: * 1 EXPUNGE
		S: A5 OK done
		C: A6 EXPUNGE
		S: * 3 EXPUNGE
		S: * 3 EXPUNGE
		S: A6 OK
	`)
	c := fs.dial(t, nil)
	res, err := c.Search(true, &imap.SearchCriteria{Header: []imap.SearchHeaderField{{Key: "Subject", Value: "Grüße"}},
		Since: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC)}, &imap.SearchOptions{ReturnMin: true, ReturnMax: true, ReturnCount: true, ReturnAll: true}).Wait()
	if err != nil || res.Min != 4 || res.Max != 90 || *res.Count != 3 || res.All.String() != "4,10,90" || !res.UID {
		t.Fatalf("esearch %+v %v", res, err)
	}
	if _, err := c.Store(imap.SeqSet{{Start: 1, Stop: 3}}, &StoreFlags{Op: StoreAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}).Wait(); err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Store(imap.UIDSetNum(5), &StoreFlags{Flags: []imap.Flag{imap.FlagSeen}, UnchangedSince: 12}).Wait()
	if err != nil || len(msgs) != 1 || msgs[0].ModSeq != 13 {
		t.Fatalf("store %+v %v", msgs, err)
	}
	cu, err := c.Copy(imap.UIDSet{{Start: 1, Stop: 3}}, "Archive").Wait()
	if err != nil || cu.UIDValidity != 38505 || cu.Dest.String() != "100:102" {
		t.Fatalf("copy %+v %v", cu, err)
	}
	cu, err = c.Move(imap.UIDSetNum(4), "Trash").Wait()
	if err != nil || cu == nil || cu.Dest.String() != "103" {
		t.Fatalf("move %+v %v", cu, err)
	}
	seqs, _, err := c.Expunge().Wait()
	if err != nil || !slices.Equal(seqs, []uint32{3, 3}) {
		t.Fatalf("expunge %v %v", seqs, err)
	}
	fs.wait(t)
}

// A server that answers a synchronizing literal with "+" and then sends
// more data: the client must not confuse a late "+" with a new one.
func TestGreetingBye(t *testing.T) {
	fs := startScript(t, `S: * BYE [UNAVAILABLE] overloaded`)
	_, err := Dial(t.Context(), fs.ln.Addr().String(), nil)
	var ie *imap.Error
	if !errors.As(err, &ie) || ie.Type != imap.StatusBYE || ie.Code != imap.CodeUnavailable {
		t.Fatalf("err = %v", err)
	}
}

func TestMalformedResponseIsSkipped(t *testing.T) {
	fs := startScript(t, greeting+`
		C: A1 NOOP
		S: * 1 FETCH (UID x)
		S: * STATUS (((
		S: A1 OK fine
	`)
	c := fs.dial(t, nil)
	if err := c.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
	fs.wait(t)
}
