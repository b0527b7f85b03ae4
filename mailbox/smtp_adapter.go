package mailbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mailwire/mailwire/smtp"
)

// SMTPBackend makes a Store the receiving end of an smtp.Server: an MX
// (RCPT for local users only), a submission server (authenticated sessions
// may also send to other domains through Outbound) or, with
// smtp.Server.LMTP, an LMTP delivery agent with one reply per recipient
// (RFC 2033 §4.2).
//
// The message is acknowledged (250) only when it is durable in every local
// recipient's INBOX and, for remote recipients, queued durably by Outbound
// (ARCHITECTURE rule 3). Local deliveries get Return-Path and Received
// trace fields (RFC 5321 §4.4); relayed mail gets Received only.
//
// Sending limits per account and per IP are the smtp.Server's RateLimiter;
// set it on submission servers. An MX (port 25) should not offer AUTH at
// all, so that nobody can relay there past the submission port's limits:
// build it with [NewMXBackend] (or set NoAuth).
type SMTPBackend struct {
	Store Store
	// Outbound relays mail of authenticated sessions to non-local
	// domains; nil refuses all relaying (550 5.7.1).
	Outbound Outbound
	// NoAuth makes the sessions offer no AUTH mechanism (they implement
	// neither smtp.PasswordSession nor smtp.ScramSession), so nobody can
	// authenticate and no mail is relayed: the MX setting.
	NoAuth bool
	// AnySender lets an authenticated user give any MAIL FROM address.
	// By default an authenticated session may only use an address that
	// resolves (ResolveRecipient: own address, sub-address or alias) to
	// the authenticated user, and not the null sender; others get 553
	// 5.7.1 (RFC 6409 §6.1 lets the MSA check the envelope sender). Set it
	// for trusted relays that submit on behalf of others. Sessions that
	// did not authenticate are not affected.
	AnySender bool
	// Hostname names this host in Received fields (default os.Hostname).
	Hostname string
	// SpoolDir holds the temporary copy of a message with several
	// recipients (default os.TempDir()).
	SpoolDir string
	// Now is the clock for Received dates (default time.Now).
	Now func() time.Time
	// Logger receives internal errors (default slog.Default()).
	Logger *slog.Logger
}

// NewSMTPBackend returns a backend delivering into s and relaying through
// out (which may be nil): a submission server's backend.
func NewSMTPBackend(s Store, out Outbound) *SMTPBackend {
	return &SMTPBackend{Store: s, Outbound: out}
}

// NewMXBackend returns the backend of an MX: mail for local users only, no
// AUTH offered, no relaying.
func NewMXBackend(s Store) *SMTPBackend {
	return &SMTPBackend{Store: s, NoAuth: true}
}

var _ smtp.Backend = (*SMTPBackend)(nil)

// SMTP replies of the adapter.
var (
	errUnknownUser    = &smtp.Error{Code: 550, EnhancedCode: [3]int{5, 1, 1}, Message: "No such user here"}
	errRelayDenied    = &smtp.Error{Code: 550, EnhancedCode: [3]int{5, 7, 1}, Message: "Relaying denied"}
	errMailboxFull    = &smtp.Error{Code: 452, EnhancedCode: [3]int{4, 2, 2}, Message: "Mailbox full"}
	errOverQuota      = &smtp.Error{Code: 552, EnhancedCode: [3]int{5, 2, 2}, Message: "Mailbox full: message exceeds the recipient's quota"}
	errTooBig         = &smtp.Error{Code: 552, EnhancedCode: [3]int{5, 3, 4}, Message: "Message too big for the mailbox"}
	errLocalFailure   = &smtp.Error{Code: 451, EnhancedCode: [3]int{4, 3, 0}, Message: "Local error in processing, try again later"}
	errBadSender      = &smtp.Error{Code: 553, EnhancedCode: [3]int{5, 1, 7}, Message: "Invalid sender address"}
	errSenderNotOwned = &smtp.Error{Code: 553, EnhancedCode: [3]int{5, 7, 1}, Message: "Sender address not owned by the authenticated user"}
	errNoTransaction  = &smtp.Error{Code: 503, EnhancedCode: [3]int{5, 5, 1}, Message: "No valid recipients"}
)

