// Package pop3 is a POP3 server and client: the protocol a mail client uses
// to download its messages and, by default, remove them from the server
// (or leave them there and fetch only what is new, by unique id).
//
// # Server
//
// A Server serves a Backend. The server owns the session: its state
// (AUTHORIZATION → TRANSACTION → UPDATE), the message numbers and the
// deletion marks. The backend authenticates users and, after login, opens
// a locked Maildrop that lists its messages once (unique id and exact
// size), opens a message as a stream and, only when the client sends QUIT
// in the TRANSACTION state, commits the deletions. A dropped connection
// commits nothing (RFC 1939 §6). The +OK to QUIT is sent after Commit
// returned and the maildrop was unlocked.
//
// RETR and TOP stream the message from the backend: line ends are
// normalised to CRLF, a final CRLF is added when missing, and lines starting
// with "." are dot-stuffed. The sizes in STAT and LIST must be the octets
// RETR sends (MessageSize computes them for backends whose messages are
// not CRLF-clean). Responses are flushed only when no further command is
// waiting in the input buffer, so pipelined commands get their responses in
// one write.
//
// A message that fits in 32 KiB is read with one call and sent with its
// status line and terminator in one write. After RETR n (the first
// message, or the one after the previous RETR's), when no further
// command is waiting, the server reads message n+1 (up to 32 KiB) ahead
// while the client is still busy with message n, so a client downloading
// its mail one RETR at a time gets each answer without waiting for the
// backend; the read-ahead is used only by a RETR of that message.
//
// A connection that waits for a command holds no output buffer; its only
// buffers are a 1 KiB input buffer, the listing of its maildrop and, after
// a RETR, the 32 KiB read-ahead buffer (returned at its next RETR).
//
// # Client
//
// Client connects with Dial (or DialTLS for implicit TLS on port 995),
// upgrades with StartTLS, authenticates with Login (USER/PASS), APOP or
// Auth (SASL), and runs STAT, LIST, UIDL, RETR and TOP (bodies are streamed
// with the dot-stuffing removed), DELE, RSET, NOOP and QUIT. RetrMany and
// DeleMany pipeline when the server announces PIPELINING. FetchNew is the
// leave-on-server download: given the UIDLs already seen, it retrieves only
// new messages and optionally deletes those first seen long enough ago.
// Failures the server reports are *Error values carrying the response code.
//
// # Standards
//
//   - RFC 1939 POP3: USER, PASS, APOP, STAT, LIST, RETR, DELE, NOOP, RSET,
//     QUIT, TOP, UIDL; the exclusive maildrop lock; the autologout timer.
//   - RFC 2449 extension mechanism: CAPA with TOP, USER, SASL,
//     RESP-CODES, PIPELINING, UIDL, IMPLEMENTATION, LOGIN-DELAY and EXPIRE
//     (from a backend Policy); response codes; the 255-octet command limit.
//   - RFC 3206 response codes IN-USE, LOGIN-DELAY, SYS/TEMP, SYS/PERM, AUTH
//     (and AUTH-RESP-CODE).
//   - RFC 2595 STLS, with the input buffered before the handshake
//     discarded; RFC 8314 implicit TLS (ListenAndServeTLS, DialTLS).
//   - RFC 5034 SASL AUTH with initial response: PLAIN (for a
//     PasswordSession), SCRAM-SHA-256 (for a ScramSession) and any
//     mechanism a SASLSession supplies. Authentication on a cleartext
//     connection is refused unless Server.AllowInsecureAuth is set.
//   - RFC 6856 UTF8 (Server.EnableUTF8) and its UTF8 response code.
//
// # Limits
//
// Every limit is a Server field; zero means the default.
//
//   - AutologoutTimeout (default and minimum 10 minutes, RFC 1939 §3): a
//     silent client is disconnected without entering UPDATE.
//   - WriteTimeout (default 5 minutes): bounds writing each response (each
//     32 KiB chunk of a message, so a slow reader is not cut off mid-RETR)
//     and the TLS handshake.
//   - MaxLineLength (default 255 octets with CRLF, RFC 2449 §4): longer
//     command lines get -ERR and the rest of the line is discarded.
//   - MaxAuthLineLength (default 12 KiB): one base64 SASL response line
//     (RFC 5034 §4 lets responses exceed the command limit).
//   - MaxErrors (default 10): failed commands before the connection is
//     closed.
//   - MaxAuthFailures (default 3): failed logins before the connection is
//     closed; AuthFailureDelay (default 2 s, negative disables) is slept
//     before every failed login's -ERR.
//   - MaxConnections (default 10,000): more get -ERR [SYS/TEMP] and are
//     closed.
//   - User names and passwords: at most 200 octets.
//
// The client bounds response lines to 4 KiB and every command by
// DialOptions.Timeout (default 2 minutes) or the context's deadline.
package pop3
