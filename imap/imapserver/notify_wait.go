package imapserver

import (
	"errors"
	"os"
	"sync"
	"time"
)

// With NOTIFY in effect the client "listens for event notifications all
// the time (even when no command is in progress)" (RFC 5465 §3.1), so the
// server writes them between commands too. The connection goroutine stays
// the only reader and writer: as in IDLE (cmd_idle.go), a small waiter
// goroutine turns the backend's signal into an expired read deadline.

// notifyWait runs before each command is read. It sends what is pending
// and then, until the client sends something, whatever arrives. An error
// is a read error for handleReadError (deadline: autologout or shutdown).
func (c *conn) notifyWait() error {
	if c.notifyActive() == nil {
		return nil
	}
	c.acquireBuffers()
	c.sendNotifications(false)
	if err := c.flush(); err != nil {
		return err
	}
	if c.notify == nil || (c.br != nil && c.br.Buffered() > 0) {
		return nil
	}
	deadline := c.srv.now().Add(c.timeout())
	for c.notify != nil {
		woke, err := c.waitNotify(deadline)
		if err != nil || !woke {
			return err
		}
		c.acquireBuffers()
		c.sendNotifications(false)
		if err := c.flush(); err != nil {
			return err
		}
	}
	return nil
}

// waitNotify blocks until input arrives (false) or a notification source
// signals (true).
func (c *conn) waitNotify(deadline time.Time) (woke bool, err error) {
	notes, selUpdates := c.notifyChannels()
	var (
		mu     sync.Mutex
		active = true
	)
	stop := make(chan struct{})
	var done sync.WaitGroup
	done.Add(1)
	go func() {
		defer done.Done()
		select {
		case <-stop:
			return
		case <-notes:
		case <-selUpdates:
		}
		mu.Lock()
		if active {
			c.nc.SetReadDeadline(time.Unix(1, 0))
		}
		mu.Unlock()
	}()
	finish := func() {
		mu.Lock()
		active = false
		mu.Unlock()
		close(stop)
		done.Wait()
		c.nc.SetReadDeadline(deadline)
	}
	err = c.waitInput()
	finish()
	c.acquireBuffers()
	if err == nil {
		return false, nil
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) || !c.srv.now().Before(deadline) {
		return false, err
	}
	if c.shutdownReq.Load() {
		// Checked after finish: shutdown() may have raced with the
		// deadline reset.
		return false, err
	}
	// Woken by a notification (or spuriously: sending then costs a look
	// at empty feeds).
	return true, nil
}

// notifyChannels returns the signals that can have something to send:
// the backend watcher's and, with SELECTED, the selected mailbox's. A nil
// channel never fires.
func (c *conn) notifyChannels() (notes, sel <-chan struct{}) {
	ns := c.notify
	if ns == nil {
		return nil, nil
	}
	if ns.notifier != nil {
		notes = ns.notifier.Updates()
	}
	if c.sel != nil && ns.selEvents != 0 {
		sel = c.sel.mbox.Updates()
	}
	return notes, sel
}

// idleNotify is IDLE's update step: with NOTIFY, IDLE sends exactly the
// events NOTIFY asked for (RFC 5465 §4), expunges included for
// SELECTED-DELAYED; without it, the selected mailbox's updates.
func (c *conn) idleNotify() {
	if c.notifyActive() == nil {
		if c.sel != nil {
			c.sendUpdates(true)
		}
		return
	}
	c.sendNotifications(true)
}
