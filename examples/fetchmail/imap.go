package main

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/mailwire/mailwire/imap"
	"github.com/mailwire/mailwire/imap/imapclient"
)

// fetchIMAP downloads over IMAP: UID SEARCH for the messages not yet
// fetched, then one pipelined UID FETCH BODY.PEEK[] whose bodies stream
// straight into the Maildir. Without -keep the saved messages are flagged
// \Deleted and removed with UID EXPUNGE (RFC 4315) — only those, never
// messages another client marked.
func fetchIMAP(ctx context.Context, o *options, md *maildir, st *state, p *progress) (int, error) {
	opts := &imapclient.Options{TLSConfig: o.tlsConfig}
	var c *imapclient.Client
	var err error
	if o.tlsMode == "implicit" {
		c, err = imapclient.DialTLS(ctx, o.server, opts)
	} else {
		c, err = imapclient.Dial(ctx, o.server, opts)
	}
	if err != nil {
		return 0, err
	}
	defer c.Close()
	if o.tlsMode == "starttls" {
		if err := c.StartTLS(o.tlsConfig); err != nil {
			return 0, fmt.Errorf("STARTTLS: %w", err)
		}
	}
	if err := c.Login(o.user, o.password).Wait(); err != nil {
		return 0, fmt.Errorf("login: %w", err)
	}
	sel, err := c.Select(o.mailbox, &imap.SelectOptions{ReadOnly: o.keep}).Wait()
	if err != nil {
		return 0, fmt.Errorf("select %s: %w", o.mailbox, err)
	}
	ms := st.IMAP[o.mailbox]
	if ms == nil || ms.UIDValidity != sel.UIDValidity {
		// New mailbox, or UIDVALIDITY changed: old UIDs mean nothing now
		// (RFC 9051 §2.3.1.1).
		ms = &imapState{UIDValidity: sel.UIDValidity}
		st.IMAP[o.mailbox] = ms
	}
	var uids []uint32
	onServer := map[uint32]bool{}
	if sel.NumMessages > 0 {
		res, err := c.Search(true, &imap.SearchCriteria{}, nil).Wait()
		if err != nil {
			return 0, err
		}
		have := map[uint32]bool{}
		for _, u := range ms.UIDs {
			have[u] = true
		}
		for _, uid := range res.AllNums() {
			onServer[uid] = true
			if !have[uid] {
				uids = append(uids, uid)
			}
		}
	}
	// Forget UIDs that are gone from the server.
	ms.UIDs = slices.DeleteFunc(ms.UIDs, func(u uint32) bool { return !onServer[u] })
	p.total = len(uids)
	if len(uids) == 0 {
		return 0, c.Logout().Wait()
	}

	var saved []uint32
	var saveErr error
	_, err = c.Fetch(imap.UIDSetNum(uids...), &imap.FetchOptions{
		UID:         true,
		BodySection: []*imap.FetchItemBodySection{{Peek: true}},
	}, &imapclient.FetchOptions{BodyHandler: func(m *imapclient.FetchMessage, _ string, _ int64, r io.Reader) error {
		n, err := md.deliver(r)
		if err != nil {
			if saveErr == nil {
				saveErr = err
			}
			return err
		}
		p.add(n)
		saved = append(saved, m.UID)
		return nil
	}}).Wait()
	if err == nil {
		err = saveErr
	}
	if o.keep {
		ms.UIDs = append(ms.UIDs, saved...)
		slices.Sort(ms.UIDs)
	} else if len(saved) > 0 {
		set := imap.UIDSetNum(saved...)
		_, serr := c.Store(set, &imapclient.StoreFlags{Op: imapclient.StoreAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}).Wait()
		if serr == nil {
			_, _, serr = c.UIDExpunge(set).Wait()
		}
		if serr != nil && err == nil {
			err = serr
		}
	}
	if err != nil {
		return len(saved), err
	}
	return len(saved), c.Logout().Wait()
}
