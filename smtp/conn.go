package smtp

import (
	"crypto/tls"
	"net"
)

// Conn is one client connection as the backend sees it. Its accessors may be
// called from Session methods (the connection's goroutine).
type Conn struct {
	srv       *Server
	netConn   net.Conn
	tlsState  *tls.ConnectionState
	helo      string
	authIdent string
}

// Server returns the server that accepted the connection.
func (c *Conn) Server() *Server { return c.srv }

// RemoteAddr returns the client's address.
func (c *Conn) RemoteAddr() net.Addr { return c.netConn.RemoteAddr() }

// LocalAddr returns the address the client connected to.
func (c *Conn) LocalAddr() net.Addr { return c.netConn.LocalAddr() }

// TLS returns the TLS state of the connection (after STARTTLS or on an
// implicit-TLS listener), or nil on a cleartext connection.
func (c *Conn) TLS() *tls.ConnectionState { return c.tlsState }

// Hostname returns the name the client gave in its last EHLO, HELO or LHLO,
// or "" before it greeted.
func (c *Conn) Hostname() string { return c.helo }

// AuthIdentity returns the identity the client authenticated as with AUTH,
// or "" when it did not authenticate.
func (c *Conn) AuthIdentity() string { return c.authIdent }
