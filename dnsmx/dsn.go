package dnsmx

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/mailwire/mailwire/smtp"
)

// DSN actions (RFC 3464 §2.3.3) this package reports.
const (
	ActionFailed  = "failed"
	ActionDelayed = "delayed"
	ActionRelayed = "relayed"
)

// dsnRecipient is one per-recipient block of a DSN (RFC 3464 §2.3).
type dsnRecipient struct {
	Rcpt           Recipient
	Action         string
	Status         [3]int      // RFC 3463 code
	Reply          *smtp.Error // remote (or local) reply for Diagnostic-Code
	RemoteMTA      string
	LastAttempt    time.Time
	WillRetryUntil time.Time // delayed only
}

// dsnMessage describes a whole notification.
type dsnMessage struct {
	ReportingMTA string
	Sender       string // who gets the DSN (the original reverse-path)
	EnvelopeID   string
	Arrival      time.Time
	Date         time.Time
	Recipients   []dsnRecipient
	// Original is the returned content: the whole message or its header
	// (Headers set); nil to return nothing.
	Original io.Reader
	Headers  bool
	// Global selects the RFC 6533 types for internationalized addresses.
	Global bool
}

// statusOf picks the RFC 3463 status for a reply: its enhanced code when
// present, else one derived from the basic code's class.
func statusOf(reply *smtp.Error, fallback [3]int) [3]int {
	if reply == nil {
		return fallback
	}
	if reply.EnhancedCode != smtp.NoEnhancedCode {
		return reply.EnhancedCode
	}
	switch {
	case reply.Temporary():
		return [3]int{4, 0, 0}
	case reply.Permanent():
		return [3]int{5, 0, 0}
	}
	return fallback
}

func formatStatus(s [3]int) string {
	return strconv.Itoa(s[0]) + "." + strconv.Itoa(s[1]) + "." + strconv.Itoa(s[2])
}

// dsnText makes s safe for one header field line: controls become spaces
// and the length is bounded (RFC 5322 §2.1.1's 998 octets, with room).
func dsnText(s string, limit int) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			if !space {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = r == ' '
		b.WriteRune(r)
		if b.Len() >= limit {
			break
		}
	}
	return strings.TrimSpace(b.String())
}

