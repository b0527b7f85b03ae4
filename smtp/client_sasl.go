package smtp

// SASLClient is the client side of a SASL mechanism (RFC 4422), as used by
// Client.Auth. Start returns the mechanism name and the initial response
// (nil for none); Next answers each server challenge.
type SASLClient interface {
	Start() (mech string, ir []byte, err error)
	Next(challenge []byte) ([]byte, error)
}
