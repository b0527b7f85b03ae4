package smtp

import "github.com/mailwire/mailwire/internal/sasl"

// SASLClient is the client side of a SASL mechanism (RFC 4422), as used by
// Client.Auth and SendMail: Start returns the mechanism name and the initial
// response (nil for none); Next answers each server challenge. The
// constructors below return the mechanisms mailwire implements; any type
// with these two methods works.
type SASLClient = sasl.Client

// PlainAuth returns the PLAIN mechanism (RFC 4616). identity is the
// authorization identity, usually "" (act as username). PLAIN sends the
// password in the clear: use it only over TLS.
func PlainAuth(identity, username, password string) SASLClient {
	return sasl.NewPlainClient(identity, username, password)
}

// LoginAuth returns the LOGIN mechanism (draft-murchison-sasl-login), for
// servers that offer nothing better. Use it only over TLS.
func LoginAuth(username, password string) SASLClient {
	return sasl.NewLoginClient(username, password)
}

// CramMD5Auth returns the CRAM-MD5 mechanism (RFC 2195).
func CramMD5Auth(username, secret string) SASLClient {
	return sasl.NewCramMD5Client(username, secret)
}

// ScramSHA256Auth returns the SCRAM-SHA-256 mechanism (RFC 7677) without
// channel binding; it verifies that the server knows the password's keys.
func ScramSHA256Auth(identity, username, password string) SASLClient {
	return sasl.NewScramSHA256Client(identity, username, password)
}

// OAuthBearerAuth returns the OAUTHBEARER mechanism (RFC 7628) with an
// OAuth 2.0 bearer token.
func OAuthBearerAuth(username, token string) SASLClient {
	return sasl.NewOAuthBearerClient(username, token)
}

// XOAuth2Auth returns Google's XOAUTH2 mechanism with a bearer token.
func XOAuth2Auth(username, token string) SASLClient {
	return sasl.NewXOAuth2Client(username, token)
}