func (b *SMTPBackend) hostname() string {
	if b.Hostname != "" {
		return b.Hostname
	}
	if h, err := os.Hostname(); err == nil {
		return h
	}
	return "localhost"
}

func (b *SMTPBackend) logger() *slog.Logger {
	if b.Logger != nil {
		return b.Logger
	}
	return slog.Default()
}

// NewSession implements smtp.Backend.
func (b *SMTPBackend) NewSession(ctx context.Context, c *smtp.Conn) (smtp.Session, error) {
	s := &smtpSession{b: b, conn: c}
	if b.NoAuth {
		return s, nil
	}
	return smtpAuthSession{s}, nil
}

// smtpAuthSession is a session that offers AUTH: the smtp server looks for
// the AUTH interfaces on the session value.
type smtpAuthSession struct{ *smtpSession }

var (
	_ smtp.PasswordSession = smtpAuthSession{}
	_ smtp.ScramSession    = smtpAuthSession{}
)

type smtpSession struct {
	b       *SMTPBackend
	conn    *smtp.Conn
	authed  string // the authenticated account
	from    string
	hasMail bool
	rcpts   []smtpRcpt
	remote  []string
	env     RelayEnvelope // DSN parameters for an EnvelopeOutbound
}

type smtpRcpt struct {
	addr string // as given to RCPT
	user string
}

// AuthPassword implements smtp.PasswordSession (PLAIN, LOGIN).
func (s smtpAuthSession) AuthPassword(ctx context.Context, identity, username, password string) error {
	if err := s.b.Store.VerifyPassword(ctx, username, password); err != nil {
		if errors.Is(err, ErrAuthFailed) || errors.Is(err, ErrNoSuchUser) {
			return smtp.ErrAuthFailed
		}
		return err
	}
	if identity != "" && normUser(identity) != normUser(username) {
		return smtp.ErrAuthFailed // no proxy authorization
	}
	return nil
}

// ScramCredentials implements smtp.ScramSession (SCRAM-SHA-256).
func (s smtpAuthSession) ScramCredentials(ctx context.Context, username string) (smtp.ScramCredentials, error) {
	c, err := s.b.Store.ScramCredentials(ctx, username)
	if errors.Is(err, ErrNoSuchUser) {
		return c, smtp.ErrAuthFailed
	}
	return c, err
}

// authenticated reports whether the connection authenticated: the server
// records the identity only on success.
func (s *smtpSession) authenticated() bool { return s.conn.AuthIdentity() != "" }

func (s *smtpSession) Mail(ctx context.Context, from string, opts *smtp.MailOptions) error {
	s.reset()
	if strings.ContainsAny(from, "\r\n") {
		return errBadSender
	}
	if user := s.conn.AuthIdentity(); user != "" && !s.b.AnySender {
		if err := s.checkSender(ctx, user, from); err != nil {
			return err
		}
	}
	s.from, s.hasMail = from, true
	if opts != nil {
		s.env = RelayEnvelope{From: from, EnvelopeID: opts.EnvelopeID, Return: string(opts.Return), BodyType: string(opts.Body), SMTPUTF8: opts.SMTPUTF8}
	} else {
		s.env = RelayEnvelope{From: from}
	}
	return nil
}

// checkSender refuses a MAIL FROM that the authenticated user does not
// own; the null sender is for bounces, which users do not submit.
func (s *smtpSession) checkSender(ctx context.Context, user, from string) error {
	if from == "" {
		return errSenderNotOwned
	}
	owner, err := s.b.Store.ResolveRecipient(ctx, from)
	switch {
	case errors.Is(err, ErrNotLocal), errors.Is(err, ErrNoSuchUser):
		return errSenderNotOwned
	case err != nil:
		s.b.logger().Error("mailbox: smtp: resolve sender", "from", from, "err", err)
		return errLocalFailure
	case normUser(owner) != normUser(user):
		return errSenderNotOwned
	}
	return nil
}

