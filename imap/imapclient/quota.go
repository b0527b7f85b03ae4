package imapclient

import (
	"strings"

	"github.com/mailwire/mailwire/imap/internal/wire"
)

// QuotaResource is one resource of a quota root (RFC 9208 §5): STORAGE is
// in units of 1024 octets, MESSAGE a count.
type QuotaResource struct {
	Name  string // upper case
	Usage uint64 // ignored by SetQuota
	Limit uint64
}

// QuotaData is one QUOTA response (RFC 9208 §4.2.1).
type QuotaData struct {
	Root      string
	Resources []QuotaResource
}

// Resource returns the named resource, if the root limits it.
func (q *QuotaData) Resource(name string) (QuotaResource, bool) {
	for _, r := range q.Resources {
		if strings.EqualFold(r.Name, name) {
			return r, true
		}
	}
	return QuotaResource{}, false
}

// quotaRootData is a QUOTAROOT response (RFC 9208 §4.2.2).
type quotaRootData struct {
	mailbox string
	roots   []string
}

// QuotaCommand is a GETQUOTA, GETQUOTAROOT or SETQUOTA in flight.
type QuotaCommand struct {
	cmd    *command
	roots  []string
	quotas []QuotaData
}

// Wait returns the QUOTA responses of the command.
func (q *QuotaCommand) Wait() ([]QuotaData, error) {
	err := q.cmd.wait()
	return q.quotas, err
}

// Roots returns the quota roots a GETQUOTAROOT reported, after Wait.
func (q *QuotaCommand) Roots() []string { return q.roots }

// GetQuota sends GETQUOTA (RFC 9208 §4.1.1); the server needs the QUOTA
// capability.
func (c *Client) GetQuota(root string) *QuotaCommand {
	return c.quotaCommand("GETQUOTA", func(e *wire.Encoder) { e.String(root) }, "")
}

// GetQuotaRoot sends GETQUOTAROOT (RFC 9208 §4.1.2): the roots of mailbox
// (Roots) and their usage and limits (Wait).
func (c *Client) GetQuotaRoot(mailbox string) *QuotaCommand {
	return c.quotaCommand("GETQUOTAROOT", func(e *wire.Encoder) { c.mailboxArg(e, mailbox) }, mailbox)
}

// SetQuota sends SETQUOTA (RFC 9208 §4.1.3, capability QUOTASET) with new
// limits; Usage is ignored. Wait returns the root after the change.
func (c *Client) SetQuota(root string, limits []QuotaResource) *QuotaCommand {
	return c.quotaCommand("SETQUOTA", func(e *wire.Encoder) {
		e.String(root).SP().BeginList()
		for i, l := range limits {
			if i > 0 {
				e.SP()
			}
			e.Atom(strings.ToUpper(l.Name)).SP().Number64(l.Limit)
		}
		e.EndList()
	}, "")
}

func (c *Client) quotaCommand(name string, args func(e *wire.Encoder), mailbox string) *QuotaCommand {
	qc := &QuotaCommand{}
	qc.cmd = c.start(name, func(e *wire.Encoder) error {
		e.SP()
		args(e)
		return nil
	}, func(cmd *command) {
		cmd.wantsData = func(k string) bool { return k == "QUOTA" || k == "QUOTAROOT" }
		cmd.onData = func(u *untagged) bool {
			switch d := u.ext.(type) {
			case *QuotaData:
				qc.quotas = append(qc.quotas, *d)
				return true
			case *quotaRootData:
				if name == "GETQUOTAROOT" && qc.roots == nil {
					qc.roots = append([]string{}, d.roots...)
					return true
				}
			}
			return false
		}
	})
	return qc
}

// readQuota parses the rest of "* QUOTA root (NAME usage limit ...)".
func (c *Client) readQuota() (*QuotaData, error) {
	d := c.dec
	if err := d.SP(); err != nil {
		return nil, err
	}
	root, err := d.AString()
	if err != nil {
		return nil, err
	}
	if err := d.SP(); err != nil {
		return nil, err
	}
	q := &QuotaData{Root: root}
	err = d.List(func() error {
		name, err := d.Atom()
		if err != nil {
			return err
		}
		r := QuotaResource{Name: strings.ToUpper(name)}
		if err := d.SP(); err != nil {
			return err
		}
		if r.Usage, err = d.Number64(); err != nil {
			return err
		}
		if err := d.SP(); err != nil {
			return err
		}
		if r.Limit, err = d.Number64(); err != nil {
			return err
		}
		q.Resources = append(q.Resources, r)
		return nil
	})
	return q, err
}

// readQuotaRoot parses the rest of "* QUOTAROOT mailbox *(SP root)".
func (c *Client) readQuotaRoot() (*quotaRootData, error) {
	d := c.dec
	if err := d.SP(); err != nil {
		return nil, err
	}
	mbox, err := d.AString()
	if err != nil {
		return nil, err
	}
	q := &quotaRootData{mailbox: c.mailboxName(mbox), roots: []string{}}
	for d.Accept(' ') {
		r, err := d.AString()
		if err != nil {
			return nil, err
		}
		q.roots = append(q.roots, r)
	}
	return q, nil
}
