package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/mailwire/mailwire/pop3"
)

// fetchPOP3 downloads over POP3. With -keep it is pop3.Client.FetchNew:
// only UIDLs not in the state are retrieved. Without it every message is
// retrieved (pipelined RETR), saved, then deleted; the deletions take
// effect at QUIT (RFC 1939 §6), after everything is on disk.
func fetchPOP3(ctx context.Context, o *options, md *maildir, st *state, p *progress) (int, error) {
	opts := &pop3.DialOptions{TLSConfig: o.tlsConfig}
	var c *pop3.Client
	var err error
	if o.tlsMode == "implicit" {
		c, err = pop3.DialTLS(ctx, o.server, opts)
	} else {
		c, err = pop3.Dial(ctx, o.server, opts)
	}
	if err != nil {
		return 0, err
	}
	defer c.Close()
	if o.tlsMode == "starttls" {
		if err := c.StartTLS(ctx, o.tlsConfig); err != nil {
			return 0, fmt.Errorf("STLS: %w", err)
		}
	}
	if err := c.Login(ctx, o.user, o.password); err != nil {
		return 0, fmt.Errorf("login: %w", err)
	}
	uidls, err := c.UIDL(ctx)
	if err != nil {
		return 0, err
	}
	var fresh []int
	for _, e := range uidls {
		if _, ok := st.POP3[e.UID]; !ok {
			fresh = append(fresh, e.Number)
		}
	}
	p.total = len(fresh)
	save := func(body io.Reader) error {
		n, err := md.deliver(body)
		if err == nil {
			p.add(n)
		}
		return err
	}

	if o.keep {
		res, err := c.FetchNew(ctx, pop3.FetchOptions{Seen: st.POP3}, func(uid string, body io.Reader) error { return save(body) })
		now := time.Now()
		for _, uid := range res.Fetched {
			st.POP3[uid] = now
		}
		// Forget UIDLs the server no longer has.
		onServer := map[string]bool{}
		for _, e := range uidls {
			onServer[e.UID] = true
		}
		for uid := range st.POP3 {
			if !onServer[uid] {
				delete(st.POP3, uid)
			}
		}
		if err != nil {
			return len(res.Fetched), err
		}
		return len(res.Fetched), c.Quit(ctx)
	}

	uidOf := map[int]string{}
	for _, e := range uidls {
		uidOf[e.Number] = e.UID
	}
	var saved []int
	now := time.Now()
	err = c.RetrMany(ctx, fresh, func(n int, body io.Reader) error {
		if err := save(body); err != nil {
			return err
		}
		saved = append(saved, n)
		// Remembered until QUIT succeeds, so a broken connection does not
		// make the next run download it again.
		st.POP3[uidOf[n]] = now
		return nil
	})
	if len(saved) > 0 {
		if derr := c.DeleMany(ctx, saved); derr != nil && err == nil {
			err = derr
		}
	}
	if err != nil {
		return len(saved), err
	}
	if err := c.Quit(ctx); err != nil {
		return len(saved), err
	}
	for _, n := range saved {
		delete(st.POP3, uidOf[n])
	}
	return len(saved), nil
}
