package imapserver

import (
	"context"
	"errors"
	"io"
	"strconv"
	"strings"
)

// MultiAppendUser is implemented by Users that store several messages in
// one mailbox all or nothing: MULTIAPPEND (RFC 3502 §6.3.11: "If the
// server fails to append any of the messages, none of them are
// appended").
type MultiAppendUser interface {
	// AppendMany calls next for each message in turn; next returns io.EOF
	// after the last one. The body of a message must be read (or is
	// discarded) before next is called again: the messages arrive one
	// after the other on the connection. AppendMany returns only when all
	// messages are durable (rule 3), or an error and stores nothing.
	AppendMany(ctx context.Context, mailbox string, next func() (AppendMessage, io.Reader, error)) ([]AppendResult, error)
}

// maxMultiAppend bounds the messages of one APPEND (rule 5).
const maxMultiAppend = 1000

// errMultiAppendParse stops a backend's AppendMany when the command
// turned out to be malformed; the syntax error is reported afterwards.
var errMultiAppendParse = errors.New("imapserver: malformed APPEND")

// cmdMultiAppend is APPEND with MULTIAPPEND (RFC 3502): one or more
// messages, each streamed to the backend as it arrives. Users that are
// not MultiAppendUsers get the single-message APPEND.
func (c *conn) cmdMultiAppend(uid bool) *status {
	mu, isMulti := c.user.(MultiAppendUser)
	if !isMulti {
		return c.cmdAppend(uid)
	}
	c.expectSP()
	name := c.mailboxName()
	var (
		count   int
		body    *deadlineReader
		utf8    bool
		parseSt *status // a refusal found while parsing (TOOBIG)
		synErr  any     // a syntax error found while parsing
	)
	// next parses one message header and starts its literal. Parse
	// errors must not unwind through the backend: they are caught here
	// and re-raised once AppendMany returned.
	next := func() (msg AppendMessage, r io.Reader, err error) {
		defer func() {
			if p := recover(); p != nil {
				if _, isSyntax := p.(syntaxError); !isSyntax {
					panic(p)
				}
				synErr = p
				err = errMultiAppendParse
			}
		}()
		if body != nil {
			if _, err := io.Copy(io.Discard, body); err != nil || body.err != nil {
				panic(ioError{errors.Join(err, body.err)})
			}
			c.continueLine()
			if utf8 {
				c.closeParen()
			}
			body = nil
			if c.atEnd() {
				return msg, nil, io.EOF
			}
		}
		c.expectSP()
		if count++; count > maxMultiAppend {
			c.fail("Too many messages in one APPEND")
		}
		msg, utf8 = c.appendMessageHeader()
		n, sync := c.literalHeader()
		if n > c.srv.appendLimit() {
			if !sync {
				panic(fatalError{"[TOOBIG] Message exceeds APPENDLIMIT"})
			}
			c.line = nil
			parseSt = no("TOOBIG", "Message exceeds APPENDLIMIT")
			return msg, nil, errMultiAppendParse
		}
		msg.Size = n
		c.beginLiteral(sync)
		body = &deadlineReader{c: c, r: io.LimitReader(c.br, n)}
		return msg, body, nil
	}
	res, err := mu.AppendMany(c.ctx, name, next)
	if synErr != nil {
		panic(synErr)
	}
	if parseSt != nil {
		return parseSt
	}
	if body != nil || count == 0 {
		// The backend gave up before the end: read the rest of the
		// command so that the connection stays in sync.
		for {
			if _, _, nerr := next(); nerr != nil {
				if synErr != nil {
					panic(synErr)
				}
				if parseSt != nil {
					return parseSt
				}
				break
			}
		}
	}
	c.expectEnd()
	if err != nil {
		if errors.Is(err, ErrNoSuchMailbox) {
			return no("TRYCREATE", "No such mailbox")
		}
		return c.backendError("APPEND", err)
	}
	if len(res) == 0 {
		return ok("APPEND completed")
	}
	// RFC 4315 §3: APPENDUID with the set of the new UIDs.
	uids := make([]string, len(res))
	for i, r := range res {
		uids[i] = strconv.FormatUint(uint64(r.UID), 10)
		c.noteOwnNew(name, r.UIDValidity, r.UID) // RFC 5465 §5.2
	}
	code := "APPENDUID " + strconv.FormatUint(uint64(res[0].UIDValidity), 10) + " " + strings.Join(uids, ",")
	return okCode(code, "APPEND completed")
}

// appendMessageHeader parses [flag-list SP] [date-time SP] [UTF8 (] before
// a message literal (RFC 9051 §6.3.12, RFC 6855 §4).
func (c *conn) appendMessageHeader() (msg AppendMessage, utf8 bool) {
	if c.peek() == '(' {
		msg.Flags = slicesDelete(c.flagList(false), `\Recent`)
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
	if c.peek() == 'U' || c.peek() == 'u' {
		if c.atomUpper() != "UTF8" {
			c.fail("Expected literal")
		}
		c.expectSP()
		c.openParen()
		utf8 = true
	}
	return msg, utf8
}
