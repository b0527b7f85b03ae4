// Package sasl implements the client and server sides of the SASL
// mechanisms (RFC 4422) that mailwire's SMTP (RFC 4954), POP3 (RFC 5034)
// and IMAP (RFC 9051 §6.2.2, RFC 4959 SASL-IR) servers and clients offer.
//
// # Mechanisms
//
//   - PLAIN, RFC 4616: NewPlainServer, NewPlainClient.
//   - LOGIN, draft-murchison-sasl-login-00: NewLoginServer, NewLoginClient.
//   - CRAM-MD5, RFC 2195: NewCramMD5Server, NewCramMD5Client. It needs a
//     plaintext-equivalent secret on the server, so stores that keep only
//     SCRAM keys or password hashes must not offer it.
//   - SCRAM-SHA-256, RFC 5802 and RFC 7677, without channel binding (the
//     GS2 flags "n" and "y" are accepted, "p" is refused):
//     NewScramSHA256Server verifies against ScramCredentials (salt,
//     iteration count, StoredKey, ServerKey) and never needs the password;
//     NewScramSHA256Client verifies the server's signature. The server
//     answers unknown users with made-up credentials, so they look like
//     wrong passwords. ScramCredentials marshal to and from the RFC 5803
//     text form ("SCRAM-SHA-256$4096:salt$StoredKey:ServerKey", as in
//     PostgreSQL), so a store can keep one string per user.
//   - OAUTHBEARER, RFC 7628, and Google's XOAUTH2: NewOAuthBearerServer,
//     NewXOAuth2Server (token check delegated to an OAuthFunc; a rejection
//     is a JSON error challenge per RFC 7628 §3.2.2 that the client
//     acknowledges), NewOAuthBearerClient, NewXOAuth2Client.
//
// # Using a Server
//
// The protocol layer base64-decodes each client line and calls Next; the
// first call gets the initial response (nil if none, empty if "="). It
// sends each challenge until done, then maps the error: nil is success and
// Identity gives the user; ErrAuthFailed is bad credentials;
// ErrMalformed a broken exchange; ErrCancelled is what the protocol layer
// itself returns when the client sends "*"; anything else is a backend
// failure to be reported as temporary. Callbacks signal bad credentials
// with an error wrapping ErrAuthFailed. Secrets are compared in constant
// time (crypto/subtle).
//
// Passwords are normalised with Normalize (a SASLprep-lite, see there)
// for SCRAM on both sides; PLAIN and LOGIN pass the password to the
// callback as received.
//
// # Limits
//
//   - MaxResponseLen (16 KiB): the longest decoded client response a
//     server mechanism accepts, room for large OAuth tokens. Protocol
//     layers bound their lines as well.
//   - MaxScramIterations (600,000): the largest SCRAM iteration count a
//     client accepts from a server, so a hostile server cannot make it
//     spend unbounded CPU. DefaultScramIterations (4096, RFC 7677 §4) is
//     what NewScramCredentials uses when given no count.
//   - Each Server and Client has a fixed number of steps; any call after
//     the end fails with ErrMalformed.
package sasl
