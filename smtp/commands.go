package smtp

import (
	"bytes"
	"strconv"
)

// stateMask is a set of connStates.
type stateMask uint8

func (s connState) in(m stateMask) bool { return m&(1<<s) != 0 }

const (
	inInit  stateMask = 1 << stateInit
	inReady stateMask = 1 << stateReady
	inMail  stateMask = 1 << stateMail
	inRcpt  stateMask = 1 << stateRcpt
	inBDAT  stateMask = 1 << stateBDAT
	inAny             = inInit | inReady | inMail | inRcpt | inBDAT
)

// command is one entry of the command table: the verb, the states in which
// it is allowed, the reply for any other state, and its handler.
type command struct {
	verb    string
	states  stateMask
	badSeq  string // 503 reply (RFC 5321 §4.1.4, §4.3.2) for other states
	handler func(c *Conn, arg []byte)
}

var commandTable []command

func init() {
	commandTable = []command{
		// The transaction commands first: they are the hot path.
		{"RCPT", inMail | inRcpt, "503 5.5.1 Need MAIL before RCPT\r\n", (*Conn).cmdRCPT},
		{"MAIL", inReady | inMail | inRcpt | inBDAT, "503 5.5.1 Send EHLO or HELO first\r\n", (*Conn).cmdMAIL},
		{"DATA", inRcpt | inBDAT | inMail, "503 5.5.1 Need MAIL and RCPT before DATA\r\n", (*Conn).cmdDATA},
		{"BDAT", inAny, "", (*Conn).cmdBDAT},
		{"RSET", inAny, "", (*Conn).cmdRSET},
		{"EHLO", inAny, "", (*Conn).cmdEHLO},
		{"HELO", inAny, "", (*Conn).cmdHELO},
		{"LHLO", inAny, "", (*Conn).cmdLHLO},
		{"NOOP", inAny, "", (*Conn).cmdNOOP},
		{"QUIT", inAny, "", (*Conn).cmdQUIT},
		{"VRFY", inAny, "", (*Conn).cmdVRFY},
		{"EXPN", inAny, "", (*Conn).cmdEXPN},
		{"HELP", inAny, "", (*Conn).cmdHELP},
		{"STARTTLS", inInit | inReady, "503 5.5.1 STARTTLS not allowed during a mail transaction\r\n", (*Conn).cmdSTARTTLS},
		{"AUTH", inReady, "503 5.5.1 AUTH needs EHLO first and is not allowed during a mail transaction\r\n", (*Conn).cmdAUTH},
	}
}

// lookupCommand finds verb case-insensitively without allocating.
func lookupCommand(verb []byte) *command {
	for i := range commandTable {
		if equalFold(verb, commandTable[i].verb) {
			return &commandTable[i]
		}
	}
	return nil
}

// splitCommand splits a command line into verb and argument.
func splitCommand(line []byte) (verb, arg []byte) {
	if i := bytes.IndexByte(line, ' '); i >= 0 {
		return line[:i], line[i+1:]
	}
	return line, nil
}

func (c *Conn) dispatch(line []byte) {
	verb, arg := splitCommand(line)
	cmd := lookupCommand(verb)
	if cmd == nil {
		c.syntaxError("500 5.5.1 Command not recognized\r\n")
		return
	}
	if !c.state.in(cmd.states) {
		c.syntaxError(cmd.badSeq)
		return
	}
	cmd.handler(c, arg)
}

// resetTransaction forgets the current transaction (RFC 5321 §4.1.1.5).
func (c *Conn) resetTransaction() {
	if c.state >= stateMail {
		c.session.Reset(c.ctx)
	}
	if c.state > stateReady {
		c.state = stateReady
	}
	c.mailOpts = MailOptions{}
	c.rcptCount = 0
	c.rcpts = c.rcpts[:0]
	c.bdatSize = 0
}

func (c *Conn) cmdEHLO(arg []byte) {
	if c.srv.LMTP {
		c.syntaxError("500 5.5.1 Use LHLO in LMTP (RFC 2033 §4.1)\r\n")
		return
	}
	c.hello(arg, true)
}

func (c *Conn) cmdHELO(arg []byte) {
	if c.srv.LMTP {
		c.syntaxError("500 5.5.1 Use LHLO in LMTP (RFC 2033 §4.1)\r\n")
		return
	}
	c.hello(arg, false)
}

func (c *Conn) cmdLHLO(arg []byte) {
	if !c.srv.LMTP {
		c.syntaxError("500 5.5.1 Command not recognized\r\n")
		return
	}
	c.hello(arg, true)
}