// asciiOnly replaces non-ASCII runes with '?' (for the text/plain part of a
// non-global DSN).
func asciiOnly(s string) string {
	if isASCII(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r >= 0x80 {
			r = '?'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func addrType(addr string) string {
	if isASCII(addr) {
		return "rfc822"
	}
	return "utf-8" // RFC 6533 §3
}

func newBoundary() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "=_dsn_" + hex.EncodeToString(b[:])
}

// Reader returns the DSN as an RFC 5322 message with CRLF line endings:
// a multipart/report (RFC 6522) whose parts are a human-readable
// explanation, the message/delivery-status report (RFC 3464) and, when
// Original is set, the returned message or its header (RFC 3461 §6.2).
func (m *dsnMessage) Reader(messageID string) io.Reader {
	boundary := newBoundary()
	date := m.Date.Format(time.RFC1123Z)
	subject := "Delivery Status Notification"
	switch m.Recipients[0].Action {
	case ActionFailed:
		subject = "Undelivered Mail Returned to Sender"
	case ActionDelayed:
		subject = "Delayed Mail (still being retried)"
	case ActionRelayed:
		subject = "Successful Mail Delivery Report"
	}
	statusType, msgType := "message/delivery-status", "message/rfc822"
	if m.Global {
		statusType, msgType = "message/global-delivery-status", "message/global"
	}
	if m.Headers {
		msgType = "text/rfc822-headers"
		if m.Global {
			msgType = "message/global-headers"
		}
	}

	var h strings.Builder
	h.WriteString("From: Mail Delivery System <MAILER-DAEMON@" + m.ReportingMTA + ">\r\n")
	h.WriteString("To: <" + m.Sender + ">\r\n")
	h.WriteString("Subject: " + subject + "\r\n")
	h.WriteString("Date: " + date + "\r\n")
	h.WriteString("Message-ID: <" + messageID + ">\r\n")
	h.WriteString("Auto-Submitted: auto-replied\r\n") // RFC 3834 §5
	h.WriteString("MIME-Version: 1.0\r\n")
	h.WriteString("Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"" + boundary + "\"\r\n")
	h.WriteString("\r\nThis is a MIME-encapsulated delivery status notification.\r\n")

	// Part 1: for humans.
	h.WriteString("\r\n--" + boundary + "\r\n")
	h.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	h.WriteString("This is the mail system at host " + m.ReportingMTA + ".\r\n\r\n")
	switch m.Recipients[0].Action {
	case ActionFailed:
		h.WriteString("Your message could not be delivered to one or more recipients.\r\nIt has been returned below.\r\n\r\n")
	case ActionDelayed:
		h.WriteString("Your message has not been delivered yet to one or more recipients.\r\nThe mail system will keep trying; you do not need to resend it.\r\n\r\n")
	case ActionRelayed:
		h.WriteString("Your message was handed on to a system that does not report delivery.\r\n\r\n")
	}
	for _, r := range m.Recipients {
		h.WriteString("<" + r.Rcpt.Addr + ">: ")
		if r.Reply != nil {
			if r.RemoteMTA != "" {
				h.WriteString("host " + r.RemoteMTA + " said: ")
			}
			h.WriteString(dsnText(strconv.Itoa(r.Reply.Code)+" "+enhancedPrefix(r.Reply)+r.Reply.Message, 900))
		} else {
			h.WriteString(r.Action)
		}
		h.WriteString("\r\n")
	}

	// Part 2: the machine-readable report (RFC 3464 §2.1).
	h.WriteString("\r\n--" + boundary + "\r\n")
	h.WriteString("Content-Type: " + statusType + "\r\n\r\n")
	if m.EnvelopeID != "" {
		h.WriteString("Original-Envelope-Id: " + dsnText(m.EnvelopeID, 100) + "\r\n")
	}
	h.WriteString("Reporting-MTA: dns; " + m.ReportingMTA + "\r\n")
	if !m.Arrival.IsZero() {
		h.WriteString("Arrival-Date: " + m.Arrival.Format(time.RFC1123Z) + "\r\n")
	}
	for _, r := range m.Recipients {
		h.WriteString("\r\n")
		if r.Rcpt.ORCPT != "" {
			typ := r.Rcpt.ORCPTType
			if typ == "" {
				typ = "rfc822"
			}
			h.WriteString("Original-Recipient: " + dsnText(typ, 40) + "; " + dsnText(r.Rcpt.ORCPT, 500) + "\r\n")
		}
		h.WriteString("Final-Recipient: " + addrType(r.Rcpt.Addr) + "; " + dsnText(r.Rcpt.Addr, 500) + "\r\n")
		h.WriteString("Action: " + r.Action + "\r\n")
		h.WriteString("Status: " + formatStatus(r.Status) + "\r\n")
		if r.RemoteMTA != "" {
			h.WriteString("Remote-MTA: dns; " + dsnText(r.RemoteMTA, 255) + "\r\n")
		}
		if r.Reply != nil {
			diag := strconv.Itoa(r.Reply.Code) + " " + enhancedPrefix(r.Reply) + r.Reply.Message
			if !m.Global {
				diag = asciiOnly(diag)
			}
			h.WriteString("Diagnostic-Code: smtp; " + dsnText(diag, 900) + "\r\n")
		}
		if !r.LastAttempt.IsZero() {
			h.WriteString("Last-Attempt-Date: " + r.LastAttempt.Format(time.RFC1123Z) + "\r\n")
		}
		if !r.WillRetryUntil.IsZero() {
			h.WriteString("Will-Retry-Until: " + r.WillRetryUntil.Format(time.RFC1123Z) + "\r\n")
		}
	}

	if m.Original == nil {
		h.WriteString("\r\n--" + boundary + "--\r\n")
		return strings.NewReader(h.String())
	}
	// Part 3: the returned message or its header.
	h.WriteString("\r\n--" + boundary + "\r\n")
	h.WriteString("Content-Type: " + msgType + "\r\n")
	if !m.Headers {
		h.WriteString("Content-Transfer-Encoding: 8bit\r\n")
	}
	h.WriteString("\r\n")
	return io.MultiReader(strings.NewReader(h.String()), &crlfEnsurer{r: m.Original},
		strings.NewReader("\r\n--"+boundary+"--\r\n"))
}

func enhancedPrefix(e *smtp.Error) string {
	if e.EnhancedCode == smtp.NoEnhancedCode {
		return ""
	}
	return formatStatus(e.EnhancedCode) + " "
}

// crlfEnsurer passes r through and, at EOF, adds a CRLF when r did not end
// with one, so the closing boundary starts on its own line.
type crlfEnsurer struct {
	r     io.Reader
	last  [2]byte
	n     int64
	added bool
	tail  []byte
}

func (c *crlfEnsurer) Read(p []byte) (int, error) {
	if c.tail != nil {
		n := copy(p, c.tail)
		c.tail = c.tail[n:]
		if len(c.tail) == 0 {
			return n, io.EOF
		}
		return n, nil
	}
	n, err := c.r.Read(p)
	if n > 0 {
		c.n += int64(n)
		if n >= 2 {
			c.last = [2]byte{p[n-2], p[n-1]}
		} else {
			c.last = [2]byte{c.last[1], p[0]}
		}
	}
	if err == io.EOF && !c.added {
		c.added = true
		if c.n > 0 && c.last != [2]byte{'\r', '\n'} {
			c.tail = []byte("\r\n")
			if n > 0 {
				return n, nil
			}
			return c.Read(p)
		}
	}
	return n, err
}
