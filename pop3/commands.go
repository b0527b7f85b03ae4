package pop3

import (
	"errors"
	"time"
)

// stateMask is a set of states in which a command is allowed.
type stateMask uint8

const (
	inAuth  stateMask = 1 << StateAuthorization
	inTrans stateMask = 1 << StateTransaction
)

// command is one row of the command table: the states that allow it and
// its handler. arg is everything after the keyword and one space; it points
// into the read buffer and is valid only during the call.
type command struct {
	states stateMask
	handle func(c *Conn, arg []byte) error
}

// commands is the command table (RFC 1939 §4-7, RFC 2449, RFC 2595,
// RFC 5034, RFC 6856), keyed by upper-case keyword.
var commands map[string]command

func init() {
	commands = map[string]command{
		"CAPA": {inAuth | inTrans, (*Conn).cmdCAPA},
		"QUIT": {inAuth | inTrans, (*Conn).cmdQUIT},
		"NOOP": {inTrans, (*Conn).cmdNOOP},
		"USER": {inAuth, (*Conn).cmdUSER},
		"PASS": {inAuth, (*Conn).cmdPASS},
		"APOP": {inAuth, (*Conn).cmdAPOP},
		"AUTH": {inAuth, (*Conn).cmdAUTH},
		"STLS": {inAuth, (*Conn).cmdSTLS},
		"UTF8": {inAuth, (*Conn).cmdUTF8},
		"STAT": {inTrans, (*Conn).cmdSTAT},
		"LIST": {inTrans, (*Conn).cmdLIST},
		"UIDL": {inTrans, (*Conn).cmdUIDL},
		"RETR": {inTrans, (*Conn).cmdRETR},
		"TOP":  {inTrans, (*Conn).cmdTOP},
		"DELE": {inTrans, (*Conn).cmdDELE},
		"RSET": {inTrans, (*Conn).cmdRSET},
	}
}

// errCommand marks a failed command: the handler has written its -ERR and
// the failure counts towards MaxErrors.
var errCommand = errors.New("pop3: command failed")

// dispatch parses and runs one command line. A non-nil result ends the
// connection.
func (c *Conn) dispatch(line []byte) error {
	// RFC 1939 §3: a case-insensitive keyword of three or four characters,
	// then arguments separated by single spaces.
	var kw [4]byte
	n := 0
	for n < len(line) && line[n] != ' ' {
		if n == len(kw) {
			n = -1
			break
		}
		b := line[n]
		if 'a' <= b && b <= 'z' {
			b -= 'a' - 'A'
		}
		kw[n] = b
		n++
	}
	var arg []byte
	if n > 0 && n < len(line) {
		arg = line[n+1:]
	}
	wasUSER := c.afterUSR
	c.afterUSR = false
	cmd, ok := commands[string(kw[:max(n, 0)])]
	switch {
	case n <= 0 || !ok || (kw == [4]byte{'U', 'T', 'F', '8'} && !c.srv.EnableUTF8):
		c.bad("unknown command")
	case cmd.states&(1<<c.state) == 0:
		c.bad("command not valid in this state")
	case string(kw[:n]) == "PASS" && !wasUSER:
		c.bad("PASS must follow USER") // RFC 1939 §7
	default:
		err := cmd.handle(c, arg)
		if err != errCommand {
			return err
		}
	}
	if c.countError() {
		return errCloseConn
	}
	return nil
}

// msgArg parses a message number (RFC 1939 §3: a decimal number, 1-based)
// that must refer to a message not marked deleted. On failure it writes
// the -ERR and returns -1.
func (c *Conn) msgArg(arg []byte) int {
	n, ok := parseNumber(arg)
	if !ok {
		c.bad("invalid message number")
		return -1
	}
	if n < 1 || n > int64(len(c.msgs)) {
		c.bad("no such message")
		return -1
	}
	i := int(n - 1)
	if c.isDeleted(i) {
		c.bad("message already deleted")
		return -1
	}
	return i
}

// parseNumber accepts 1 to 10 decimal digits and nothing else.
func parseNumber(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 10 {
		return 0, false
	}
	var n int64
	for _, d := range b {
		if d < '0' || d > '9' {
			return 0, false
		}
		n = n*10 + int64(d-'0')
	}
	return n, true
}

func (c *Conn) isDeleted(i int) bool {
	return c.del != nil && c.del[i>>6]&(1<<(i&63)) != 0
}

func (c *Conn) cmdNOOP(arg []byte) error {
	if len(arg) != 0 {
		c.bad("NOOP takes no argument")
		return errCommand
	}
	c.ok("")
	return nil
}

func (c *Conn) cmdSTAT(arg []byte) error {
	if len(arg) != 0 {
		c.bad("STAT takes no argument")
		return errCommand
	}
	w := c.out()
	w.WriteString("+OK ")
	w.Write(c.itoa(int64(len(c.msgs) - c.ndel)))
	w.WriteByte(' ')
	w.Write(c.itoa(c.tsz - c.dsz))
	w.WriteString("\r\n")
	return nil
}

// cmdLIST and cmdUIDL share the scan-listing shape (RFC 1939 §5, §7).
func (c *Conn) cmdLIST(arg []byte) error { return c.listing(arg, false) }
func (c *Conn) cmdUIDL(arg []byte) error { return c.listing(arg, true) }

