package smtp

import (
	"context"
	"crypto/tls"
	"log/slog"
	"net"
	"time"
)

// ClientOptions configures a Client. The zero value (or a nil *ClientOptions)
// works: every zero field means "use the default" documented beside it.
type ClientOptions struct {
	// LocalName is the host name sent with EHLO/HELO/LHLO. RFC 5321 §4.1.1.1
	// wants the client's fully-qualified domain name (or an address literal).
	// Default "localhost".
	LocalName string

	// TLSConfig is used by DialTLS and by StartTLS when it is given a nil
	// config. When ServerName is empty, the host part of the dialled address is
	// used. Default: an empty config (system roots, TLS 1.2 minimum).
	TLSConfig *tls.Config

	// DialContext opens the connection for Dial, DialTLS and DialLMTP.
	// Default (&net.Dialer{}).DialContext.
	DialContext func(ctx context.Context, network, addr string) (net.Conn, error)

	// Per-phase timeouts, RFC 5321 §4.5.3.2. Each bounds one wait for a reply
	// (or one write of a data block) and is further shortened by the deadline
	// of the context passed to Dial or Send.
	GreetingTimeout  time.Duration // initial 220 (§4.5.3.2.1); default 5 min
	CommandTimeout   time.Duration // EHLO, STARTTLS, AUTH, RSET, NOOP, VRFY, QUIT; default 5 min
	MailTimeout      time.Duration // MAIL (§4.5.3.2.2); default 5 min
	RcptTimeout      time.Duration // RCPT (§4.5.3.2.3); default 5 min
	DataInitTimeout  time.Duration // DATA until 354 (§4.5.3.2.4); default 2 min
	DataBlockTimeout time.Duration // each write of message data (§4.5.3.2.5); default 3 min
	DataTermTimeout  time.Duration // final reply after "." or BDAT LAST (§4.5.3.2.6); default 10 min

	// MaxReplyLineLength bounds one reply line in octets, CRLF excluded.
	// RFC 5321 §4.5.3.1.5 sets 512 octets as the minimum a client must accept;
	// longer lines are common in practice. Default 2048.
	MaxReplyLineLength int
	// MaxReplyLines bounds the number of lines of one multi-line reply (an
	// EHLO reply lists one extension per line). Default 128.
	MaxReplyLines int

	// ChunkSize is the size of a BDAT chunk (RFC 3030), and the largest
	// buffer a Client allocates for message data (it is sized down for
	// small messages). With PIPELINING up to 4 chunks are in flight.
	// Default 1 MiB.
	ChunkSize int
	// ChunkingThreshold: Send uses BDAT instead of DATA when the server
	// offers CHUNKING and the body is at least this many octets (when its
	// size is known), or when the body is BINARYMIME. Default 64 KiB.
	ChunkingThreshold int64
	// PipelineWindow bounds the number of commands Send writes before it
	// reads their replies (RFC 2920 §3.1 lets the client choose; a bounded
	// window keeps the server's unread replies small). Default 100.
	PipelineWindow int

	// Logger receives debug records about the session. Default: discard.
	Logger *slog.Logger
}

// Defaults for the ClientOptions fields.
const (
	DefaultClientGreetingTimeout  = 5 * time.Minute
	DefaultClientCommandTimeout   = 5 * time.Minute
	DefaultClientMailTimeout      = 5 * time.Minute
	DefaultClientRcptTimeout      = 5 * time.Minute
	DefaultClientDataInitTimeout  = 2 * time.Minute
	DefaultClientDataBlockTimeout = 3 * time.Minute
	DefaultClientDataTermTimeout  = 10 * time.Minute

	DefaultClientMaxReplyLineLength = 2048
	DefaultClientMaxReplyLines      = 128
	DefaultClientChunkSize          = 1 << 20
	DefaultClientChunkingThreshold  = 64 << 10
	DefaultClientPipelineWindow     = 100
)

// clOptions returns a copy of o with every zero field replaced by its default.
func clOptions(o *ClientOptions) ClientOptions {
	var r ClientOptions
	if o != nil {
		r = *o
	}
	clDefault(&r.LocalName, "localhost")
	clDefault(&r.GreetingTimeout, DefaultClientGreetingTimeout)
	clDefault(&r.CommandTimeout, DefaultClientCommandTimeout)
	clDefault(&r.MailTimeout, DefaultClientMailTimeout)
	clDefault(&r.RcptTimeout, DefaultClientRcptTimeout)
	clDefault(&r.DataInitTimeout, DefaultClientDataInitTimeout)
	clDefault(&r.DataBlockTimeout, DefaultClientDataBlockTimeout)
	clDefault(&r.DataTermTimeout, DefaultClientDataTermTimeout)
	clDefault(&r.MaxReplyLineLength, DefaultClientMaxReplyLineLength)
	clDefault(&r.MaxReplyLines, DefaultClientMaxReplyLines)
	clDefault(&r.ChunkSize, DefaultClientChunkSize)
	clDefault(&r.ChunkingThreshold, DefaultClientChunkingThreshold)
	clDefault(&r.PipelineWindow, DefaultClientPipelineWindow)
	if r.PipelineWindow < 3 {
		r.PipelineWindow = 3 // MAIL + one RCPT + DATA
	}
	if r.DialContext == nil {
		r.DialContext = (&net.Dialer{}).DialContext
	}
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	return r
}

func clDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}