// hello handles EHLO, HELO and LHLO: they reset the transaction (RFC 5321
// §4.1.4) and answer without enhanced codes (RFC 2034 §3).
func (c *Conn) hello(arg []byte, extended bool) {
	name := arg
	if i := bytes.IndexByte(name, ' '); i >= 0 {
		name = name[:i]
	}
	if len(name) == 0 || !(validDomain(name, true) || validAddressLiteral(name)) {
		c.syntaxError("501 5.5.4 Invalid domain name\r\n")
		return
	}
	c.resetTransaction()
	if string(name) != c.helo {
		c.helo = string(name)
	}
	if hs, ok := c.session.(HelloSession); ok {
		if err := hs.Hello(c.ctx, c.helo); err != nil {
			c.replyBackendError("Hello", err)
			return
		}
	}
	c.state = stateReady
	if !extended {
		c.replyf3("250 ", c.srv.lim.hostname, "\r\n")
		return
	}
	c.replyf3("250-", c.srv.lim.hostname, "\r\n")
	if mechs := c.authMechanisms(); mechs != "" && c.authAllowed() && c.authIdent == "" {
		c.replyf3("250-AUTH ", mechs, "\r\n")
	}
	if c.tlsState != nil {
		c.w.Write(c.srv.lim.ehloReplyTLS)
	} else {
		c.w.Write(c.srv.lim.ehloReply)
	}
}

// buildEHLO renders the extension lines after the greeting line (the AUTH
// line, which depends on the session, is written before them). LIMITS is
// always present and always last, so it carries the "250 " final prefix.
func (s *Server) buildEHLO(tls bool) []byte {
	var b []byte
	add := func(ext string) { b = append(append(append(b, "250-"...), ext...), "\r\n"...) }
	add("PIPELINING")
	add("8BITMIME")
	add("SIZE " + strconv.FormatInt(s.lim.maxMessage, 10))
	add("ENHANCEDSTATUSCODES")
	add("CHUNKING")
	if s.EnableBINARYMIME {
		add("BINARYMIME")
	}
	if s.EnableSMTPUTF8 {
		add("SMTPUTF8")
	}
	if s.EnableDSN {
		add("DSN")
	}
	if s.TLSConfig != nil && !tls {
		add("STARTTLS")
	}
	if s.EnableREQUIRETLS && tls {
		add("REQUIRETLS")
	}
	// RFC 9422 §4: RCPTMAX is the per-transaction recipient limit.
	b = append(b, "250 LIMITS RCPTMAX="+strconv.Itoa(s.lim.maxRcpts)+"\r\n"...)
	return b
}

func (c *Conn) cmdRSET(arg []byte) {
	if len(arg) != 0 {
		c.syntaxError("501 5.5.4 RSET takes no arguments\r\n")
		return
	}
	c.resetTransaction()
	c.reply("250 2.0.0 OK\r\n")
}

func (c *Conn) cmdNOOP(arg []byte) {
	// RFC 5321 §4.1.1.9: a parameter string is allowed and ignored.
	c.reply("250 2.0.0 OK\r\n")
}

func (c *Conn) cmdQUIT(arg []byte) {
	c.reply("221 2.0.0 Bye\r\n")
	c.closing = true
}

func (c *Conn) cmdVRFY(arg []byte) {
	if len(arg) == 0 {
		c.syntaxError("501 5.5.4 VRFY needs an argument\r\n")
		return
	}
	// RFC 5321 §3.5.3: 252 when the server will not verify.
	c.reply("252 2.5.0 Cannot VRFY user, but will accept message and attempt delivery\r\n")
}

func (c *Conn) cmdEXPN(arg []byte) {
	c.reply("502 5.5.1 EXPN not implemented\r\n")
}

func (c *Conn) cmdHELP(arg []byte) {
	c.reply("214 2.0.0 See https://www.rfc-editor.org/rfc/rfc5321\r\n")
}

