package imapserver

import (
	"errors"
	"os"
	"strings"
	"sync"
	"time"
)

// UpdateFuncSetter is an optional interface of Mailbox. SetUpdateFunc(fn)
// makes the backend call fn whenever it would signal Updates, and at once
// if changes are already pending, until SetUpdateFunc(nil). fn returns
// quickly and may run on any goroutine. A session in IDLE then waits with
// no goroutine besides its own; otherwise the server starts one per IDLE
// that waits on Updates.
type UpdateFuncSetter interface {
	SetUpdateFunc(fn func())
}

// idleState is what a connection in IDLE needs besides its goroutine.
type idleState struct {
	deadline time.Time
	mu       sync.Mutex
	wakeFn   func()    // c.idleWake, bound once per connection
	stops    *[]func() // end the waiter goroutines of channel sources
	parkErr  error     // what ended park: nil for input
	on       bool      // IDLE accepted; the connection waits in park
	active   bool      // wake may expire the read deadline
	woken    bool      // a source reported updates since the last look
}

// cmdIdle implements IDLE (RFC 2177, RFC 9051 §6.3.13): updates are sent
// as soon as the backend reports them. The command only says "+ idling";
// the goroutine that serves commands then ends and the connection's own
// goroutine waits in park with a shallow stack and no buffers (memory per
// idle connection, issue 5; see conn.serve). Only one goroutine reads and
// writes at a time: a wakeup only expires the read deadline.
func (c *conn) cmdIdle(bool) *status {
	c.expectEnd()
	if c.sel != nil {
		c.sendUpdates(true)
	}
	c.writeRaw("+ idling\r\n")
	if c.flush() != nil {
		return &status{fatal: true, text: "write failed"}
	}
	c.startIdle()
	return &status{done: true}
}

// startIdle arms the deadline and the wake sources.
func (c *conn) startIdle() {
	id := &c.idle
	id.on = true
	id.deadline = c.srv.now().Add(c.srv.idleTimeout())
	c.nc.SetReadDeadline(id.deadline)
	id.mu.Lock()
	id.active, id.woken = true, false
	id.mu.Unlock()
	if id.wakeFn == nil {
		id.wakeFn = c.idleWake
	}
	if c.sel != nil {
		if s, ok := c.sel.mbox.(UpdateFuncSetter); ok {
			s.SetUpdateFunc(id.wakeFn)
		} else {
			c.watchIdle(c.sel.mbox.Updates())
		}
	}
	if ns := c.notifyActive(); ns != nil && ns.notifier != nil {
		c.watchIdle(ns.notifier.Updates()) // NOTIFY (notify_wait.go)
	}
}

// watchIdle wakes the IDLE wait whenever ch is signalled, through a waiter
// goroutine that stopIdle ends. It serves wake sources that only offer a
// channel.
func (c *conn) watchIdle(ch <-chan struct{}) {
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			case <-ch:
				c.idleWake()
			}
		}
	}()
	if c.idle.stops == nil {
		c.idle.stops = new([]func())
	}
	*c.idle.stops = append(*c.idle.stops, func() { close(stop); <-done })
}

// idleWake reports that a source has updates: the waiting read returns
// with a deadline error and serveIdle sends them.
func (c *conn) idleWake() {
	id := &c.idle
	id.mu.Lock()
	if id.active {
		id.woken = true
		c.nc.SetReadDeadline(time.Unix(1, 0))
	}
	id.mu.Unlock()
}

// stopIdle ends the wake sources; no wakeup touches the deadline after it.
func (c *conn) stopIdle() {
	id := &c.idle
	id.on = false
	if c.sel != nil {
		if s, ok := c.sel.mbox.(UpdateFuncSetter); ok {
			s.SetUpdateFunc(nil)
		}
	}
	id.mu.Lock()
	id.active = false
	id.mu.Unlock()
	if id.stops != nil {
		for _, stop := range *id.stops {
			stop()
		}
		id.stops = nil
	}
}

// idleUpdates sends what the wake sources reported.
func (c *conn) idleUpdates() {
	c.idleNotify() // the selected mailbox's updates, or NOTIFY's (notify_wait.go)
}

// park waits, on the connection's own goroutine and with no buffer held,
// until the client sends something or the read deadline expires (a
// wakeup, shutdown or the autologout timer); resumeIdle then looks at the
// result on a fresh goroutine. It is kept tiny: the runtime sizes new
// goroutine stacks after the average stack in use, and the connection's
// goroutine grows only as deep as this.
func (c *conn) park() {
	n, err := c.nc.Read(c.oneByte[:])
	if n > 0 {
		c.pushback = c.oneByte[:1]
		err = nil
	}
	c.idle.parkErr = err
}

// releaseIdle gives back what a connection waiting in IDLE does not need.
func (c *conn) releaseIdle() {
	c.releaseBuffers()
	c.line = nil
	if cap(c.lineBuf) > idleLineBuf {
		c.lineBuf = nil
	}
}

// resumeIdle handles what ended park: input (the client's DONE), updates
// to send, shutdown or the autologout timer. It reports whether the
// connection continues; c.idle.on tells whether it is still in IDLE.
func (c *conn) resumeIdle() bool {
	id := &c.idle
	err := id.parkErr
	id.parkErr = nil
	if err == nil {
		c.stopIdle()
		c.acquireBuffers()
		c.nc.SetReadDeadline(id.deadline)
		return c.finish(c.readDone())
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		c.stopIdle()
		c.log.Debug("imapserver: read failed", "err", err)
		return false
	}
	// Re-arm before looking at the flags: a wakeup or shutdown after this
	// point expires the deadline again, so none is lost.
	c.nc.SetReadDeadline(id.deadline)
	c.acquireBuffers()
	if c.shutdownReq.Load() {
		c.stopIdle()
		return c.finish(&status{fatal: true, text: "Server shutting down"})
	}
	if !c.srv.now().Before(id.deadline) {
		c.stopIdle()
		return c.finish(&status{fatal: true, text: "Autologout; idle for too long"})
	}
	id.mu.Lock()
	woken := id.woken
	id.woken = false
	id.mu.Unlock()
	if woken {
		c.idleUpdates()
		if c.flush() != nil {
			c.stopIdle()
			return false
		}
	}
	return true
}

// readDone reads the line that ends IDLE.
func (c *conn) readDone() *status {
	if err := c.readLine(); err != nil {
		if errors.Is(err, errLineTooLong) {
			return bad("Expected DONE")
		}
		c.log.Debug("imapserver: read failed", "err", err)
		return &status{fatal: true, text: "read failed"}
	}
	if !strings.EqualFold(string(c.line), "DONE") {
		c.line = nil
		return bad("Expected DONE")
	}
	c.line = nil
	return ok("IDLE terminated")
}

// waitInput blocks until the client sends something. With nothing buffered
// the connection's buffers go back to their pools meanwhile, so a
// connection in IDLE holds little more than its goroutine.
func (c *conn) waitInput() error {
	if c.br != nil && c.br.Buffered() > 0 {
		return nil
	}
	c.releaseBuffers()
	if cap(c.lineBuf) > idleLineBuf {
		c.lineBuf = nil
	}
	if c.br != nil {
		_, err := c.br.Peek(1)
		return err
	}
	n, err := c.nc.Read(c.oneByte[:])
	if n > 0 {
		c.pushback = append(c.pushback[:0], c.oneByte[0])
		c.acquireBuffers()
		return nil
	}
	c.acquireBuffers()
	return err
}

// idleLineBuf is the largest command-line buffer kept while waiting in
// IDLE.
const idleLineBuf = 256
