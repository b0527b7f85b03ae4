package imapclient

import (
	"sync"
	"time"
)

// IdleCommand is a running IDLE (RFC 2177, RFC 9051 §6.3.13). Updates
// arrive at the Options.Handler while it runs.
type IdleCommand struct {
	c    *Client
	cmd  *command
	once sync.Once
	err  error
}

// Idle sends IDLE and returns once the server accepted it ("+"). No
// other command can be sent until Close. RFC 9051 §5.4: re-issue IDLE at
// least every 29 minutes to avoid the server's inactivity timer.
func (c *Client) Idle() (*IdleCommand, error) {
	c.wmu.Lock()
	ic := &IdleCommand{c: c}
	c.mu.Lock()
	if c.closed {
		err := c.closeErr
		c.mu.Unlock()
		c.wmu.Unlock()
		return nil, err
	}
	if c.idling {
		c.mu.Unlock()
		c.wmu.Unlock()
		return nil, ErrIdling
	}
	c.tagSeq++
	cmd := &command{c: c, name: "IDLE", done: make(chan struct{})}
	cmd.tag = "A" + itoa64(c.tagSeq)
	c.pending = append(c.pending, cmd)
	c.mu.Unlock()
	ic.cmd = cmd
	c.drainCont()
	c.conn.SetWriteDeadline(time.Now().Add(c.opts.CommandTimeout))
	c.bw.WriteString(cmd.tag + " IDLE\r\n")
	err := c.bw.Flush()
	c.conn.SetWriteDeadline(time.Time{})
	if err != nil {
		c.wmu.Unlock()
		c.closeWith(err)
		return nil, err
	}
	c.currentCmd = cmd
	err = c.waitContinuation()
	c.currentCmd = nil
	if err != nil {
		c.wmu.Unlock()
		if cmd.err != nil {
			return nil, cmd.err
		}
		return nil, err
	}
	c.mu.Lock()
	c.idling = true
	c.mu.Unlock()
	c.wmu.Unlock()
	return ic, nil
}

// Close ends IDLE with DONE and waits for the tagged response.
func (ic *IdleCommand) Close() error {
	ic.once.Do(func() {
		c := ic.c
		c.wmu.Lock()
		c.conn.SetWriteDeadline(time.Now().Add(c.opts.CommandTimeout))
		c.bw.WriteString("DONE\r\n")
		err := c.bw.Flush()
		c.conn.SetWriteDeadline(time.Time{})
		c.mu.Lock()
		c.idling = false
		c.mu.Unlock()
		c.wmu.Unlock()
		if err != nil {
			c.closeWith(err)
			ic.err = err
			return
		}
		ic.err = ic.cmd.wait()
	})
	return ic.err
}

// Done returns a channel closed when the IDLE command ended (after Close,
// or if the server ended it, for example with BYE).
func (ic *IdleCommand) Done() <-chan struct{} { return ic.cmd.done }

func itoa64(n uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return string(b[i:])
}
