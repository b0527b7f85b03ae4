// Package imapserver implements an IMAP4rev2 (RFC 9051) and IMAP4rev1
// (RFC 3501) server over a UID-based Backend.
//
// The server owns every session's view of the selected mailbox: the map
// from sequence numbers to UIDs, the flags the client was told about, and
// the pending EXISTS/EXPUNGE/FETCH responses. A Backend speaks only durable
// facts — mailbox names, UIDs, flags, MODSEQs and message bytes — and
// reports changes through a per-mailbox feed (Mailbox.Updates/Changes).
// The server applies that feed only where RFC 9051 §7.5.1 and §5.5 allow:
// never an EXPUNGE while answering FETCH, STORE, SEARCH or COPY by sequence
// number, new messages get sequence numbers only together with EXISTS, and
// everything is sent at once during IDLE. A session therefore never acts
// on the wrong message because another session expunged.
//
// Use:
//
//	srv := &imapserver.Server{Backend: backend, TLSConfig: cfg}
//	err := srv.ListenAndServe() // or Serve(l), ListenAndServeTLS for port 993
//
// The mailbox package's IMAP adapter (mailbox.NewIMAPBackend) serves a
// mailwire store; mailbox.IMAPAnalyze caches ENVELOPE and BODYSTRUCTURE
// when messages are stored, so FETCH never re-parses a message, and a
// sort record (Date, Subject, Message-ID, In-Reply-To, References; see
// sort_analysis.go) so that SORT and THREAD do not read message files.
//
// # Commands
//
// Any state: CAPABILITY, NOOP, LOGOUT, ID (RFC 2971). Not authenticated:
// STARTTLS (buffered input discarded), AUTHENTICATE with SASL-IR
// (RFC 4959; PLAIN over Session.Login built in; a SASLSession offers any
// mechanism, e.g. the re-exported NewPlainServer, NewLoginServer and
// NewScramSHA256Server of internal/sasl), LOGIN.
// Authenticated: ENABLE (RFC 5161), UNAUTHENTICATE (RFC 8437), SELECT, EXAMINE, CREATE (with
// CREATE-SPECIAL-USE, RFC 6154), DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE,
// LIST (LIST-EXTENDED RFC 5258, LIST-STATUS RFC 5819, CHILDREN RFC 3348,
// SPECIAL-USE RFC 6154), LSUB, NAMESPACE (RFC 2342), STATUS (with SIZE,
// RFC 8438, DELETED, HIGHESTMODSEQ, APPENDLIMIT), APPEND (streamed
// literal, APPENDUID), IDLE (RFC 2177). Selected: CHECK, CLOSE, UNSELECT
// (RFC 3691), EXPUNGE, UID EXPUNGE (RFC 4315), SEARCH (every key of
// RFC 9051 and RFC 3501, MODSEQ, OLDER/YOUNGER of RFC 5032, CHARSET UTF-8
// and US-ASCII, ESEARCH RETURN MIN/MAX/COUNT/ALL/SAVE RFC 4731, SEARCHRES
// $ RFC 5182), FETCH (FLAGS, INTERNALDATE, RFC822.SIZE, ENVELOPE, BODY,
// BODYSTRUCTURE, UID, MODSEQ, BODY[section]<partial>, BODY.PEEK, HEADER,
// HEADER.FIELDS(.NOT), TEXT, MIME, nested part numbers, BINARY, BINARY.PEEK,
// BINARY.SIZE (RFC 3516), RFC822, RFC822.HEADER, RFC822.TEXT, ALL, FAST,
// FULL, CHANGEDSINCE and VANISHED modifiers), STORE (FLAGS, +FLAGS,
// -FLAGS, .SILENT, UNCHANGEDSINCE), COPY, MOVE (RFC 6851) and the UID
// forms of all of these.
//
// Capabilities: IMAP4rev1 IMAP4rev2 STARTTLS LOGINDISABLED SASL-IR AUTH= UNAUTHENTICATE
// LITERAL+ (RFC 7888) ID ENABLE IDLE NAMESPACE UNSELECT UIDPLUS MOVE
// CHILDREN LIST-EXTENDED LIST-STATUS SPECIAL-USE STATUS=SIZE ESEARCH
// SEARCHRES CONDSTORE QRESYNC (RFC 7162; VANISHED from the backend's
// expunge tombstones when the Mailbox implements VanishedSincer) BINARY
// APPENDLIMIT (RFC 7889)
// SORT SORT=DISPLAY THREAD=ORDEREDSUBJECT THREAD=REFERENCES (RFC 5256,
// RFC 5957) ESORT (RFC 5267 return options MIN MAX COUNT ALL)
// COMPRESS=DEFLATE (RFC 4978) WITHIN (RFC 5032) MULTIAPPEND (RFC 3502)
// QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE (RFC 9208) METADATA
// METADATA-SERVER (RFC 5464); the optional backend interfaces QuotaUser,
// QuotaSetter, MultiAppendUser and the metadata interfaces enable the last
// three. SAVEDATE (RFC 8514: FETCH SAVEDATE, SEARCH SAVEDBEFORE, SAVEDON,
// SAVEDSINCE, SAVEDATESUPPORTED, over the optional MessageSaveDate);
// OBJECTID (RFC 8474: MAILBOXID on SELECT/EXAMINE and CREATE and as a
// STATUS item, FETCH and SEARCH EMAILID and THREADID; announced to users
// that implement MailboxIDUser, ids from the optional MessageObjectID);
// PREVIEW (RFC 8970: FETCH PREVIEW and PREVIEW (LAZY), computed at FETCH
// time); CONTEXT=SEARCH CONTEXT=SORT (RFC 5267 §4: RETURN (UPDATE CONTEXT
// PARTIAL), ESEARCH ADDTO/REMOVEFROM, CANCELUPDATE; UPDATE with UID SEARCH
// and UID SORT only); NOTIFY (RFC 5465, cmd_notify.go: NOTIFY SET [STATUS]
// with SELECTED, SELECTED-DELAYED, INBOXES (treated as PERSONAL, §6.3),
// PERSONAL, SUBSCRIBED, SUBTREE and MAILBOXES; events MessageNew with
// fetch attributes, MessageExpunge, FlagChange, MailboxName,
// SubscriptionChange, MailboxMetadataChange and ServerMetadataChange,
// others refused with NO [BADEVENT]; notifications are written between
// commands and during IDLE, as EXISTS/EXPUNGE/FETCH for the selected
// mailbox (no MessageNew FETCH for the messages the session's own APPEND,
// COPY or MOVE created, §5.2; EXISTS counts them), STATUS (MESSAGES
// UIDNEXT UIDVALIDITY UNSEEN, and HIGHESTMODSEQ
// with CONDSTORE) for other mailboxes, LIST, with OLDNAME or
// \NonExistent, for names and METADATA entry names (RFC 5464 §4.4.2,
// deleted entries included, from NotifyMetadata events) for metadata;
// other mailboxes and metadata need a NotifyUser backend). Without a
// SELECTED group the selected mailbox is still reported at the end of
// commands. Not implemented: NOTIFY's fetch attributes for RETURN
// (UPDATE) (RFC 5465 §7).
// UTF8=ACCEPT (RFC 6855) can be enabled. IMAP4rev1 sessions get \Recent and
// modified UTF-7 mailbox names (RFC 3501 §5.1.3); after ENABLE IMAP4rev2
// they get UTF-8 names and ESEARCH results. Response codes follow RFC 5530.
//
// # Limits
//
// Every limit is a Server field; zero means the default.
//
//   - MaxLineLength (64 KiB): one command line; RFC 7162 §4 asks servers to
//     accept at least 8,192 octets. Longer lines get BAD [TOOBIG] and the
//     connection resynchronises at the next line.
//   - MaxLiteralSize (64 KiB): a literal in any command but APPEND.
//   - MaxCommandSize (1 MiB): all lines and literals of one command.
//   - AppendLimit (64 MiB): one APPEND message, advertised as APPENDLIMIT
//     (RFC 7889); larger synchronising literals get NO [TOOBIG] before the
//     client sends them.
//   - MaxNesting (32): parentheses in one command (and SEARCH depth).
//   - MaxErrors (20): BAD/NO replies in a row before BYE.
//   - MaxAuthFailures (3) and AuthFailureDelay (1s): failed logins per
//     connection and the pause after each (RFC 9051 §11).
//   - MaxConnections (10,000): further connections get BYE [UNAVAILABLE].
//   - PreAuthTimeout (1 min): before login; IdleTimeout (30 min, the
//     RFC 9051 §5.4 minimum) once authenticated, IDLE included;
//     WriteTimeout (5 min) per response.
//   - One unknown command before authentication closes the connection
//     (it is most likely not an IMAP client).
//   - MaxNotifyMailboxes (1,000): mailboxes one NOTIFY SET may watch;
//     more get NO [NOTIFICATIONOVERFLOW] (RFC 5465 §3.1), or, when new
//     mailboxes push a session over it, OK [NOTIFICATIONOVERFLOW] and
//     NOTIFY NONE (§5.8). NotifyQueueSize (1,000): mailbox-list events
//     buffered for a session that is busy; beyond it the same overflow.
//     Message events are kept as one pending STATUS per mailbox.
//   - MaxSearchContexts (16): SEARCH/SORT results kept with RETURN
//     (UPDATE) per session (RFC 5267 §4.2); more get NO [NOUPDATE]. Each
//     kept result is recomputed whenever the mailbox changes.
//   - PREVIEW reads the message structure, at most 16 KiB of MIME header
//     for each of at most 64 leaf parts, and at most 64 KiB of the chosen
//     part's body, whatever the message size (RFC 8970 §3).
//   - SortCacheBytes (64 MiB): the SORT/THREAD key cache the server's
//     sessions share (per message: sent date, base subject, arrival, size,
//     Message ID and references, computed once); least recently used
//     mailboxes are dropped first.
//   - SORT/THREAD read at most 256 KiB of header per message; METADATA
//     values are at most MetadataMaxValueSize (64 KiB) and a mailbox holds
//     at most MetadataMaxEntries (256) entries (RFC 5464 §4.2 MAXSIZE,
//     [METADATA TOOMANY]). A COMPRESS=DEFLATE session costs about 1.15 MiB
//     of compressor state (compress/flate at BestSpeed) on top of the
//     connection.
package imapserver