func (s *smtpSession) Rcpt(ctx context.Context, to string, opts *smtp.RcptOptions) error {
	user, err := s.b.Store.ResolveRecipient(ctx, to)
	switch {
	case errors.Is(err, ErrNotLocal):
		// RFC 5321 §3.6.1: relay only for authenticated clients (no open relay).
		if !s.authenticated() || s.b.Outbound == nil {
			return errRelayDenied
		}
		s.remote = append(s.remote, to)
		rr := RelayRecipient{Addr: to}
		if opts != nil {
			rr.ORCPTType, rr.ORCPT = opts.OriginalRecipientType, opts.OriginalRecipient
			for _, n := range opts.Notify {
				rr.Notify = append(rr.Notify, string(n))
			}
		}
		s.env.Rcpts = append(s.env.Rcpts, rr)
		return nil
	case errors.Is(err, ErrNoSuchUser):
		return errUnknownUser
	case err != nil:
		s.b.logger().Error("mailbox: smtp: resolve recipient", "rcpt", to, "err", err)
		return errLocalFailure
	}
	// A full mailbox is refused early and temporarily (RFC 3463 X.2.2).
	if q, err := s.b.Store.GetQuota(ctx, user); err == nil {
		if q.StorageLimit > 0 && q.StorageUsed >= q.StorageLimit || q.MessageLimit > 0 && q.MessagesUsed >= q.MessageLimit {
			return errMailboxFull
		}
	}
	s.rcpts = append(s.rcpts, smtpRcpt{addr: to, user: user})
	return nil
}

func (s *smtpSession) Reset(ctx context.Context) { s.reset() }

func (s *smtpSession) reset() {
	s.from, s.hasMail, s.rcpts, s.remote, s.env = "", false, nil, nil, RelayEnvelope{}
}

func (s *smtpSession) Logout(ctx context.Context) error { return nil }

// Data implements smtp.Session: one result for all recipients.
func (s *smtpSession) Data(ctx context.Context, r io.Reader) error {
	var first error
	err := s.deliver(ctx, r, func(rcpt string, err error) {
		if err != nil && first == nil {
			first = err
		}
	})
	if err != nil {
		return err
	}
	return first
}

// LMTPData implements smtp.LMTPSession: one result per recipient.
func (s *smtpSession) LMTPData(ctx context.Context, r io.Reader, status smtp.StatusCollector) error {
	return s.deliver(ctx, r, status.SetStatus)
}

var spoolSeq atomic.Uint64

// deliver stores the message for every local recipient and hands it to
// Outbound for the remote ones, reporting each result.
func (s *smtpSession) deliver(ctx context.Context, r io.Reader, report func(rcpt string, err error)) error {
	if !s.hasMail || len(s.rcpts)+len(s.remote) == 0 {
		io.Copy(io.Discard, r)
		return errNoTransaction
	}
	received := s.receivedField()
	// One local recipient and nothing to relay: stream straight into the
	// store, no extra copy.
	if len(s.rcpts) == 1 && len(s.remote) == 0 {
		rc := s.rcpts[0]
		body := io.MultiReader(strings.NewReader(s.returnPath()+received(rc.addr)), r)
		_, err := s.b.Store.Append(ctx, rc.user, "INBOX", body, nil, time.Time{})
		if err != nil && !isStoreError(err) {
			// The reader's own failure (size limit, broken connection):
			// the server answers for it.
			return err
		}
		report(rc.addr, s.mapErr(err, rc))
		return nil
	}
	// Several recipients: spool once, then deliver from the spool.
	f, err := os.CreateTemp(s.b.SpoolDir, "mailwire-spool-*")
	if err != nil {
		s.b.logger().Error("mailbox: smtp: spool", "err", err)
		io.Copy(io.Discard, r)
		return errLocalFailure
	}
	defer os.Remove(f.Name())
	defer f.Close()
	n, err := io.Copy(f, r)
	if err != nil {
		return err
	}
	delivered := map[string]error{} // user -> result: an alias and its target get one copy
	for _, rc := range s.rcpts {
		if err, ok := delivered[rc.user]; ok {
			report(rc.addr, err)
			continue
		}
		head := s.returnPath() + received(rc.addr)
		if len(s.rcpts) > 1 {
			head = s.returnPath() + received("")
		}
		body := io.MultiReader(strings.NewReader(head), io.NewSectionReader(f, 0, n))
		_, err := s.b.Store.Append(ctx, rc.user, "INBOX", body, nil, time.Time{})
		err = s.mapErr(err, rc)
		delivered[rc.user] = err
		report(rc.addr, err)
	}
	if len(s.remote) > 0 {
		body := io.MultiReader(strings.NewReader(received("")), io.NewSectionReader(f, 0, n))
		var err error
		if eo, ok := s.b.Outbound.(EnvelopeOutbound); ok {
			env := s.env // a copy: the session may start a new transaction
			err = eo.RelayEnvelope(ctx, &env, body)
		} else {
			err = s.b.Outbound.Relay(ctx, s.from, s.remote, body)
		}
		if err != nil {
			var se *smtp.Error
			if !errors.As(err, &se) {
				s.b.logger().Error("mailbox: smtp: relay", "err", err)
				err = errLocalFailure
			}
		}
		for _, to := range s.remote {
			report(to, err)
		}
	}
	return nil
}

