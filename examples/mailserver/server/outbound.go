package server

import (
	"context"
	"io"

	"github.com/mailwire/mailwire/dnsmx"
	"github.com/mailwire/mailwire/mailbox"
	"github.com/mailwire/mailwire/smtp"
)

// queueOutbound hands relayed submissions to the dnsmx queue with their
// DSN parameters (RET, ENVID, NOTIFY, ORCPT; RFC 3461), so bounces and
// success notices follow what the sender asked for.
type queueOutbound struct{ *dnsmx.Queue }

var _ mailbox.EnvelopeOutbound = queueOutbound{}

func (q queueOutbound) RelayEnvelope(ctx context.Context, env *mailbox.RelayEnvelope, body io.Reader) error {
	e := &dnsmx.Envelope{
		From:       env.From,
		EnvelopeID: env.EnvelopeID,
		Return:     smtp.DSNReturn(env.Return),
		BodyType:   smtp.BodyType(env.BodyType),
		SMTPUTF8:   env.SMTPUTF8,
		Rcpts:      make([]dnsmx.Recipient, len(env.Rcpts)),
	}
	for i, r := range env.Rcpts {
		e.Rcpts[i] = dnsmx.Recipient{Addr: r.Addr, ORCPTType: r.ORCPTType, ORCPT: r.ORCPT}
		for _, n := range r.Notify {
			e.Rcpts[i].Notify = append(e.Rcpts[i].Notify, smtp.DSNNotify(n))
		}
	}
	_, err := q.Enqueue(ctx, e, body)
	return err
}
