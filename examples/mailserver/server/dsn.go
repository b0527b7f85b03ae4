package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mailwire/mailwire/mailbox"
)

// maxDSNSize bounds a delivery status notification read into memory: the
// queue returns at most MaxDSNReturnSize (256 KiB) of the original.
const maxDSNSize = 1 << 20

// deliverDSN is the queue's SendDSN: a bounce for a local sender goes
// straight into the sender's INBOX; one for a remote sender is queued
// like any other message (from the null reverse-path, RFC 5321 §4.5.5).
func (in *Instance) deliverDSN(ctx context.Context, from string, to []string, body io.Reader) error {
	data, err := io.ReadAll(io.LimitReader(body, maxDSNSize+1))
	if err != nil {
		return err
	}
	if len(data) > maxDSNSize {
		return errors.New("delivery status notification too large")
	}
	var remote []string
	var errs []error
	for _, rcpt := range to {
		user, err := in.Store.ResolveRecipient(ctx, rcpt)
		switch {
		case errors.Is(err, mailbox.ErrNotLocal):
			remote = append(remote, rcpt)
			continue
		case err != nil:
			// A local sender that no longer exists: nobody to tell.
			in.Logger.Warn("dropping DSN for unknown local sender", "to", rcpt, "err", err)
			continue
		}
		head := fmt.Sprintf("Return-Path: <>\r\nDelivered-To: %s\r\nReceived: by %s (mailwire) for <%s>; %s\r\n",
			rcpt, in.Config.Hostname, rcpt, time.Now().Format(time.RFC1123Z))
		r := io.MultiReader(strings.NewReader(head), bytes.NewReader(data))
		if _, err := in.Store.Append(ctx, user, "INBOX", r, nil, time.Time{}); err != nil {
			errs = append(errs, fmt.Errorf("delivering DSN to %s: %w", rcpt, err))
			continue
		}
		in.Logger.Info("DSN delivered locally", "to", rcpt)
	}
	if len(remote) > 0 {
		if err := in.Queue.Relay(ctx, from, remote, bytes.NewReader(data)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
