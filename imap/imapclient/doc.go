// Package imapclient is an IMAP4rev2 (RFC 9051) and IMAP4rev1 (RFC 3501)
// client with pipelined commands.
//
// Every command method writes its command at once and returns a value
// whose Wait method waits for the tagged response, so several commands can
// be in flight on one connection (RFC 9051 §5.5). A NO or BAD response is
// returned as an *imap.Error carrying the status and the response code
// (RFC 5530); match it with errors.As.
//
//	c, err := imapclient.DialTLS(ctx, "mail.example.com:993", nil)
//	...
//	if err := c.Login("alice", "secret").Wait(); err != nil { ... }
//	sel, err := c.Select("INBOX", nil).Wait()
//	msgs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{Envelope: true}, nil).Wait()
//
// Responses no command asked for (EXISTS, EXPUNGE, FETCH, VANISHED,
// [ALERT]...) go to Options.Handler. Message bodies stream in both
// directions: Append copies from an io.Reader into the literal, and a
// FetchOptions.BodyHandler receives each FETCH body section as an io.Reader
// straight from the connection.
//
// # RFCs and extensions
//
// RFC 9051 and RFC 3501 commands: CAPABILITY, NOOP, LOGOUT, STARTTLS
// (RFC 9051 §6.2.1; data sent in the clear after the OK is rejected),
// AUTHENTICATE with SASL-IR (RFC 4959) over the module's SASL mechanisms
// (PLAIN, LOGIN, CRAM-MD5, SCRAM-SHA-256, OAUTHBEARER, XOAUTH2), LOGIN,
// ENABLE (RFC 5161), SELECT/EXAMINE (with CONDSTORE and QRESYNC
// parameters, RFC 7162), CREATE (with USE, RFC 6154), DELETE, RENAME,
// SUBSCRIBE, UNSUBSCRIBE, LIST with LIST-EXTENDED selection and return
// options (RFC 5258), LIST-STATUS (RFC 5819) and SPECIAL-USE (RFC 6154),
// LSUB, NAMESPACE (RFC 2342), STATUS (with SIZE, DELETED, HIGHESTMODSEQ,
// APPENDLIMIT), APPEND (LITERAL+/LITERAL-, RFC 7888; literal8 for BINARY,
// RFC 3516; APPENDUID, RFC 4315), IDLE (RFC 2177), CHECK, CLOSE, UNSELECT
// (RFC 3691), EXPUNGE, UID EXPUNGE (RFC 4315), SEARCH with ESEARCH result
// options and SAVE (RFC 4731, RFC 5182) and CHARSET UTF-8, FETCH (every
// item of RFC 9051 §6.4.5 including BINARY, BINARY.SIZE, MODSEQ, PREVIEW
// and PREVIEW (LAZY) (RFC 8970; FetchMessage.PreviewNil tells NIL from ""),
// SAVEDATE, EMAILID/THREADID), STORE (with UNCHANGEDSINCE, RFC 7162), COPY
// and MOVE (RFC 6851; COPYUID), every UID variant, and ID (RFC 2971).
// SORT and UID SORT (RFC 5256; ESORT return options, RFC 5267), THREAD and
// UID THREAD (ORDEREDSUBJECT, REFERENCES) with typed results.
// SAVEDATE (RFC 8514) and OBJECTID (RFC 8474) search keys; MAILBOXID of
// CREATE (Command.MailboxID), SELECT and STATUS (RFC 8474). CONTEXT=SEARCH
// and CONTEXT=SORT (RFC 5267 §4): RETURN (UPDATE CONTEXT PARTIAL) on
// Search and Sort, PARTIAL results, ADDTO/REMOVEFROM updates through
// UnilateralHandler.ESearch, CancelUpdate.
// NOTIFY (RFC 5465): Notify with typed filters and events; STATUS and LIST
// notifications arrive at UnilateralHandler.MailboxStatus and List,
// METADATA change notifications (MailboxMetadataChange,
// ServerMetadataChange) at Metadata, the selected mailbox's at Exists,
// Expunge, Vanished and Fetch.
// Mailbox names are sent and read in modified UTF-7 (RFC 3501 §5.1.3), or
// in UTF-8 once UTF8=ACCEPT or IMAP4rev2 is enabled.
//
// # Limits
//
// Options.CommandTimeout (default 5 minutes) bounds the wait for each
// tagged response; on expiry the connection is closed (it cannot be
// trusted to be in sync). Options.MaxResponse (default 64 MiB) bounds one
// response outside streamed literals; Options.MaxLiteral (default 256 MiB)
// bounds a literal collected in memory; nesting is bounded to 64 levels. A
// malformed response is logged and skipped; the connection stays usable.
package imapclient
