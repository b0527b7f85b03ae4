package imapserver

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"time"
)

func (c *conn) cmdCreate(bool) *status {
	c.expectSP()
	name := c.mailboxName()
	var use []string
	if c.sp() {
		// CREATE-SPECIAL-USE (RFC 6154 §3): (USE (\Sent ...))
		c.openParen()
		if c.atomUpper() != "USE" {
			c.fail("Unknown CREATE parameter")
		}
		c.expectSP()
		use = c.flagList(false)
		c.closeParen()
	}
	c.expectEnd()
	name = strings.TrimSuffix(name, string(Delimiter))
	if name == "" || name == "INBOX" {
		return no("ALREADYEXISTS", "Mailbox already exists")
	}
	if err := c.user.Create(c.ctx, name, use); err != nil {
		return c.backendError("CREATE", err)
	}
	return c.createdStatus(name) // MAILBOXID, RFC 8474 §4.1
}

func (c *conn) cmdDelete(bool) *status {
	c.expectSP()
	name := c.mailboxName()
	c.expectEnd()
	if name == "INBOX" {
		return no("CANNOT", "INBOX cannot be deleted")
	}
	if c.sel != nil && c.sel.name == name {
		// Deleting the selected mailbox: unselect first.
		c.unselect()
		c.untagged("OK [CLOSED] Mailbox deleted")
	}
	if err := c.user.Delete(c.ctx, name); err != nil {
		return c.backendError("DELETE", err)
	}
	return ok("DELETE completed")
}

func (c *conn) cmdRename(bool) *status {
	c.expectSP()
	from := c.mailboxName()
	c.expectSP()
	to := c.mailboxName()
	c.expectEnd()
	if to == "INBOX" {
		return no("ALREADYEXISTS", "Cannot rename to INBOX")
	}
	if err := c.user.Rename(c.ctx, from, to); err != nil {
		return c.backendError("RENAME", err)
	}
	return ok("RENAME completed")
}

func (c *conn) cmdSubscribe(bool) *status {
	sub := c.verbOf() == "SUBSCRIBE"
	c.expectSP()
	name := c.mailboxName()
	c.expectEnd()
	if err := c.user.SetSubscribed(c.ctx, name, sub); err != nil {
		return c.backendError("SUBSCRIBE", err)
	}
	return ok("completed")
}

func (c *conn) cmdNamespace(bool) *status {
	c.expectEnd()
	c.untagged(`NAMESPACE (("" "/")) NIL NIL`)
	return ok("NAMESPACE completed")
}

// statusItems are the STATUS data items requested.
type statusItems struct {
	messages, uidnext, uidvalidity, unseen, deleted, size, recent, highestModSeq, appendLimit bool
	mailboxID                                                                                 bool // RFC 8474 §4.3
}

func (c *conn) parseStatusItems() statusItems {
	var it statusItems
	c.openParen()
	for {
		switch c.atomUpper() {
		case "MESSAGES":
			it.messages = true
		case "UIDNEXT":
			it.uidnext = true
		case "UIDVALIDITY":
			it.uidvalidity = true
		case "UNSEEN":
			it.unseen = true
		case "DELETED":
			it.deleted = true
		case "SIZE":
			it.size = true
		case "RECENT":
			it.recent = true
		case "HIGHESTMODSEQ":
			it.highestModSeq = true
		case "APPENDLIMIT":
			it.appendLimit = true
		case "MAILBOXID":
			if _, ok := c.mailboxIDUser(); !ok {
				c.fail("Unknown STATUS item")
			}
			it.mailboxID = true
		default:
			c.fail("Unknown STATUS item")
		}
		if !c.sp() {
			break
		}
	}
	c.closeParen()
	return it
}

func (c *conn) cmdStatus(bool) *status {
	c.expectSP()
	name := c.mailboxName()
	c.expectSP()
	items := c.parseStatusItems()
	c.expectEnd()
	if err := c.writeStatusResponse(name, items); err != nil {
		return c.backendError("STATUS", err)
	}
	return ok("STATUS completed")
}

