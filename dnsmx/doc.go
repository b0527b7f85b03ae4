// Package dnsmx finds a domain's mail exchangers, relays messages to them
// over SMTP, and keeps outgoing mail in a durable queue until it is
// delivered or bounced.
//
// It is the outbound half of a mail server: when alice@a.example sends to
// bob@b.example, the submission server hands the message to a [Queue]
// (Queue.Relay returns only after the message is fsync'd), the queue's
// workers ask a [Relayer] to deliver it, the Relayer finds b.example's mail
// exchangers with a [Lookuper] and talks SMTP to them with smtp.Client, and
// a message that cannot be delivered comes back to alice as a delivery status
// notification.
//
// # Resolution
//
// [Lookup] (and [Lookuper.Lookup]) implement RFC 5321 §5.1 with RFC 7505:
//
//   - An address literal ("[192.0.2.1]", "[IPv6:2001:db8::1]", RFC 5321
//     §4.1.3) is used without DNS.
//   - Internationalized domains are converted to A-labels with the UTS #46
//     lookup profile (golang.org/x/net/idna) before any query (RFC 6531
//     §3.7.1); the result must be an LDH host name.
//   - The MX records are asked for; CNAMEs are followed by the resolver, at
//     most 8 in a chain. NXDOMAIN is a permanent error; SERVFAIL, timeouts
//     and unreachable servers are temporary ("the message MUST be queued
//     and retried later", §5.1).
//   - A single MX "0 ." is a null MX: the domain accepts no mail, a
//     permanent error answered with 556 5.1.10 (RFC 7505 §3, §4.1).
//   - MX records whose exchange is not a valid host name (a bare IP address
//     included) are skipped and the others kept; if none is usable the
//     error is permanent (§5.1).
//   - The exchangers are sorted by preference, lowest first; those of equal
//     preference are shuffled ("MUST randomize them", §5.1). When the
//     relay's own names are given (Lookuper.LocalNames), it and every less
//     preferred exchanger are dropped, so mail never loops (§5.1).
//   - Without MX records the domain's own A/AAAA records are the implicit
//     MX, preference 0 (§5.1); without those either, the error is permanent.
//   - Each exchanger's addresses are tried in the resolver's order (§5.1).
//
// Errors are [*LookupError] with Temporary/Permanent and a sentinel cause
// ([ErrNullMX], [ErrNoSuchDomain], [ErrNoUsableMX], [ErrInvalidDomain],
// [ErrMXLoop]).
//
// DNS comes from a [Resolver]: the system's ([SystemResolver], a
// *net.Resolver), a [DNSClient] that queries one given server directly
// (UDP, TCP after truncation, RFC 1035 §4.2; replies checked against the
// query's ID and question, RFC 5452), or a [MockResolver] with fixed data
// for tests.
//
// # Relay
//
// A [Relayer] delivers one message to the recipients at one domain: it
// tries the exchangers in order and each of their addresses until one
// accepts (recipients that get a 4yz reply move on to the next exchanger; a
// 5yz reply is final), with STARTTLS per [TLSPolicy] (opportunistic by
// default, RFC 3207 and RFC 7435) and, when [Relayer.MTASTS] is set, the
// domain's MTA-STS policy (RFC 8461: the _mta-sts TXT record, the policy
// fetched over HTTPS without redirects and cached for max_age, MX patterns
// with "*." wildcards; enforce mode delivers only to listed hosts over TLS
// with a certificate valid for the MX name). The result is one [Result] per
// recipient: delivered, temporary or permanent, with the remote reply.
// PIPELINING (RFC 2920), SIZE (RFC 1870), 8BITMIME (RFC 6152), SMTPUTF8
// (RFC 6531), CHUNKING/BDAT (RFC 3030) and DSN parameters (RFC 3461 §5.2.1)
// are used as the remote offers them. Connections are kept and reused for
// the next message to the same destination. [Relayer.SmartHost] sends
// everything to one host instead (tests, benchmarks, a relay through an
// ISP).
//
// # Queue
//
// A [Queue] stores each message with its envelope in one file (written to
// tmp/, fsync'd, renamed into msg/, directory fsync'd, shared by concurrent
// enqueues) before Enqueue returns, so a server may answer 250 right away
// (RFC 5321 §6.1). Workers deliver per destination domain with
// concurrency limits; temporary failures are retried with exponential
// backoff (5 minutes doubling to 2 hours, ±20% jitter) until MaxAge (5 days,
// RFC 5321 §4.5.4.1); then, and for permanent failures, the sender gets a
// DSN: a multipart/report (RFC 6522) with a message/delivery-status part
// (RFC 3464) honouring NOTIFY, RET, ENVID and ORCPT (RFC 3461), optionally a
// "delayed" DSN too — but never for the null sender <> (RFC 5321 §4.5.5).
// After a crash, Start resumes every message left in the directory:
// delivery is at-least-once, and a message keeps its Message-ID (one is
// added when it has none) so that duplicates are recognizable. Operators
// use List, RetryNow and Remove. Queue.Relay has the signature of the
// mailbox package's outbound interface.
//
// [ParseDeliveryStatus] reads the delivery-status part of a DSN, for
// programs that process bounces.
//
// # Limits
//
// Every bound has a safe default; a zero field means the default.
//
//   - Lookuper.MaxHosts: exchangers returned, default 10 (RFC 5321 §5.1
//     allows a limit; at least two must be tried).
//   - DNSClient: 3 s per attempt, 2 UDP attempts, CNAME chains of at most
//     8, EDNS(0) payload 1232 octets; MockResolver follows at most 8 CNAMEs.
//   - Relayer: DialTimeout 30 s; SMTP phase timeouts from
//     Relayer.ClientOptions (RFC 5321 §4.5.3.2 defaults); at most 20 idle
//     connections kept per destination for 30 s.
//   - MTASTS: policy fetch 60 s and 64 KiB (RFC 8461 §3.3), max_age at most
//     one year (§3.2), 100 mx patterns, 10000 cached policies.
//   - Queue: MaxMessageSize 64 MiB, MaxRecipients 1000 per message,
//     MaxMessages 100000 queued, Concurrency 100 deliveries,
//     DomainConcurrency 20 per domain, AttemptTimeout 30 min, MaxAge 5
//     days, MaxDSNReturnSize 256 KiB (larger messages are returned as
//     headers only unless RET=FULL); a Message-ID is looked for in the
//     first 64 KiB of the header.
//   - ParseDeliveryStatus: 1 MiB, 4096-octet fields, 10000 fields, 1000
//     recipients.
//
// Not implemented: DANE (RFC 7672), TLS reporting (RFC 8460), SRV or
// IPv6-preference tuning of address order, downgrading 8-bit or SMTPUTF8
// messages for servers that lack the extensions (such messages bounce
// with 5.6.3 / 5.6.7).
package dnsmx
