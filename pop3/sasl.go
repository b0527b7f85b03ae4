package pop3

// SASL AUTH (RFC 5034) arrives with internal/sasl; until then AUTH lists no
// mechanisms.

func (c *Conn) saslMechanisms() []string { return nil }

func (c *Conn) cmdAUTH(arg []byte) error {
	c.bad("AUTH not supported")
	return errCommand
}