func (c *Conn) cmdMAIL(arg []byte) {
	if c.state >= stateMail {
		c.syntaxError("503 5.5.1 Nested MAIL command\r\n")
		return
	}
	rest, ok := cutPrefixFold(arg, "FROM:")
	if !ok {
		c.syntaxError("501 5.5.4 Syntax: MAIL FROM:<address>\r\n")
		return
	}
	// RFC 6409 §4.3 / RFC 4954 §6: submission requires authentication.
	if c.srv.Submission && c.authIdent == "" {
		c.reply("530 5.7.0 Authentication required\r\n")
		return
	}
	opts := &c.mailOpts
	*opts = MailOptions{}
	// SMTPUTF8 decides whether the path may be UTF-8, and it comes after
	// the path: look for it first.
	utf8 := c.srv.EnableSMTPUTF8 && hasParam(rest, "SMTPUTF8")
	addr, params, perr := parsePathArg(rest, utf8, true)
	if perr != pathOK {
		c.pathError(perr, "5.1.7")
		return
	}
	if !c.parseMailParams(params, opts) {
		return
	}
	if rl := c.srv.RateLimiter; rl != nil && !rl.allowMessage(c) {
		c.reply("450 4.7.1 Message rate limit exceeded, try again later\r\n")
		return
	}
	if string(addr) != c.lastFrom {
		c.lastFrom = string(addr)
	}
	if err := c.session.Mail(c.ctx, c.lastFrom, opts); err != nil {
		c.replyBackendError("Mail", err)
		return
	}
	c.state = stateMail
	c.reply("250 2.1.0 Sender OK\r\n")
}

// hasParam reports whether the parameter text after the path contains the
// keyword (case-insensitive) as a whole token.
func hasParam(b []byte, kw string) bool {
	for {
		i := bytes.IndexByte(b, ' ')
		if i < 0 {
			return equalFold(b, kw)
		}
		if equalFold(b[:i], kw) {
			return true
		}
		b = b[i+1:]
	}
}

func (c *Conn) pathError(perr pathError, enhSyntax string) {
	switch perr {
	case pathNonASCII:
		c.reply("553 5.6.7 Non-ASCII address requires SMTPUTF8\r\n")
	case pathTooLong:
		c.syntaxError("501 " + enhSyntax + " Path too long\r\n")
	default:
		c.syntaxError("501 " + enhSyntax + " Bad address syntax\r\n")
	}
}

// parseMailParams fills opts from MAIL FROM parameters; on error it has
// replied and returns false.
func (c *Conn) parseMailParams(params []byte, opts *MailOptions) bool {
	var seen uint16
	for {
		key, val, rest, ok, bad := nextParam(params)
		if bad {
			c.syntaxError("501 5.5.4 Bad parameter syntax\r\n")
			return false
		}
		if !ok {
			return true
		}
		params = rest
		var bit uint16
		switch {
		case equalFold(key, "SIZE"):
			bit = 1
			n, ok := parseSize(val)
			if !ok {
				c.syntaxError("501 5.5.4 Bad SIZE value\r\n")
				return false
			}
			// RFC 1870 §6.2: refuse a declared size over the limit now.
			if n > c.srv.lim.maxMessage {
				c.reply("552 5.3.4 Message size exceeds fixed maximum message size\r\n")
				return false
			}
			opts.Size = n
		case equalFold(key, "BODY"):
			bit = 2
			switch {
			case equalFold(val, "7BIT"):
				opts.Body = Body7Bit
			case equalFold(val, "8BITMIME"):
				opts.Body = Body8BitMIME
			case equalFold(val, "BINARYMIME") && c.srv.EnableBINARYMIME:
				opts.Body = BodyBinaryMIME
			default:
				c.syntaxError("501 5.5.4 Unsupported BODY value\r\n")
				return false
			}
		case equalFold(key, "SMTPUTF8") && c.srv.EnableSMTPUTF8 && val == nil:
			bit = 4
			opts.SMTPUTF8 = true
		case equalFold(key, "REQUIRETLS") && c.srv.EnableREQUIRETLS && c.tlsState != nil && val == nil:
			bit = 8
			opts.RequireTLS = true
		case equalFold(key, "RET") && c.srv.EnableDSN:
			bit = 16
			switch {
			case equalFold(val, "FULL"):
				opts.Return = DSNReturnFull
			case equalFold(val, "HDRS"):
				opts.Return = DSNReturnHeaders
			default:
				c.syntaxError("501 5.5.4 Bad RET value\r\n")
				return false
			}
		case equalFold(key, "ENVID") && c.srv.EnableDSN:
			bit = 32
			// RFC 3461 §4.4: at most 100 characters.
			s, ok := decodeXtext(val, opts.SMTPUTF8)
			if !ok || len(val) > 100 {
				c.syntaxError("501 5.5.4 Bad ENVID value\r\n")
				return false
			}
			opts.EnvelopeID = s
		case equalFold(key, "AUTH"):
			bit = 64
			// RFC 4954 §5: AUTH=<> or an xtext mailbox.
			s, ok := "<>", true
			if string(val) != "<>" {
				s, ok = decodeXtext(val, opts.SMTPUTF8)
			}
			if !ok {
				c.syntaxError("501 5.5.4 Bad AUTH value\r\n")
				return false
			}
			opts.Auth = &s
		default:
			// RFC 5321 §4.1.1.11: 555 for unknown parameters.
			c.syntaxError("555 5.5.4 Unsupported parameter\r\n")
			return false
		}
		if seen&bit != 0 {
			c.syntaxError("501 5.5.4 Duplicate parameter\r\n")
			return false
		}
		seen |= bit
	}
}