func (c *Conn) listing(arg []byte, uidl bool) error {
	if len(arg) > 0 {
		i := c.msgArg(arg)
		if i < 0 {
			return errCommand
		}
		w := c.out()
		w.WriteString("+OK ")
		c.listLine(i, uidl)
		return nil
	}
	w := c.out()
	if uidl {
		w.WriteString("+OK unique-id listing follows\r\n")
	} else {
		w.WriteString("+OK ")
		w.Write(c.itoa(int64(len(c.msgs) - c.ndel)))
		w.WriteString(" messages (")
		w.Write(c.itoa(c.tsz - c.dsz))
		w.WriteString(" octets)\r\n")
	}
	for i := range c.msgs {
		if !c.isDeleted(i) {
			c.listLine(i, uidl)
		}
	}
	w.WriteString(".\r\n")
	return nil
}

func (c *Conn) listLine(i int, uidl bool) {
	w := c.out()
	w.Write(c.itoa(int64(i + 1)))
	w.WriteByte(' ')
	if uidl {
		w.WriteString(c.msgs[i].UID)
	} else {
		w.Write(c.itoa(c.msgs[i].Size))
	}
	w.WriteString("\r\n")
}

func (c *Conn) cmdDELE(arg []byte) error {
	i := c.msgArg(arg)
	if i < 0 {
		return errCommand
	}
	if c.del == nil {
		c.del = make([]uint64, (len(c.msgs)+63)/64)
	}
	c.del[i>>6] |= 1 << (i & 63)
	c.ndel++
	c.dsz += c.msgs[i].Size
	w := c.out()
	w.WriteString("+OK message ")
	w.Write(c.itoa(int64(i + 1)))
	w.WriteString(" deleted\r\n")
	return nil
}

func (c *Conn) cmdRSET(arg []byte) error {
	if len(arg) != 0 {
		c.bad("RSET takes no argument")
		return errCommand
	}
	clear(c.del)
	c.ndel, c.dsz = 0, 0
	c.okMaildrop()
	return nil
}

// okMaildrop answers "+OK maildrop has n messages (m octets)" (RFC 1939 §7).
func (c *Conn) okMaildrop() {
	w := c.out()
	w.WriteString("+OK maildrop has ")
	w.Write(c.itoa(int64(len(c.msgs) - c.ndel)))
	w.WriteString(" messages (")
	w.Write(c.itoa(c.tsz - c.dsz))
	w.WriteString(" octets)\r\n")
}

func (c *Conn) cmdQUIT(arg []byte) error {
	if c.state == StateTransaction {
		// RFC 1939 §6: the UPDATE state removes the deleted messages; the
		// +OK goes out only after the backend made that durable (rule 3),
		// and after the lock is released so the client can log in again.
		c.state = StateUpdate
		deleted := make([]int, 0, c.ndel)
		for i := range c.msgs {
			if c.isDeleted(i) {
				deleted = append(deleted, i)
			}
		}
		err := c.drop.Commit(c.ctx, deleted)
		cerr := c.drop.Close()
		c.drop = nil
		if err == nil {
			err = cerr
		}
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				c.srv.logger().Error("pop3: committing deletions", "remote", c.nc.RemoteAddr().String(), "err", err)
			}
			c.reply("-ERR [SYS/TEMP] ", "some deleted messages not removed")
			return errCloseConn
		}
	}
	c.ok("POP3 server signing off")
	return errCloseConn
}

func (c *Conn) cmdUTF8(arg []byte) error {
	if len(arg) != 0 {
		c.bad("UTF8 takes no argument")
		return errCommand
	}
	c.utf8 = true // RFC 6856 §2.1
	c.ok("UTF8 enabled")
	return nil
}

func (c *Conn) cmdCAPA(arg []byte) error {
	if len(arg) != 0 {
		c.bad("CAPA takes no argument")
		return errCommand
	}
	w := c.out()
	w.WriteString("+OK capability list follows\r\n")
	w.WriteString("TOP\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\n")
	authOK := c.isTLS || c.srv.AllowInsecureAuth
	if _, ok := c.sess.(PasswordSession); ok && (authOK || c.state != StateAuthorization) {
		w.WriteString("USER\r\n")
	}
	if c.state == StateAuthorization {
		if mechs := c.saslMechanisms(); len(mechs) > 0 && authOK {
			w.WriteString("SASL")
			for _, m := range mechs {
				w.WriteByte(' ')
				w.WriteString(m)
			}
			w.WriteString("\r\n")
		}
		if c.srv.TLSConfig != nil && !c.isTLS {
			w.WriteString("STLS\r\n")
		}
	}
	if c.srv.EnableUTF8 {
		// USER: UTF-8 user names and passwords are accepted (RFC 6856 §2.2).
		w.WriteString("UTF8 USER\r\n")
	}
	var p Policy
	var have bool
	if c.state == StateAuthorization {
		if pp, ok := c.srv.Backend.(PolicyProvider); ok {
			p, have = pp.Policy(), true
		}
	} else if pp, ok := c.drop.(PolicyProvider); ok {
		p, have = pp.Policy(), true
	}
	if have {
		if p.LoginDelay > 0 { // RFC 2449 §6.5
			w.WriteString("LOGIN-DELAY ")
			w.Write(c.itoa(int64((p.LoginDelay + time.Second - 1) / time.Second)))
			w.WriteString("\r\n")
		}
		switch { // RFC 2449 §6.7
		case p.Expire == ExpireNever:
			w.WriteString("EXPIRE NEVER\r\n")
		case p.Expire == ExpireImmediately:
			w.WriteString("EXPIRE 0\r\n")
		case p.Expire > 0:
			w.WriteString("EXPIRE ")
			w.Write(c.itoa(int64((p.Expire + 24*time.Hour - 1) / (24 * time.Hour))))
			w.WriteString("\r\n")
		}
	}
	w.WriteString("IMPLEMENTATION ")
	w.WriteString(sanitize(c.srv.implementation()))
	w.WriteString("\r\n.\r\n")
	return nil
}
