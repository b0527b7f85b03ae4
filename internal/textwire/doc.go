// Package textwire reads and writes the line-oriented text framing shared
// by SMTP, LMTP and POP3: bounded CRLF lines and dot-stuffed data.
//
// # Lines
//
// ReadLine (and ReadLineEnding, which also reports a bare LF) returns one
// line without its line ending, as a slice into the bufio.Reader's buffer
// that stays valid until the next read. An over-long line returns
// ErrLineTooLong after the input through the next LF has been discarded,
// so a server can answer 500/-ERR/BAD and keep reading commands
// (resynchronisation). Memory use is bounded by the bufio buffer and the
// limit, whatever the peer sends.
//
// # Dot-stuffed data
//
// DotReader removes dot-stuffing (RFC 5321 §4.5.2, RFC 1939 §3) and ends,
// with io.EOF, only on <CRLF>.<CRLF>: the CRLF before the dot must be a
// real CRLF (or the dot must be the first octet of the data). The SMTP
// smuggling variants <LF>.<LF>, <CR>.<CR>, <LF>.<CR><LF> and
// <CR><LF>.<LF> never end the data, under either policy.
//
// Bare CR and bare LF (RFC 5321 §2.3.8) are handled by a BarePolicy:
//
//   - BareReject (the zero value; for servers): Read returns
//     ErrBareLineEnding. The caller then calls Drain, which discards
//     through the real terminator so the connection stays in step, and
//     answers with an error reply.
//   - BareRepair (for clients reading lenient peers): each bare CR or bare
//     LF becomes CRLF in the output. Where the data ends is unchanged.
//
// A dot at the start of a line is always removed (it is stuffing), also
// after a bare line ending; a lone "." after a bare line ending is data
// (an empty line), never the end.
//
// DotWriter does the reverse: it doubles a leading dot, turns bare CR and
// bare LF into CRLF, and Close writes the terminating ".\r\n" (after a
// CRLF if the data did not end with one).
//
// Both are the hot path for large messages: they scan the bufio buffer
// with bytes.IndexByte and copy runs of lines at once.
//
// # Limits
//
//   - ReadLine max: the longest line, without its line ending; <= 0 means
//     DefaultMaxLine (8192). Protocols pass their RFC limit, e.g. 512 for
//     SMTP commands (RFC 5321 §4.5.3.1.4), 512 for POP3 responses (RFC 2449
//     §4).
//   - DotReaderOptions.MaxSize: the largest message returned (after
//     unstuffing); beyond it Read returns ErrTooLarge (RFC 1870). Zero
//     means unlimited; servers always set it.
//   - DotReaderOptions.DrainLimit: how many octets Drain discards looking
//     for the terminator before it gives up with ErrDrainLimit, and the
//     caller closes the connection. Zero means DefaultDrainLimit (64 MiB).
//
// Time is not bounded here: callers set read deadlines on the connection.
package textwire
