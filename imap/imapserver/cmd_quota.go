package imapserver

import (
	"context"
	"errors"
	"strings"
)

// QuotaUser is implemented by Users whose store keeps quotas: the QUOTA
// extension (RFC 9208). The server answers GETQUOTA and GETQUOTAROOT with
// NO when the User does not implement it.
type QuotaUser interface {
	// QuotaRoots returns the names of the quota roots mailbox belongs to
	// (often one: "" for the user's whole account, RFC 9208 §3). It
	// returns ErrNoSuchMailbox for a mailbox that does not exist.
	QuotaRoots(ctx context.Context, mailbox string) ([]string, error)
	// Quota returns the usage and limit of every resource a root limits
	// (STORAGE in units of 1024 octets, MESSAGE as a count, RFC 9208 §5),
	// or ErrNoSuchQuotaRoot.
	Quota(ctx context.Context, root string) ([]QuotaResource, error)
}

// QuotaSetter is implemented by Users allowed to change limits with
// SETQUOTA (RFC 9208 §4.1.3). It returns the root's resources after the
// change (the server may round limits) or an *imap.Error such as NO
// [NOPERM].
type QuotaSetter interface {
	SetQuota(ctx context.Context, root string, limits []QuotaResource) ([]QuotaResource, error)
}

// QuotaResource is one resource of a quota root (RFC 9208 §5): STORAGE
// (KiB), MESSAGE, MAILBOX, ANNOTATION-STORAGE. Usage is ignored by
// SETQUOTA.
type QuotaResource struct {
	Name  string // upper case
	Usage uint64
	Limit uint64
}

// ErrNoSuchQuotaRoot is what QuotaUser.Quota returns for an unknown root;
// the client gets NO [NONEXISTENT].
var ErrNoSuchQuotaRoot = errors.New("imapserver: no such quota root")

// maxQuotaResources bounds the resources of one SETQUOTA (rule 5); RFC
// 9208 §5 defines four.
const maxQuotaResources = 16

func (c *conn) quotaUser() (QuotaUser, *status) {
	qu, ok := c.user.(QuotaUser)
	if !ok {
		return nil, no("CANNOT", "Quotas are not supported")
	}
	return qu, nil
}

// cmdGetQuota implements GETQUOTA (RFC 9208 §4.1.1).
func (c *conn) cmdGetQuota(bool) *status {
	c.expectSP()
	root := c.astring()
	c.expectEnd()
	qu, st := c.quotaUser()
	if st != nil {
		return st
	}
	res, err := qu.Quota(c.ctx, root)
	if err != nil {
		return c.quotaError("GETQUOTA", err)
	}
	c.writeQuota(root, res)
	return ok("GETQUOTA completed")
}

// cmdGetQuotaRoot implements GETQUOTAROOT (RFC 9208 §4.1.2): the QUOTAROOT
// response, then a QUOTA response for each root.
func (c *conn) cmdGetQuotaRoot(bool) *status {
	c.expectSP()
	name := c.mailboxName()
	c.expectEnd()
	qu, st := c.quotaUser()
	if st != nil {
		return st
	}
	roots, err := qu.QuotaRoots(c.ctx, name)
	if err != nil {
		return c.quotaError("GETQUOTAROOT", err)
	}
	b := append([]byte("* QUOTAROOT "), appendAString(nil, c.encodeMailbox(name))...)
	for _, r := range roots {
		b = append(b, ' ')
		b = appendQuotaRoot(b, r)
	}
	b = append(b, "\r\n"...)
	c.bw.Write(b)
	for _, r := range roots {
		res, err := qu.Quota(c.ctx, r)
		if err != nil {
			return c.quotaError("GETQUOTAROOT", err)
		}
		c.writeQuota(r, res)
	}
	return ok("GETQUOTAROOT completed")
}

// cmdSetQuota implements SETQUOTA (RFC 9208 §4.1.3).
func (c *conn) cmdSetQuota(bool) *status {
	c.expectSP()
	root := c.astring()
	c.expectSP()
	c.openParen()
	var limits []QuotaResource
	for c.peek() != ')' {
		if len(limits) > 0 {
			c.expectSP()
		}
		if len(limits) == maxQuotaResources {
			c.fail("Too many quota resources")
		}
		name := c.atomUpper()
		c.expectSP()
		limits = append(limits, QuotaResource{Name: name, Limit: c.number64()})
	}
	c.closeParen()
	c.expectEnd()
	qu, st := c.quotaUser()
	if st != nil {
		return st
	}
	qs, ok2 := qu.(QuotaSetter)
	if !ok2 {
		return no("NOPERM", "Quota limits cannot be changed over IMAP")
	}
	res, err := qs.SetQuota(c.ctx, root, limits)
	if err != nil {
		return c.quotaError("SETQUOTA", err)
	}
	c.writeQuota(root, res)
	return ok("SETQUOTA completed")
}

func (c *conn) quotaError(op string, err error) *status {
	if errors.Is(err, ErrNoSuchQuotaRoot) {
		return no("NONEXISTENT", "No such quota root")
	}
	return c.backendError(op, err)
}

// writeQuota sends "* QUOTA root (NAME usage limit ...)" (RFC 9208 §4.2.1).
func (c *conn) writeQuota(root string, res []QuotaResource) {
	b := append([]byte("* QUOTA "), appendQuotaRoot(nil, root)...)
	b = append(b, " ("...)
	for i, r := range res {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, strings.ToUpper(r.Name)...)
		b = append(b, ' ')
		b = appendUint(b, r.Usage)
		b = append(b, ' ')
		b = appendUint(b, r.Limit)
	}
	b = append(b, ")\r\n"...)
	c.bw.Write(b)
}

// appendQuotaRoot writes a root name; the empty root is "" as in RFC 9208
// §4.2.
func appendQuotaRoot(b []byte, root string) []byte {
	if root == "" {
		return append(b, `""`...)
	}
	return appendAString(b, root)
}
