// Package wire reads and writes IMAP syntax (RFC 9051 §9, RFC 3501 §9) for
// the mailwire IMAP server and client.
//
// Decoder reads tokens from a bufio.Reader: atoms, tags, numbers, quoted
// strings (with \" and \\ escapes), literals — synchronizing {n} (the
// server's continuation request goes out through Decoder.OnSyncLiteral),
// non-synchronizing {n+} (LITERAL+ and LITERAL-, RFC 7888) and literal8
// ~{n} (RFC 3516) — astrings, nstrings, NIL, flags, sequence sets with "*"
// and "$" (RFC 5182), parenthesised lists, date-time and dates. Large
// literals are streamed (BeginLiteral + LiteralBody) instead of buffered.
//
// Encoder writes to a bufio.Writer without intermediate strings: atoms,
// quoted strings or literals as each string requires, numbers, sequence
// sets, flags, dates, mailbox names in modified UTF-7 (RFC 3501 §5.1.3) or
// UTF-8 (RFC 9051, UTF8=ACCEPT), and ENVELOPE / BODY / BODYSTRUCTURE.
//
// The IMAP-level argument parsers live here too, because they need the
// decoder's internals and both the server and the client (tests) use them:
// ReadSearch / ReadSearchKeys and WriteSearchKeys for SEARCH programs,
// ReadFetchItems / ReadFetchModifiers and WriteFetchItems for FETCH item
// lists, ReadEnvelope / ReadBodyStructure for the client side.
//
// # Errors and resynchronisation
//
// A decode error for which IsProtocolError is true (ErrSyntax,
// ErrCommandTooLong, ErrLiteralTooLarge, ErrTooDeep) is bad input: the
// server answers BAD (with [TOOBIG] for LiteralError) and calls SkipLine,
// which discards the rest of the command — swallowing non-synchronizing
// literals announced at line ends, but not waiting for a synchronizing
// literal whose continuation was never sent — so the next command parses.
// Other errors are I/O errors and end the connection.
//
// # Limits
//
// Limits.MaxCommand (default 64 KiB) bounds one command outside streamed
// literals; Limits.MaxLiteral (default 64 KiB) bounds a literal read into a
// string; Limits.MaxNonSyncLiteral bounds {n+} literals (4096 for LITERAL-,
// RFC 7888 §5); Limits.MaxDepth (default 32) bounds list and search-key
// nesting. Memory used by SkipLine is bounded by the bufio.Reader's buffer.
package wire
