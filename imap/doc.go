// Package imap is the vocabulary shared by the mailwire IMAP server
// (imap/imapserver) and client (imap/imapclient), plus message-structure
// helpers any backend can use.
//
// # Vocabulary
//
// Flags and mailbox attributes (RFC 9051 §2.3.2, §7.3.1; RFC 6154
// special-use), sequence and UID sets with "*" and the "$" SEARCHRES
// reference (RFC 9051 §9, RFC 5182), status responses and response codes
// (RFC 9051 §7.1, RFC 5530, RFC 4315 UIDPLUS, RFC 7162, RFC 7889) with the
// Error type, STATUS/SELECT/LIST/NAMESPACE data (RFC 9051, RFC 5258
// LIST-EXTENDED, RFC 5819 LIST-STATUS, RFC 2342), SEARCH criteria with
// every key of RFC 9051 §6.4.4 and RFC 3501 §6.4.4 plus MODSEQ (RFC 7162),
// OLDER/YOUNGER (RFC 5032), SAVEDATE (RFC 8514) and EMAILID/THREADID
// (RFC 8474), ESEARCH options (RFC 4731), FETCH items including
// BODY[section]<partial>, BINARY (RFC 3516) and the RFC822 items, and
// Envelope and BodyStructure (RFC 9051 §7.5.2 with extension data).
// Mailbox names use '/' as hierarchy delimiter (Delim).
//
// The wire syntax (and the SEARCH and FETCH argument parsers) lives in
// imap/internal/wire, which imports this package.
//
// # Message structure
//
// ParseStructure reads a message once and returns its Structure: the
// ENVELOPE (raw header strings, RFC 2047 encoded words kept as IMAP
// requires), and the BODYSTRUCTURE tree with the byte offset and size of
// every entity's header and body and the line count of text and message
// parts. It follows RFC 5322, RFC 2045/2046 (defaults for missing or
// broken Content-Type, multipart/digest, boundaries), RFC 2231 (parameter
// continuations and charsets) and RFC 2183, and tolerates bare LF, 8-bit
// headers and truncation. Structure.MarshalBinary gives a compact form to
// cache per message (Analyze fits a store's analyze hook).
// Structure.Section serves BODY[section]<partial> byte-exact from an
// io.ReaderAt; BinarySection and BinarySize serve BINARY[] and
// BINARY.SIZE by decoding base64 and quoted-printable. DecodeHeader decodes
// encoded words for display and searching; CharsetDecoder finds the
// UTF-8 decoder of a MIME charset name (for text parts). QUOTA types (RFC 9208) are
// defined for that extension.
//
// # Sorting and threading
//
// The RFC 5256 algorithms, usable by any server: BaseSubject (§2.1: encoded
// words decoded, Re:/Fwd:/[blob] prefixes, (fwd) trailers and [fwd: ...]
// wrappers removed), CollationKey (i;unicode-casemap), SentDate (§2.2,
// falling back to the internal date), Sort with the keys ARRIVAL, CC,
// DATE, FROM, SIZE, SUBJECT, TO, DISPLAYFROM and DISPLAYTO (RFC 5957) and
// REVERSE, ties broken by mailbox order; OrderedSubjectThreads and
// ReferenceThreads (THREAD=ORDEREDSUBJECT, THREAD=REFERENCES with the whole
// §4 algorithm), with FormatThreads/ParseThreads for the wire form.
//
// # Limits
//
// ParseOptions bound the structure parser: MaxHeaderSize (header bytes
// kept per entity, default 256 KiB), MaxDepth (nesting of multiparts and
// messages, default 64), MaxParts (entities per message, default 10000).
// Memory does not grow with the message size. ParseSeqSet accepts at most
// 65536 ranges. Section reads at most MaxHeaderFieldsRead (4 MiB) of a
// header to answer HEADER.FIELDS. UnmarshalBinary bounds nesting to 128 and
// every count by the blob's length. ReferenceThreads reads at most
// MaxThreadReferences (256) message-IDs per message and builds threads at
// most MaxThreadDepth (10000) deep.
//
// # Choices
//
// An address without a domain gets the host MissingDomain so that it is
// not read as a group marker. Lines of a body count a last line without a
// line break. Content-Type parameters are RFC 2231-decoded to UTF-8; the
// wire encoder sends non-ASCII values to IMAP4rev1 clients in RFC 2231
// form (name*=utf-8”...).
package imap
