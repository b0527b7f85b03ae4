// Package smtp implements an ESMTP and LMTP server and client.
//
// # Server
//
// A Server accepts connections and runs the SMTP dialogue itself — the
// command table, the per-connection state (RFC 5321 §4.1.4), pipelining,
// the DATA and BDAT framing, limits and timeouts — and hands the facts to a
// Backend: NewSession at accept time (with the remote address and TLS
// state, so a backend can refuse with 554 in the greeting), then per
// session MAIL and RCPT with their parameters, the message body as an
// io.Reader, Reset and Logout. Optional Session interfaces add HELO checks
// (HelloSession), AUTH (PasswordSession, ScramSession, CramMD5Session,
// TokenSession) and LMTP per-recipient results (LMTPSession). A backend
// error of type *Error is sent as the reply; any other error is logged and
// answered 451 4.3.0, so internal text never reaches the peer. 250 after
// the data is sent only once Session.Data returned nil having read the
// whole body: acknowledged means stored.
//
// Modes: an MX (the default; port 25), a submission server (Submission:
// RFC 6409, AUTH before MAIL), implicit TLS (ListenAndServeTLS, RFC 8314,
// port 465) and LMTP (LMTP: RFC 2033, LHLO and one reply per accepted
// recipient after the data). A RateLimiter limits messages and recipients
// per authenticated account and per remote IP.
//
// Each connection is served by one goroutine. On Linux an idle plain-TCP
// connection holds no read or write buffer: buffers come from pools while
// there is input and go back while the connection waits for its next
// command, so thousands of idle connections cost little memory.
//
// # Standards
//
//   - RFC 5321 SMTP: EHLO, HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT, VRFY
//     (252), EXPN (502), HELP; paths with source routes, quoted local
//     parts and address literals (§4.1.2); reply codes (§4.2); the
//     timeouts of §4.5.3.2; strict <CRLF>.<CRLF> end of data with bare CR
//     and LF refused (§2.3.8; the SMTP smuggling class).
//   - RFC 1870 SIZE (declared size checked at MAIL, actual size enforced
//     while streaming: 552 and a bounded drain, or close).
//   - RFC 2920 PIPELINING: replies are flushed only when the input is
//     exhausted (§3.1), so a pipelined group is answered in one write.
//   - RFC 2034 / RFC 3463 ENHANCEDSTATUSCODES on every reply except the
//     greeting, EHLO/HELO/LHLO and the 334/354 intermediate replies.
//   - RFC 3030 CHUNKING (BDAT; a rejected chunk is still consumed) and
//     BINARYMIME (EnableBINARYMIME).
//   - RFC 6152 8BITMIME; RFC 6531 SMTPUTF8 (EnableSMTPUTF8).
//   - RFC 3207 STARTTLS (TLSConfig): input pipelined after STARTTLS is
//     discarded and the session starts over.
//   - RFC 4954 AUTH with initial response and "*" cancel, over TLS only
//     unless AllowInsecureAuth; mechanisms SCRAM-SHA-256 (RFC 7677),
//     PLAIN (RFC 4616), LOGIN, CRAM-MD5 (RFC 2195), OAUTHBEARER (RFC 7628)
//     and XOAUTH2; the AUTH= MAIL parameter.
//   - RFC 3461 DSN parameters RET, ENVID, NOTIFY, ORCPT (EnableDSN),
//     parsed and handed to the backend.
//   - RFC 9422 LIMITS (RCPTMAX); RFC 8689 REQUIRETLS passed through
//     (EnableREQUIRETLS, advertised over TLS only).
//   - RFC 6409 message submission, RFC 8314 implicit TLS, RFC 2033 LMTP.
//
// # Limits
//
// Every limit is a Server field; zero means the default.
//
//   - MaxLineLength (DefaultMaxLineLength, 2048): a command line. RFC 5321
//     §4.5.3.1.4 gives 512 octets, extensions lengthen it. A longer line
//     gets 500 5.5.2 and the server resynchronises at the next LF. SASL
//     response lines are bounded by DefaultMaxAuthBytes (12288).
//   - MaxMessageBytes (DefaultMaxMessageBytes, 32 MiB): advertised with
//     SIZE; a declared SIZE above it gets 552 at MAIL, a body growing past
//     it gets 552 after a drain of at most MaxMessageBytes+1 MiB (beyond
//     that the connection is closed).
//   - MaxRecipients (DefaultMaxRecipients, 100, the minimum of RFC 5321
//     §4.5.3.1.8): further RCPTs get 452 4.5.3; advertised as LIMITS
//     RCPTMAX.
//   - MaxErrors (DefaultMaxErrors, 10): syntax and sequence errors before
//     421 and close.
//   - MaxAuthFailures (DefaultMaxAuthFailures, 3) and AuthFailureDelay
//     (DefaultAuthFailureDelay, 1 s) before each 535.
//   - MaxConnections (DefaultMaxConnections, 1000): further connections
//     get 421 4.7.0 and are closed.
//   - CommandTimeout (DefaultCommandTimeout, 5 min, RFC 5321 §4.5.3.2.7),
//     DataTimeout (DefaultDataTimeout, 3 min per data block, §4.5.3.2.5)
//     and WriteTimeout (DefaultWriteTimeout, 5 min). A wait ends between
//     the timeout and 1/8 more; the client gets 421 4.4.2.
//   - RateLimiter.MaxKeys (100,000) bounds the rate limiter's memory.
//
// # Client
//
// Dial, DialTLS and NewClient return a Client with the greeting read and
// EHLO done (HELO as a fallback); DialLMTP and NewLMTPClient speak LMTP
// (RFC 2033, TCP or a unix socket). StartTLS (RFC 3207) refuses data
// injected before the handshake and repeats EHLO; Auth runs any SASLClient
// (RFC 4954, initial response, "*" cancel): PlainAuth, LoginAuth,
// CramMD5Auth, ScramSHA256Auth, OAuthBearerAuth, XOAuth2Auth. Send pipelines
// MAIL, every RCPT and DATA in one round trip (RFC 2920), uses BDAT
// (RFC 3030) for large or binary bodies — and for small known-size ones in
// the same round trip as the envelope —, checks SIZE (RFC 1870), SMTPUTF8
// (RFC 6531), 8BITMIME/BINARYMIME and REQUIRETLS (RFC 8689) before sending
// anything, sends DSN parameters (RFC 3461) and returns a result per
// recipient. SendMail sends one message. Failure replies are *Error with the
// reply code, the enhanced code and Temporary/Permanent.
//
// Client limits (ClientOptions; zero means the default): the RFC 5321
// §4.5.3.2 timeouts (greeting 5 min, MAIL 5 min, RCPT 5 min, DATA
// initiation 2 min, data block 3 min, DATA termination 10 min; other
// commands 5 min), MaxReplyLineLength 2048, MaxReplyLines 128,
// PipelineWindow 100, ChunkSize 1 MiB (the largest message buffer),
// ChunkingThreshold 64 KiB.
package smtp
