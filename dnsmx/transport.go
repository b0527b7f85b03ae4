package dnsmx

import (
	"context"
	"io"
	"strings"

	"github.com/mailwire/mailwire/smtp"
)

// Recipient is one envelope recipient with its RFC 3461 DSN parameters.
type Recipient struct {
	Addr string
	// Notify is the NOTIFY= list (RFC 3461 §4.1); nil means absent, which
	// this package treats as FAILURE,DELAY (allowed by §4.1).
	Notify []smtp.DSNNotify `json:",omitempty"`
	// ORCPTType and ORCPT are the ORCPT= parameter (RFC 3461 §4.2),
	// address-type (e.g. "rfc822") and the decoded original address.
	ORCPTType string `json:",omitempty"`
	ORCPT     string `json:",omitempty"`
}

// wants reports whether the recipient asked for DSNs of kind n.
func (r *Recipient) wants(n smtp.DSNNotify) bool {
	if len(r.Notify) == 0 {
		return n == smtp.DSNNotifyFailure || n == smtp.DSNNotifyDelayed
	}
	for _, v := range r.Notify {
		if strings.EqualFold(string(v), string(smtp.DSNNotifyNever)) {
			return false
		}
		if strings.EqualFold(string(v), string(n)) {
			return true
		}
	}
	return false
}

// Delivery is one message for the recipients at one domain: what a
// Transport delivers.
type Delivery struct {
	Domain     string
	From       string // reverse-path; "" is the null sender <>
	Rcpts      []Recipient
	EnvelopeID string         // ENVID (RFC 3461 §4.4), "" when absent
	Return     smtp.DSNReturn // RET (RFC 3461 §4.3), "" when absent
	BodyType   smtp.BodyType  // BODY= (RFC 6152, RFC 3030), "" when absent
	SMTPUTF8   bool           // the envelope needs SMTPUTF8 (RFC 6531)
	Size       int64          // message size in octets, 0 when unknown
	// Body returns a fresh reader of the whole message for each attempt
	// (several hosts may be tried).
	Body func() io.Reader
}

// Status is a recipient's delivery outcome.
type Status int

const (
	// StatusDelivered: a remote server accepted responsibility (2yz).
	StatusDelivered Status = iota + 1
	// StatusTemporary: try again later (4yz, no host reachable, DNS
	// trouble, TLS policy not met yet).
	StatusTemporary
	// StatusPermanent: give up and tell the sender (5yz, null MX,
	// NXDOMAIN).
	StatusPermanent
)

func (s Status) String() string {
	switch s {
	case StatusDelivered:
		return "delivered"
	case StatusTemporary:
		return "temporary"
	case StatusPermanent:
		return "permanent"
	}
	return "unknown"
}

// Result is the outcome for one recipient of a Delivery.
type Result struct {
	Rcpt   string
	Status Status
	// Reply is the failure reply: the remote server's, or one this package
	// made up for local conditions (DNS errors, unreachable hosts, TLS
	// policy) with a fitting RFC 3463 enhanced code. Nil when delivered.
	Reply *smtp.Error
	// Response is the remote's reply text on success (often a queue id).
	Response string
	// RemoteMTA is the host name (or address) that gave the reply; "" when
	// no server was reached.
	RemoteMTA string
	// DSNRelayed is set when the remote advertised DSN and got the
	// recipient's DSN parameters: it now owns the DSN duty (RFC 3461 §5.2.2).
	DSNRelayed bool
}

// Transport delivers a Delivery and reports one Result per recipient, in
// order. *Relayer is the Transport that speaks SMTP to the domain's MX
// hosts; tests may use their own.
type Transport interface {
	Deliver(ctx context.Context, d *Delivery) []Result
}

// localReply makes the reply for a failure that happened here rather than
// at a remote server.
func localReply(code int, enh [3]int, msg string) *smtp.Error {
	return &smtp.Error{Code: code, EnhancedCode: enh, Message: msg}
}

// resultsFor gives every recipient of d the same outcome.
func resultsFor(d *Delivery, st Status, reply *smtp.Error, remote string) []Result {
	out := make([]Result, len(d.Rcpts))
	for i, r := range d.Rcpts {
		out[i] = Result{Rcpt: r.Addr, Status: st, Reply: reply, RemoteMTA: remote}
	}
	return out
}
