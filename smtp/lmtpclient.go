package smtp

import (
	"context"
	"net"
)

// DialLMTP connects to an LMTP server (RFC 2033) on network "tcp" or
// "unix", reads its greeting and sends LHLO. The returned Client speaks
// LMTP: there is no HELO fallback, and after the message data the server
// answers once per accepted recipient, so Send reports a per-recipient
// delivery result and Data's Close returns the failed recipients.
func DialLMTP(ctx context.Context, network, addr string, opts *ClientOptions) (*Client, error) {
	return clDial(ctx, network, addr, opts, false, true)
}

// NewLMTPClient starts an LMTP session on an established connection (see
// DialLMTP). On error conn is closed.
func NewLMTPClient(conn net.Conn, opts *ClientOptions) (*Client, error) {
	return clNew(context.Background(), conn, opts, "", true)
}

// IsLMTP reports whether c speaks LMTP.
func (c *Client) IsLMTP() bool { return c.lmtp }
