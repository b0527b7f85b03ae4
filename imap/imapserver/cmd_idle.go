package imapserver

import (
	"errors"
	"os"
	"strings"
	"sync"
	"time"
)

// cmdIdle implements IDLE (RFC 2177, RFC 9051 §6.3.13): updates are sent
// as soon as the backend reports them. The connection goroutine stays the
// only reader and writer; a small waiter goroutine turns the backend's
// wakeup into an expired read deadline so that no second reader exists.
func (c *conn) cmdIdle(bool) *status {
	c.expectEnd()
	if c.sel != nil {
		c.sendUpdates(true)
	}
	c.writeRaw("+ idling\r\n")
	if c.flush() != nil {
		return &status{fatal: true, text: "write failed"}
	}
	deadline := c.srv.now().Add(c.srv.idleTimeout())
	c.nc.SetReadDeadline(deadline)

	var (
		mu     sync.Mutex
		active = true
		wake   bool
	)
	stop := make(chan struct{})
	var done sync.WaitGroup
	if c.sel != nil {
		updates := c.sel.mbox.Updates()
		done.Add(1)
		go func() {
			defer done.Done()
			for {
				select {
				case <-stop:
					return
				case <-updates:
					mu.Lock()
					if active {
						wake = true
						c.nc.SetReadDeadline(time.Unix(1, 0))
					}
					mu.Unlock()
				}
			}
		}()
	}
	finish := func() {
		mu.Lock()
		active = false
		mu.Unlock()
		close(stop)
		done.Wait()
	}
	for {
		err := c.waitInput()
		if err == nil {
			break
		}
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			finish()
			panic(ioError{err})
		}
		if c.shutdownReq.Load() {
			finish()
			return &status{fatal: true, text: "Server shutting down"}
		}
		if !c.srv.now().Before(deadline) {
			finish()
			return &status{fatal: true, text: "Autologout; idle for too long"}
		}
		c.nc.SetReadDeadline(deadline)
		mu.Lock()
		w := wake
		wake = false
		mu.Unlock()
		if w && c.sel != nil {
			c.acquireBuffers()
			c.sendUpdates(true)
			if c.flush() != nil {
				finish()
				panic(ioError{errors.New("write failed")})
			}
		}
	}
	finish()
	c.acquireBuffers()
	c.nc.SetReadDeadline(deadline)
	if err := c.readLine(); err != nil {
		if errors.Is(err, errLineTooLong) {
			return bad("Expected DONE")
		}
		panic(ioError{err})
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
// connection in IDLE holds little more than its goroutines.
func (c *conn) waitInput() error {
	if c.br != nil && c.br.Buffered() > 0 {
		return nil
	}
	c.releaseBuffers()
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
