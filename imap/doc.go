// Package imap is the vocabulary shared by the mailwire IMAP server
// (imap/imapserver) and client (imap/imapclient), plus message-structure
// helpers any backend can use.
//
// It defines flags, mailbox attributes (including RFC 6154 special-use),
// sequence and UID sets (with "*" and the RFC 5182 "$" reference), status
// response codes (RFC 9051 §7.1, RFC 5530) and the Error type, STATUS and
// LIST data, SEARCH criteria (every key of RFC 9051 §6.4.4 and RFC 3501
// §6.4.4, plus MODSEQ, WITHIN, SAVEDATE and OBJECTID keys), FETCH item
// descriptions (RFC 9051 §6.4.5, RFC 3516 BINARY), Envelope and
// BodyStructure (RFC 9051 §7.5.2 with extension data).
//
// Mailbox names use '/' as hierarchy delimiter (Delim).
//
// Wire syntax lives in imap/internal/wire, which imports this package; the
// SEARCH and FETCH argument parsers are there too.
package imap
