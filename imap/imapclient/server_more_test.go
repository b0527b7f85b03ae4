package imapclient_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/mailwire/mailwire/imap"
	"github.com/mailwire/mailwire/imap/imapclient"
)

func TestAuthenticateAgainstServer(t *testing.T) {
	addr := startServer(t)
	for _, mech := range []imapclient.SASLClient{
		imapclient.SASLPlain("", "alice", "secret"),
		imapclient.SASLScramSHA256("", "alice", "secret"),
		imapclient.SASLLogin("alice", "secret"),
	} {
		c, err := imapclient.Dial(t.Context(), addr, nil)
		if err != nil {
			t.Fatal(err)
		}
		name, _, _ := mech.Start()
		if err := c.Authenticate(mech); err != nil {
			t.Errorf("%s: %v", name, err)
		} else if c.State() != imapclient.StateAuthenticated {
			t.Errorf("%s: state %v", name, c.State())
		}
		c.Close()
	}
	c, err := imapclient.Dial(t.Context(), addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var ie *imap.Error
	if err := c.Authenticate(imapclient.SASLScramSHA256("", "alice", "wrong")); !errors.As(err, &ie) || ie.Type != imap.StatusNO {
		t.Errorf("wrong SCRAM password: %v", err)
	}
}

func TestMailboxCommandsAgainstServer(t *testing.T) {
	addr := startServer(t)
	c := login(t, addr, nil)

	ns, err := c.Namespace().Wait()
	if err != nil || len(ns.Personal) != 1 || ns.Personal[0].Delim != '/' {
		t.Errorf("NAMESPACE %+v %v", ns, err)
	}
	if id, err := c.ID(map[string]string{"name": "imapclient-test"}).Wait(); err != nil {
		t.Errorf("ID %v %v", id, err)
	}
	for _, name := range []string{"Projects", "Projects/2026", "Entwürfe"} {
		if err := c.Create(name).Wait(); err != nil {
			t.Fatalf("CREATE %s: %v", name, err)
		}
	}
	if err := c.Subscribe("Projects").Wait(); err != nil {
		t.Fatal(err)
	}
	subs, err := c.Lsub("", "*").Wait()
	if err != nil || !slices.ContainsFunc(subs, func(l *imap.ListData) bool { return l.Mailbox == "Projects" }) {
		t.Errorf("LSUB %v %v", subs, err)
	}
	lists, err := c.List("", "*", &imap.ListOptions{ReturnChildren: true, ReturnSubscribed: true, ReturnSpecialUse: true,
		ReturnStatus: &imap.StatusOptions{NumMessages: true}}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*imap.ListData{}
	for _, l := range lists {
		byName[l.Mailbox] = l
	}
	if p := byName["Projects"]; p == nil || !p.HasAttr(imap.MailboxAttrHasChildren) || !p.HasAttr(imap.MailboxAttrSubscribed) {
		t.Errorf("Projects: %+v", p)
	}
	if e := byName["Entwürfe"]; e == nil || e.Status == nil || *e.Status.NumMessages != 0 {
		t.Errorf("Entwürfe (modified UTF-7 round trip, LIST-STATUS): %+v", e)
	}
	if err := c.Rename("Entwürfe", "Drafts-old").Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete("Drafts-old").Wait(); err != nil {
		t.Fatal(err)
	}
	var ie *imap.Error
	if err := c.Delete("Drafts-old").Wait(); !errors.As(err, &ie) || ie.Type != imap.StatusNO {
		t.Errorf("DELETE of a missing mailbox: %v", err)
	}
	if err := c.Unsubscribe("Projects").Wait(); err != nil {
		t.Fatal(err)
	}

	// Messages: ESEARCH, UID EXPUNGE, EXAMINE, UNSELECT, CLOSE.
	for i, subj := range []string{"alpha", "beta", "gamma", "delta"} {
		msg := "From: x@y\r\nSubject: " + subj + "\r\n\r\nbody " + subj + "\r\n"
		if _, err := c.Append("Projects", int64(len(msg)), strings.NewReader(msg), nil).Wait(); err != nil {
			t.Fatalf("APPEND %d: %v", i, err)
		}
	}
	st, err := c.Status("Projects", &imap.StatusOptions{NumMessages: true, UIDNext: true, UIDValidity: true, Size: true}).Wait()
	if err != nil || *st.NumMessages != 4 || st.UIDNext != 5 || st.Size == nil || *st.Size == 0 {
		t.Errorf("STATUS %+v %v", st, err)
	}
	ex, err := c.Select("Projects", &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil || !ex.ReadOnly || ex.NumMessages != 4 {
		t.Fatalf("EXAMINE %+v %v", ex, err)
	}
	if err := c.Unselect().Wait(); err != nil || c.State() != imapclient.StateAuthenticated {
		t.Fatalf("UNSELECT %v, state %v", err, c.State())
	}
	if _, err := c.Select("Projects", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	res, err := c.Search(true, &imap.SearchCriteria{Or: [][2]imap.SearchCriteria{{{Body: []string{"beta"}}, {Body: []string{"delta"}}}}},
		&imap.SearchOptions{ReturnMin: true, ReturnMax: true, ReturnCount: true, ReturnAll: true}).Wait()
	if err != nil || res.Min != 2 || res.Max != 4 || res.Count == nil || *res.Count != 2 || res.All.String() != "2,4" {
		t.Fatalf("ESEARCH %+v %v", res, err)
	}
	if _, err := c.Store(imap.UIDSetNum(2, 3), &imapclient.StoreFlags{Op: imapclient.StoreAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}).Wait(); err != nil {
		t.Fatal(err)
	}
	seqs, _, err := c.UIDExpunge(imap.UIDSetNum(2)).Wait()
	if err != nil || !slices.Equal(seqs, []uint32{2}) {
		t.Fatalf("UID EXPUNGE %v %v", seqs, err)
	}
	if err := c.CloseMailbox().Wait(); err != nil || c.State() != imapclient.StateAuthenticated {
		t.Fatalf("CLOSE %v", err)
	}
	st, err = c.Status("Projects", &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil || *st.NumMessages != 2 {
		t.Errorf("after CLOSE: %+v %v", st, err)
	}
}

// Many goroutines share one client: commands interleave on the wire and
// every one gets its own result.
func TestConcurrentCommandsAgainstServer(t *testing.T) {
	addr := startServer(t)
	c := login(t, addr, nil)
	for i := 0; i < 5; i++ {
		msg := "From: x@y\r\nSubject: m" + string(rune('0'+i)) + "\r\n\r\nbody\r\n"
		if _, err := c.Append("INBOX", int64(len(msg)), strings.NewReader(msg), nil).Wait(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 100)
	for g := 0; g < 10; g++ {
		go func() {
			for i := 0; i < 10; i++ {
				var err error
				switch i % 3 {
				case 0:
					var st *imap.StatusData
					st, err = c.Status("INBOX", &imap.StatusOptions{NumMessages: true}).Wait()
					if err == nil && *st.NumMessages != 5 {
						err = errors.New("wrong STATUS")
					}
				case 1:
					var msgs []*imapclient.FetchMessage
					msgs, err = c.Fetch(imap.SeqSetNum(uint32(g%5+1)), &imap.FetchOptions{UID: true, Envelope: true}, nil).Wait()
					if err == nil && (len(msgs) != 1 || msgs[0].Envelope.Subject != "m"+string(rune('0'+g%5))) {
						err = errors.New("FETCH got another command's data")
					}
				case 2:
					err = c.Noop().Wait()
				}
				errs <- err
			}
		}()
	}
	for i := 0; i < 100; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
