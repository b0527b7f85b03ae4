// Package serve holds the connection lifecycle that the smtp, pop3 and
// imapserver servers share (ARCHITECTURE rule 7, after net/http): the set of
// listeners, the accept loop with its back-off on temporary errors, the set
// of live connections with MaxConnections, Shutdown that interrupts idle
// connections and waits, Close, and the last-resort recovery of a panic in a
// connection's goroutine.
//
// Everything protocol-specific stays in the protocol package and reaches
// this package through function values: the busy reply, how a connection is
// created and served, how an idle one is interrupted and how one is closed.
// Each protocol keeps its own exported ErrServerClosed and passes it in.
package serve
