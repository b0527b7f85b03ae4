package pop3

import (
	"context"
	"errors"
	"io"
	"strconv"
	"time"
)

// pipelineWindow is how many commands the client keeps in flight when the
// server announced PIPELINING (RFC 2449 §6.6).
const pipelineWindow = 16

// canPipeline asks CAPA once and reports whether PIPELINING is announced.
func (c *Client) canPipeline(ctx context.Context) bool {
	if c.caps == nil {
		if _, err := c.Capabilities(ctx); err != nil {
			var pe *Error
			if errors.As(err, &pe) {
				c.caps = map[string][]string{} // an RFC 1939 server without CAPA
			}
			return false
		}
	}
	return c.HasCapability("PIPELINING")
}

// RetrMany retrieves the messages nums in order and calls fn with each
// body (valid only during the call). With PIPELINING it keeps up to 16
// RETR commands in flight. A -ERR for one message or an error from fn does
// not stop the others; the first such error is returned.
func (c *Client) RetrMany(ctx context.Context, nums []int, fn func(n int, body io.Reader) error) error {
	return c.pipeline(ctx, nums, "RETR", true, fn)
}

// DeleMany marks the messages nums deleted, pipelined when possible. The
// server removes them at Quit.
func (c *Client) DeleMany(ctx context.Context, nums []int) error {
	return c.pipeline(ctx, nums, "DELE", false, nil)
}

func (c *Client) pipeline(ctx context.Context, nums []int, cmd string, multi bool, fn func(int, io.Reader) error) error {
	window := 1
	if len(nums) > 1 && c.canPipeline(ctx) {
		window = pipelineWindow
	}
	if err := c.prepare(); err != nil {
		return err
	}
	done := c.deadline(ctx)
	defer done()
	var first error
	sent := 0
	for i := range nums {
		for sent < len(nums) && sent < i+window {
			c.send(cmd, strconv.Itoa(nums[sent]))
			sent++
		}
		if err := c.flush(); err != nil {
			return err
		}
		if _, err := c.readStatus(); err != nil {
			if c.err != nil {
				return err
			}
			if first == nil {
				first = err
			}
			continue
		}
		if !multi {
			continue
		}
		b := &bodyReader{c: c, dr: newClientDotReader(c), done: func() {}}
		c.body = b
		var ferr error
		if fn != nil {
			ferr = fn(nums[i], b)
		}
		if err := b.Close(); err != nil {
			return c.fail(err)
		}
		if ferr != nil && first == nil {
			first = ferr
		}
	}
	return first
}

// FetchOptions configure FetchNew.
type FetchOptions struct {
	// Seen maps the UIDLs the caller already has to when it first saw
	// them. Messages whose UIDL is in Seen are not downloaded.
	Seen map[string]time.Time
	// DeleteOlderThan, when positive, deletes messages first seen longer
	// ago than this (the "remove from server after N days" setting).
	// Zero leaves everything on the server.
	DeleteOlderThan time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// FetchResult reports what FetchNew did.
type FetchResult struct {
	Fetched []string // UIDLs of the messages downloaded, in order
	Deleted []string // UIDLs marked deleted (removed when Quit succeeds)
}

// FetchNew is the leave-on-server download (RFC 1939 §7 UIDL): it lists
// the unique ids, retrieves only the messages whose UIDL is not in
// opts.Seen and hands each to fn with its UIDL, then marks deleted the seen
// messages older than opts.DeleteOlderThan. The caller records the fetched
// UIDLs (with the current time) in its Seen map and calls Quit to commit
// the deletions; closing without Quit deletes nothing. A message fn failed
// for is left out of Fetched.
func (c *Client) FetchNew(ctx context.Context, opts FetchOptions, fn func(uid string, body io.Reader) error) (FetchResult, error) {
	var res FetchResult
	list, err := c.UIDL(ctx)
	if err != nil {
		return res, err
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	uidOf := make(map[int]string, len(list))
	var fetch, del []int
	for _, e := range list {
		uidOf[e.Number] = e.UID
		seenAt, seen := opts.Seen[e.UID]
		switch {
		case !seen:
			fetch = append(fetch, e.Number)
		case opts.DeleteOlderThan > 0 && now().Sub(seenAt) > opts.DeleteOlderThan:
			del = append(del, e.Number)
		}
	}
	var first error
	err = c.RetrMany(ctx, fetch, func(n int, body io.Reader) error {
		if err := fn(uidOf[n], body); err != nil {
			if first == nil {
				first = err
			}
			return nil
		}
		res.Fetched = append(res.Fetched, uidOf[n])
		return nil
	})
	if err != nil {
		return res, err
	}
	if first != nil {
		return res, first
	}
	if len(del) > 0 {
		if err := c.DeleMany(ctx, del); err != nil {
			return res, err
		}
		for _, n := range del {
			res.Deleted = append(res.Deleted, uidOf[n])
		}
	}
	return res, nil
}
