package dnsmx

import (
	"bufio"
	"errors"
	"io"
	"net/textproto"
	"strings"
)

// Bounds of ParseDeliveryStatus.
const (
	maxDSNSize       = 1 << 20 // octets of a delivery-status body
	maxDSNLine       = 4096    // octets of one (unfolded) field
	maxDSNFields     = 10000   // fields in total
	maxDSNRecipients = 1000    // per-recipient groups
)

// ErrMalformedDSN is wrapped by every error of ParseDeliveryStatus.
var ErrMalformedDSN = errors.New("dnsmx: malformed delivery-status")

// DeliveryStatus is a parsed message/delivery-status body (RFC 3464 §2.1):
// the per-message fields and one group of fields per recipient.
type DeliveryStatus struct {
	ReportingMTA string // "dns; mx.example.com"
	EnvelopeID   string // Original-Envelope-Id, "" when absent
	PerMessage   textproto.MIMEHeader
	Recipients   []RecipientStatus
}

// RecipientStatus is one per-recipient group (RFC 3464 §2.3).
type RecipientStatus struct {
	FinalRecipient    string // the address, without its "rfc822;" type
	OriginalRecipient string // "" when absent
	Action            string // failed, delayed, delivered, relayed or expanded (lower case)
	Status            string // RFC 3463 code, e.g. "5.1.1"
	RemoteMTA         string // "" when absent
	DiagnosticCode    string // e.g. "smtp; 550 5.1.1 unknown user", "" when absent
	Fields            textproto.MIMEHeader
}

// ParseDeliveryStatus parses the content of a message/delivery-status part
// (a bounce's second part; RFC 3464 §2.1): groups of header-style fields
// separated by blank lines, the first group per message, each further one
// per recipient. Reporting-MTA, Final-Recipient, Action and Status are
// required. Input is bounded (1 MiB, 4096-octet fields, 1000 recipients).
func ParseDeliveryStatus(r io.Reader) (*DeliveryStatus, error) {
	groups, err := readFieldGroups(io.LimitReader(r, maxDSNSize+1))
	if err != nil {
		return nil, err
	}
	if len(groups) < 2 {
		return nil, malformed("no per-recipient fields")
	}
	ds := &DeliveryStatus{PerMessage: groups[0]}
	if ds.ReportingMTA = groups[0].Get("Reporting-Mta"); ds.ReportingMTA == "" {
		return nil, malformed("missing Reporting-MTA")
	}
	ds.EnvelopeID = groups[0].Get("Original-Envelope-Id")
	for _, g := range groups[1:] {
		rs := RecipientStatus{Fields: g}
		final := g.Get("Final-Recipient")
		_, addr, ok := strings.Cut(final, ";")
		if !ok {
			return nil, malformed("missing or untyped Final-Recipient")
		}
		rs.FinalRecipient = strings.TrimSpace(addr)
		if orig := g.Get("Original-Recipient"); orig != "" {
			if _, a, ok := strings.Cut(orig, ";"); ok {
				rs.OriginalRecipient = strings.TrimSpace(a)
			}
		}
		rs.Action = strings.ToLower(strings.TrimSpace(stripComment(g.Get("Action"))))
		switch rs.Action {
		case "failed", "delayed", "delivered", "relayed", "expanded":
		default:
			return nil, malformed("bad Action " + quoteShort(rs.Action))
		}
		rs.Status = strings.TrimSpace(stripComment(g.Get("Status")))
		if !validStatus(rs.Status) {
			return nil, malformed("bad Status " + quoteShort(rs.Status))
		}
		rs.RemoteMTA = g.Get("Remote-Mta")
		rs.DiagnosticCode = g.Get("Diagnostic-Code")
		ds.Recipients = append(ds.Recipients, rs)
	}
	return ds, nil
}

func malformed(why string) error { return errors.Join(ErrMalformedDSN, errors.New(why)) }

func quoteShort(s string) string {
	if len(s) > 40 {
		s = s[:40]
	}
	return `"` + s + `"`
}

// stripComment drops a trailing RFC 5322 comment: "5.1.1 (bad user)".
func stripComment(s string) string {
	if i := strings.IndexByte(s, '('); i >= 0 {
		return s[:i]
	}
	return s
}

// validStatus checks RFC 3463's status-code = class "." subject "." detail:
// class 2, 4 or 5; subject and detail 1-3 digits.
func validStatus(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 3 || len(parts[0]) != 1 || !strings.Contains("245", parts[0]) {
		return false
	}
	for _, p := range parts[1:] {
		if len(p) == 0 || len(p) > 3 {
			return false
		}
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return false
			}
		}
	}
	return true
}

// readFieldGroups reads header-style field groups separated by blank lines,
// unfolding continuation lines.
func readFieldGroups(r io.Reader) ([]textproto.MIMEHeader, error) {
	br := bufio.NewReaderSize(r, 4096)
	var groups []textproto.MIMEHeader
	var cur textproto.MIMEHeader
	var pending string // the field being unfolded
	total, fields := 0, 0
	flush := func() error {
		if pending == "" {
			return nil
		}
		name, value, ok := strings.Cut(pending, ":")
		pending = ""
		name = strings.TrimSpace(name)
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			return malformed("bad field line")
		}
		if fields++; fields > maxDSNFields {
			return malformed("too many fields")
		}
		if cur == nil {
			if len(groups) > maxDSNRecipients {
				return malformed("too many recipients")
			}
			cur = textproto.MIMEHeader{}
			groups = append(groups, cur)
		}
		cur.Add(name, strings.TrimSpace(value))
		return nil
	}
	for {
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			return nil, malformed("line too long")
		}
		total += len(line)
		if total > maxDSNSize {
			return nil, malformed("too large")
		}
		if len(line) == 0 && err != nil {
			if err != io.EOF {
				return nil, err
			}
			break
		}
		s := strings.TrimRight(string(line), "\r\n")
		switch {
		case s == "" || strings.TrimSpace(s) == "" && pending == "":
			if ferr := flush(); ferr != nil {
				return nil, ferr
			}
			cur = nil
		case s[0] == ' ' || s[0] == '\t':
			if pending == "" {
				return nil, malformed("continuation without a field")
			}
			if len(pending)+len(s) > maxDSNLine {
				return nil, malformed("field too long")
			}
			pending += " " + strings.TrimSpace(s)
		default:
			if ferr := flush(); ferr != nil {
				return nil, ferr
			}
			pending = s
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return groups, nil
}