func (c *Conn) cmdRCPT(arg []byte) {
	rest, ok := cutPrefixFold(arg, "TO:")
	if !ok {
		c.syntaxError("501 5.5.4 Syntax: RCPT TO:<address>\r\n")
		return
	}
	addr, params, perr := parsePathArg(rest, c.mailOpts.SMTPUTF8, false)
	if perr != pathOK {
		c.pathError(perr, "5.1.3")
		return
	}
	// RFC 5321 §4.5.3.1.10: 452 for too many recipients; the client sends
	// the rest in another transaction.
	if c.rcptCount >= c.srv.lim.maxRcpts {
		c.reply("452 4.5.3 Too many recipients\r\n")
		return
	}
	opts := &c.rcptOpts
	*opts = RcptOptions{}
	if !c.parseRcptParams(params, opts) {
		return
	}
	if rl := c.srv.RateLimiter; rl != nil && !rl.allowRecipient(c) {
		c.reply("450 4.7.1 Recipient rate limit exceeded, try again later\r\n")
		return
	}
	if string(addr) != c.lastRcpt {
		c.lastRcpt = string(addr)
	}
	if err := c.session.Rcpt(c.ctx, c.lastRcpt, opts); err != nil {
		c.replyBackendError("Rcpt", err)
		return
	}
	c.rcptCount++
	if c.srv.LMTP {
		c.rcpts = append(c.rcpts, c.lastRcpt)
	}
	if c.state == stateMail {
		c.state = stateRcpt
	}
	c.reply("250 2.1.5 Recipient OK\r\n")
}

func (c *Conn) parseRcptParams(params []byte, opts *RcptOptions) bool {
	var seen uint8
	for {
		key, val, rest, ok, bad := nextParam(params)
		if bad {
			c.syntaxError("501 5.5.4 Bad parameter syntax\r\n")
			return false
		}
		if !ok {
			return true
		}
		params = rest
		var bit uint8
		switch {
		case equalFold(key, "NOTIFY") && c.srv.EnableDSN:
			bit = 1
			if !parseNotify(val, opts) {
				c.syntaxError("501 5.5.4 Bad NOTIFY value\r\n")
				return false
			}
		case equalFold(key, "ORCPT") && c.srv.EnableDSN:
			bit = 2
			// RFC 3461 §4.2: addr-type ";" xtext, at most 500 characters.
			i := bytes.IndexByte(val, ';')
			if i <= 0 || len(val) > 500 {
				c.syntaxError("501 5.5.4 Bad ORCPT value\r\n")
				return false
			}
			s, ok := decodeXtext(val[i+1:], c.mailOpts.SMTPUTF8)
			if !ok {
				c.syntaxError("501 5.5.4 Bad ORCPT value\r\n")
				return false
			}
			opts.OriginalRecipientType = string(val[:i])
			opts.OriginalRecipient = s
		default:
			c.syntaxError("555 5.5.4 Unsupported parameter\r\n")
			return false
		}
		if seen&bit != 0 {
			c.syntaxError("501 5.5.4 Duplicate parameter\r\n")
			return false
		}
		seen |= bit
	}
}

// parseNotify parses NOTIFY=NEVER or a comma list of SUCCESS, FAILURE,
// DELAY (RFC 3461 §4.1); NEVER must be alone.
func parseNotify(v []byte, opts *RcptOptions) bool {
	never := false
	for len(v) > 0 {
		item := v
		if i := bytes.IndexByte(v, ','); i >= 0 {
			item, v = v[:i], v[i+1:]
			if len(v) == 0 {
				return false
			}
		} else {
			v = nil
		}
		var n DSNNotify
		switch {
		case equalFold(item, "NEVER"):
			n, never = DSNNotifyNever, true
		case equalFold(item, "SUCCESS"):
			n = DSNNotifySuccess
		case equalFold(item, "FAILURE"):
			n = DSNNotifyFailure
		case equalFold(item, "DELAY"):
			n = DSNNotifyDelayed
		default:
			return false
		}
		for _, have := range opts.Notify {
			if have == n {
				return false
			}
		}
		opts.Notify = append(opts.Notify, n)
	}
	return len(opts.Notify) > 0 && (!never || len(opts.Notify) == 1)
}