func (c *conn) writeStatusResponse(name string, it statusItems) error {
	st, err := c.user.Status(c.ctx, name)
	if err != nil {
		return err
	}
	b := append([]byte("* STATUS "), appendAString(nil, c.encodeMailbox(name))...)
	b = append(b, " ("...)
	sep := false
	item := func(k string, v uint64) {
		if sep {
			b = append(b, ' ')
		}
		sep = true
		b = append(b, k...)
		b = append(b, ' ')
		b = appendUint(b, v)
	}
	if it.messages {
		item("MESSAGES", uint64(st.Messages))
	}
	if it.uidnext {
		item("UIDNEXT", uint64(st.UIDNext))
	}
	if it.uidvalidity {
		item("UIDVALIDITY", uint64(st.UIDValidity))
	}
	if it.unseen {
		item("UNSEEN", uint64(st.Unseen))
	}
	if it.deleted {
		item("DELETED", uint64(st.Deleted))
	}
	if it.size {
		item("SIZE", uint64(st.Size))
	}
	if it.recent {
		item("RECENT", uint64(st.Recent))
	}
	if it.highestModSeq {
		item("HIGHESTMODSEQ", st.HighestModSeq)
	}
	if it.appendLimit {
		item("APPENDLIMIT", uint64(c.srv.appendLimit()))
	}
	if it.mailboxID {
		b = c.appendStatusMailboxID(b, name, sep)
	}
	b = append(b, ")\r\n"...)
	c.bw.Write(b)
	return nil
}

// cmdAppend implements APPEND (RFC 9051 §6.3.12) with APPENDUID
// (RFC 4315) and APPENDLIMIT (RFC 7889). The message literal is streamed
// to the backend, never held in memory.
func (c *conn) cmdAppend(bool) *status {
	c.expectSP()
	name := c.mailboxName()
	c.expectSP()
	var msg AppendMessage
	if c.peek() == '(' {
		msg.Flags = c.flagList(false)
		c.expectSP()
	}
	if c.peek() == '"' {
		d, err := parseDateTime(c.quoted())
		if err != nil {
			c.fail("Invalid date-time")
		}
		msg.InternalDate = d
		c.expectSP()
	}
	utf8Wrap := false
	if c.peek() == 'U' || c.peek() == 'u' {
		// UTF8 (~{n}) of RFC 6855.
		if c.atomUpper() != "UTF8" {
			c.fail("Expected literal")
		}
		c.expectSP()
		c.openParen()
		utf8Wrap = true
	}
	n, sync := c.literalHeader()
	if n > c.srv.appendLimit() {
		if sync {
			c.line = nil
			return no("TOOBIG", "Message exceeds APPENDLIMIT")
		}
		panic(fatalError{"[TOOBIG] Message exceeds APPENDLIMIT"})
	}
	for _, f := range msg.Flags {
		if f == `\Recent` {
			msg.Flags = slicesDelete(msg.Flags, f)
			break
		}
	}
	msg.Size = n
	c.beginLiteral(sync)
	// Message bytes are not part of a command line: an idle timeout per
	// read keeps a slow upload alive while bounding a stalled one.
	body := &deadlineReader{c: c, r: io.LimitReader(c.br, n)}
	res, err := c.user.Append(c.ctx, name, msg, body)
	if _, derr := io.Copy(io.Discard, body); derr != nil {
		panic(ioError{derr})
	}
	if body.err != nil {
		panic(ioError{body.err})
	}
	c.continueLine()
	if utf8Wrap {
		c.closeParen()
	}
	c.expectEnd()
	if err != nil {
		if errors.Is(err, ErrNoSuchMailbox) {
			return no("TRYCREATE", "No such mailbox")
		}
		return c.backendError("APPEND", err)
	}
	c.noteOwnNew(name, res.UIDValidity, res.UID) // RFC 5465 §5.2
	code := "APPENDUID " + strconv.FormatUint(uint64(res.UIDValidity), 10) + " " + strconv.FormatUint(uint64(res.UID), 10)
	return okCode(code, "APPEND completed")
}

func slicesDelete(s []string, x string) []string {
	out := s[:0]
	for _, v := range s {
		if v != x {
			out = append(out, v)
		}
	}
	return out
}

// deadlineReader reads a literal from the connection, extending the read
// deadline as data arrives and remembering connection errors.
type deadlineReader struct {
	c   *conn
	r   io.Reader
	err error
}

func (d *deadlineReader) Read(p []byte) (int, error) {
	d.c.nc.SetReadDeadline(d.c.srv.now().Add(d.c.srv.idleTimeout()))
	n, err := d.r.Read(p)
	if err != nil && err != io.EOF {
		d.err = err
	}
	if err == nil && n == 0 {
		return 0, nil
	}
	return n, err
}

var monthNames = []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

// parseDateTime parses an IMAP date-time: "dd-Mon-yyyy hh:mm:ss +zzzz".
func parseDateTime(s string) (time.Time, error) {
	s = strings.TrimLeft(s, " ")
	t, err := time.Parse("2-Jan-2006 15:04:05 -0700", s)
	if err != nil {
		return time.Time{}, err
	}
	return t, nil
}

// parseDate parses an IMAP date: "d-Mon-yyyy" (SEARCH).
func parseDate(s string) (time.Time, error) {
	return time.Parse("2-Jan-2006", s)
}

func appendDateTime(b []byte, t time.Time) []byte {
	return t.AppendFormat(b, `"02-Jan-2006 15:04:05 -0700"`)
}
