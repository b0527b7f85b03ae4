// Package mailbox is mailwire's mail store: users and their passwords (as
// SCRAM-SHA-256 keys), local domains and addresses, mailboxes, messages
// with UIDs, flags, keywords and MODSEQs, quotas and a change feed — plus the
// adapters that make a store serve the smtp, pop3 and imap servers.
//
// Two implementations satisfy the [Store] interface:
//
//   - [OpenMaildir]: the embedded default, standard Maildir++ on disk so that
//     other mail tools can read what mailwire wrote;
//   - [NewMemory]: everything in memory, for tests.
//
// The package mailbox/storetest holds a conformance suite that both pass and
// that any other Store implementation can run.
//
// # Data model
//
// A user has mailboxes: INBOX plus folders in a hierarchy delimited by '/'.
// New users get Sent, Drafts, Trash, Junk and Archive with their RFC 6154
// special-use attributes. A mailbox has a UIDVALIDITY, a UIDNEXT and a
// HIGHESTMODSEQ; each message has a UID (strictly ascending, never reused
// within a UIDVALIDITY), flags and keywords, an internal date, a save date,
// a size, a MODSEQ (RFC 7162) and an optional opaque analysis blob
// (Options.Analyze, used by the IMAP adapter to cache ENVELOPE and
// BODYSTRUCTURE). Every change (append, flag change, expunge) takes the next
// MODSEQ of its mailbox and is published, in MODSEQ order, to the
// mailbox's subscribers ([Store.Watch]). Expunged UIDs are remembered with
// their MODSEQ (tombstones) for QRESYNC. Changes to a user's mailbox list
// (create, delete, rename, subscribe) and to METADATA entries go to a
// per-user feed ([MailboxListWatcher], used by IMAP NOTIFY); it sees the
// changes made through this process's store.
//
// RFCs: RFC 9051 (IMAP4rev2 mailbox semantics), RFC 3501, RFC 7162
// (CONDSTORE/QRESYNC MODSEQs), RFC 6154 (special use), RFC 9208 (QUOTA
// vocabulary), RFC 5464 (METADATA storage), RFC 8514 (SAVEDATE), RFC 8474
// (MailboxStatus.MailboxID; EMAILID and THREADID in the IMAP adapter), RFC 5802 and
// RFC 7677 (SCRAM-SHA-256 keys), RFC 5321 §4.4 (trace headers, SMTP adapter),
// RFC 5233 (sub-addressing).
//
// # Durability contract
//
// A mutating method returns nil only when its effect is durable: for Append
// and delivery the message file and its directory entry are fsync'd and the
// index record is fsync'd. A crash at any instant loses no acknowledged
// message and shows no partial one. Concurrent appends share flushes: their
// bodies are made durable together, and those of one mailbox are committed
// together (group commit, see the order of writes below).
//
// Concurrency: every Store method is safe for concurrent use. Writers of
// one mailbox are serialised by a mutex and, across processes sharing a
// Maildir, by flock(2) on the mailbox's mailwire.lock; each writer first
// replays what other processes appended to the index, so UIDs stay unique
// and their changes reach this process's subscribers. (The account file
// users.json is read once at open; provision users from one process.)
//
// # On-disk layout (Maildir)
//
//	<data>/.mailwire/users.json     users (SCRAM keys), quotas, domains, aliases,
//	                                catch-alls, subscriptions, special use, metadata
//	<data>/.mailwire/uidvalidity    last UIDVALIDITY handed out
//	<data>/<user>/Maildir/          INBOX: cur/ new/ tmp/, mailwire.index,
//	                                mailwire.snap, mailwire.lock
//	<data>/<user>/Maildir/.A.B/     mailbox "A/B" (Maildir++; '.' and '%' in a
//	                                level are written %2E and %25)
//
// Message files are named <savetime>.V<uidvalidity>U<uid>.mailwire,S=<size>,
// in new/ while a delivered message has never had flags, otherwise in cur/
// with the standard ":2,<flags>" suffix (D F R S T for \Draft \Flagged
// \Answered \Seen \Deleted), followed by lowercase letters for keywords
// in Dovecot's convention: each folder's dovecot-keywords file lists
// "<n> <name>" lines, n = 0..25 standing for the letters a..z. A keyword
// gets a free letter when it first enters the folder's index (the file is
// written to tmp/, fsync'd and renamed before any name or record uses the
// letter); keywords beyond 26, and keywords a folder had before it had a
// dovecot-keywords file, live only in the index and are lost if the index
// is. The bytes are stored exactly as appended (CRLF). Files written by
// other Maildir programs are imported on the next open (new UID, flags and
// keywords from the suffix and dovecot-keywords, internal date from the
// mtime, bare LF converted to CRLF) and renamed to this scheme.
//
// Flag renames are deferred: a flag change is durable when its index
// record is fdatasync'd, and the files are renamed to their new suffix in
// one batch afterwards — by a timer once the mailbox has been quiet for 2
// seconds (after 10 seconds at most on a mailbox that keeps changing),
// before an index compaction, and when the store is closed. So other
// Maildir programs see mailwire's flag changes within 2 to 10 seconds
// and at the latest after Close (a killed process leaves them to the next
// open, which finishes them). Until then mailwire itself (in any process)
// finds the files under their older names. If another program changes the
// flags of a message whose mailwire change is not in its file name yet,
// mailwire's change wins.
//
// # Index format
//
// mailwire.index is an append-only log of records, each "length, CRC-32C,
// payload" (see maildir_index.go): V (UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ,
// and a random generation that identifies the log; it starts every log),
// K (keyword id → name), A (message appended: UID, MODSEQ, size, dates,
// flags, keyword ids, analysis blob), F (flags changed), X (expunged: also
// the QRESYNC tombstones), D (tombstone floor), S (directory mtimes at a
// moment the index matched the Maildir; written only when every flag change
// logged since the previous S is in the file names, by whichever process
// made it). Opening replays the log into
// compact per-message records (56 bytes, no pointers); a torn tail is cut
// off.
//
// mailwire.snap is a checkpoint of that replay (see maildir_snapshot.go):
// the per-message records as they are in memory, the same messages as the
// columns IMAP SELECT hands to its sessions (MODSEQs, UIDs, flag-set ids),
// the keyword table, tombstones and counters, with CRC-32Cs, and the
// position in the log it covers (the log's generation and inode, the end
// offset and the header of the last record there). An open whose snapshot
// matches the log replays only the records appended after it, by this
// process or another. A small snapshot is read and checked whole (no
// per-record decoding on little-endian machines). On Linux a big one (1 MiB
// of records or more: about 19,000 messages) is mapped copy-on-write and
// opened lazily: the open checks the header and the columns (16 bytes a
// message, a CRC-32C per 8,192 messages, ascending UIDs, known flag sets),
// Status and SELECT are served from them, and the message records (56
// bytes a message) are checked on their first use — before a log tail is
// replayed onto them, before a directory scan, before any read or change
// of a message. So a fresh process selects a 100,000-message mailbox
// reading 1.6 MB instead of 7.2 MB. A flag change then copies only the
// page it touches. A missing, torn, corrupt or stale snapshot (another
// process compacted the log, the log was rebuilt or truncated) is ignored
// and the whole log is replayed; damaged records found on first use do the
// same then (and remove the snapshot). The snapshot is only ever a cache
// of the log: it is written to mailwire.snap.tmp and renamed without fsync
// — at compaction, when an open replayed more than 256 KiB of log, when
// the log has grown past the last snapshot by more than the snapshot's own
// size, and when a big mailbox that changed since its last snapshot is
// closed (so that the next process opens it lazily, with no tail to
// replay). Indexes written by the previous version (V records without a
// generation, no snapshot) open as before by a full replay, which then
// writes a snapshot; they are not rewritten otherwise. A snapshot of an
// older format is ignored the same way (one full replay, then a new
// snapshot).
//
// If the S record still matches the directories the open is done;
// otherwise the directories are scanned and reconciled: unknown files are
// imported (a lost index is rebuilt with the same UIDVALIDITY and UIDs,
// which the file names carry), missing files are expunged, flag changes by
// other programs are taken over — except for messages named by an F record
// after the last S: for those the index is the truth and their renames are
// finished. When superseded records outweigh live ones
// the log is compacted (write to mailwire.index.tmp, fsync, rename).
//
// Order of writes, so that a crash at any instant is harmless:
// append = body to tmp/ and made durable, rename into new/ or cur/, then the
// directory fsync and the index record + fdatasync (in parallel), then
// success (a crash between leaves at worst an unacknowledged record whose
// file never left tmp/, expunged on the next open); flags = index record
// (the acknowledgement), renames later in a batch (unfinished ones are
// finished on open); a new keyword letter = dovecot-keywords before the
// record and the name that use it; expunge
// = unlink + fsync the directory, then the index record (a message never
// comes back); move = rename into the target (the file is in exactly one
// mailbox at every instant), target record, source record. Concurrent
// appends to one mailbox are committed in groups: one directory fsync and
// one index write + fdatasync for the whole group. Their bodies are made
// durable in groups too, before the group commit and across mailboxes: the
// bodies staged while the previous flush ran are flushed by one syncfs(2)
// per file system (Linux 5.8 and later, where syncfs reports writeback
// errors) instead of one fdatasync each. A lone body, a group whose syncfs
// failed (each body's own result decides), the groups of the 10 seconds
// after three syncfs calls in a row took over a second each (another
// program keeps the disk busy), older kernels and other systems use an
// fdatasync per body.
//
// # Limits
//
//   - Options.MaxMessageSize (default 64 MiB): larger messages get ErrTooBig.
//   - Options.EventBuffer (default 1024): pending events per subscription;
//     beyond it the subscriber gets EventOverflow, writers never block.
//   - Options.Tombstones (default 100,000 per mailbox): expunge tombstones
//     kept for VanishedSince; older ones collapse into a superset answer as
//     RFC 7162 §3.2.5.1 permits.
//   - Options.RecycledFiles (default 4096 per Maildir mailbox): expunged
//     message files kept empty in tmp/ for the next deliveries to reuse.
//   - Mailbox names: at most 255 bytes per level, 1024 bytes in total, 32
//     levels (RFC 9051 leaves these to the server).
//   - Keywords: at most 1000 distinct keywords per mailbox (RFC 9051 §2.3.2
//     lets the server refuse new ones; PERMANENTFLAGS then omits \*).
package mailbox
