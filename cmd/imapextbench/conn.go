package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// conn is a minimal IMAP client (after the bench harness's load tool): it
// frames responses exactly, literals included, and counts the bytes the
// server sent, so "bytes on the wire" is exact.
type conn struct {
	c    net.Conn
	cr   *countReader
	r    *bufio.Reader
	w    *bufio.Writer
	tagN int
	caps map[string]bool
	line []byte // current response (literal payloads dropped)
}

// countReader counts bytes read from the connection.
type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// received returns the bytes this connection has received and consumed
// (bytes read ahead into the buffer do not count yet).
func (ic *conn) received() int64 { return ic.cr.n - int64(ic.r.Buffered()) }

func dial(addr string, timeout time.Duration) (*conn, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(timeout))
	cr := &countReader{r: c}
	ic := &conn{c: c, cr: cr, r: bufio.NewReaderSize(cr, 64<<10), w: bufio.NewWriterSize(c, 64<<10)}
	if err := ic.readResp(); err != nil {
		c.Close()
		return nil, err
	}
	if !bytes.HasPrefix(ic.line, []byte("* OK")) {
		c.Close()
		return nil, fmt.Errorf("greeting: %q", ic.line)
	}
	return ic, nil
}

// login dials, logs in and reads CAPABILITY.
func login(addr, user, pass string, timeout time.Duration) (*conn, error) {
	ic, err := dial(addr, timeout)
	if err != nil {
		return nil, err
	}
	if err := ic.run("LOGIN "+quote(user)+" "+quote(pass), nil); err != nil {
		ic.c.Close()
		return nil, fmt.Errorf("LOGIN: %w", err)
	}
	ic.caps = map[string]bool{}
	err = ic.run("CAPABILITY", func(l []byte) {
		if bytes.HasPrefix(l, []byte("* CAPABILITY ")) {
			for _, f := range strings.Fields(string(l[13:])) {
				ic.caps[strings.ToUpper(f)] = true
			}
		}
	})
	if err != nil {
		ic.c.Close()
		return nil, err
	}
	return ic, nil
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// readResp reads one whole response into ic.line, skipping literal
// payloads (this tool never needs them).
func (ic *conn) readResp() error {
	ic.line = ic.line[:0]
	for {
		seg, err := ic.r.ReadSlice('\n')
		ic.line = append(ic.line, seg...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return err
		}
		n, ok := literalAtEnd(ic.line)
		if !ok {
			ic.line = bytes.TrimRight(ic.line, "\r\n")
			return nil
		}
		if _, err := ic.r.Discard(int(n)); err != nil {
			return err
		}
	}
}

// literalAtEnd reports whether line ends with "{n}\r\n" (also {n+}).
func literalAtEnd(line []byte) (int64, bool) {
	l := len(line)
	if l < 5 || line[l-1] != '\n' || line[l-2] != '\r' || line[l-3] != '}' {
		return 0, false
	}
	end := l - 3
	if line[end-1] == '+' || line[end-1] == '-' {
		end--
	}
	i := end - 1
	for i >= 0 && line[i] >= '0' && line[i] <= '9' {
		i--
	}
	if i < 0 || i == end-1 || line[i] != '{' {
		return 0, false
	}
	n, err := strconv.ParseInt(string(line[i+1:end]), 10, 64)
	return n, err == nil
}

// send writes a tagged command and returns its tag.
func (ic *conn) send(cmd string) (string, error) {
	ic.tagN++
	tag := "x" + strconv.Itoa(ic.tagN)
	ic.w.WriteString(tag)
	ic.w.WriteByte(' ')
	ic.w.WriteString(cmd)
	ic.w.WriteString("\r\n")
	return tag, ic.w.Flush()
}

// run sends cmd and reads until its tagged completion, passing every
// untagged response (and the tagged one last) to on. Anything but OK is
// an error.
func (ic *conn) run(cmd string, on func(line []byte)) error {
	tag, err := ic.send(cmd)
	if err != nil {
		return err
	}
	return ic.wait(tag, on)
}

func (ic *conn) wait(tag string, on func(line []byte)) error {
	for {
		if err := ic.readResp(); err != nil {
			return err
		}
		if len(ic.line) > len(tag) && ic.line[len(tag)] == ' ' && string(ic.line[:len(tag)]) == tag {
			if on != nil {
				on(ic.line)
			}
			if bytes.HasPrefix(ic.line[len(tag)+1:], []byte("OK")) {
				return nil
			}
			return fmt.Errorf("%s", ic.line)
		}
		if len(ic.line) > 0 && ic.line[0] == '+' {
			return fmt.Errorf("unexpected continuation %q", ic.line)
		}
		if on != nil {
			on(ic.line)
		}
	}
}

// appendBatch APPENDs msgs in one MULTIAPPEND command (RFC 3502) with
// non-synchronizing literals (RFC 7888).
func (ic *conn) appendBatch(mbox string, msgs [][]byte) error {
	tag := "x" + strconv.Itoa(ic.tagN+1)
	ic.tagN++
	ic.w.WriteString(tag + " APPEND " + quote(mbox))
	for _, m := range msgs {
		ic.w.WriteString(" {" + strconv.Itoa(len(m)) + "+}\r\n")
		ic.w.Write(m)
	}
	ic.w.WriteString("\r\n")
	if err := ic.w.Flush(); err != nil {
		return err
	}
	return ic.wait(tag, nil)
}

func (ic *conn) logout() {
	ic.c.SetDeadline(time.Now().Add(5 * time.Second))
	ic.run("LOGOUT", nil)
	ic.c.Close()
}