func isStoreError(err error) bool {
	for _, e := range []error{ErrOverQuota, ErrTooBig, ErrNoSuchUser, ErrNoSuchMailbox, ErrClosed} {
		if errors.Is(err, e) {
			return true
		}
	}
	var pe *os.PathError
	return errors.As(err, &pe)
}

func (s *smtpSession) mapErr(err error, rc smtpRcpt) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrOverQuota):
		return errOverQuota
	case errors.Is(err, ErrTooBig):
		return errTooBig
	case errors.Is(err, ErrNoSuchUser), errors.Is(err, ErrNoSuchMailbox):
		return errUnknownUser
	}
	s.b.logger().Error("mailbox: smtp: delivery", "user", rc.user, "err", err)
	return errLocalFailure
}

// returnPath is the Return-Path field the final delivery adds (RFC 5321
// §4.4: "<>" for the null reverse-path).
func (s *smtpSession) returnPath() string {
	return "Return-Path: <" + s.from + ">\r\n"
}

// receivedField returns a builder of the Received trace field (RFC 5321
// §4.4, "Time-stamp-line"): from the client's EHLO name and address, by
// this host, with the protocol (RFC 3848: ESMTP, ESMTPS, ESMTPA, ESMTPSA,
// LMTP), for the recipient when there is exactly one.
func (s *smtpSession) receivedField() func(rcpt string) string {
	helo := sanitizeTrace(s.conn.Hostname())
	if helo == "" {
		helo = "unknown"
	}
	ip := "unknown"
	if a, ok := s.conn.RemoteAddr().(*net.TCPAddr); ok {
		ip = a.IP.String()
		if a.IP.To4() == nil {
			ip = "IPv6:" + ip
		}
	}
	proto := "ESMTP"
	if s.conn.Server() != nil && s.conn.Server().LMTP {
		proto = "LMTP"
	} else {
		if s.conn.TLS() != nil {
			proto += "S"
		}
		if s.authenticated() {
			proto += "A"
		}
	}
	now := time.Now
	if s.b.Now != nil {
		now = s.b.Now
	}
	date := now().Format(time.RFC1123Z)
	id := fmt.Sprintf("%x%04x", now().UnixNano(), spoolSeq.Add(1)&0xffff)
	host := s.b.hostname()
	return func(rcpt string) string {
		var sb strings.Builder
		sb.Grow(160)
		sb.WriteString("Received: from ")
		sb.WriteString(helo)
		sb.WriteString(" ([")
		sb.WriteString(ip)
		sb.WriteString("])\r\n\tby ")
		sb.WriteString(host)
		sb.WriteString(" (mailwire) with ")
		sb.WriteString(proto)
		sb.WriteString(" id ")
		sb.WriteString(id)
		if rcpt != "" {
			sb.WriteString("\r\n\tfor <")
			sb.WriteString(sanitizeTrace(rcpt))
			sb.WriteString(">")
		}
		sb.WriteString("; ")
		sb.WriteString(date)
		sb.WriteString("\r\n")
		return sb.String()
	}
}

// sanitizeTrace keeps client-supplied text from breaking the header.
func sanitizeTrace(s string) string {
	if len(s) > 255 {
		s = s[:255]
	}
	return strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || r == '(' || r == ')' || r == '<' || r == '>' || r == ';' {
			return -1
		}
		return r
	}, s)
}
