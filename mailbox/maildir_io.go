package mailbox

import (
	"bufio"
	"io"
)

// countingWriter is a buffered writer that tracks its offset.
type countingWriter struct {
	w   *bufio.Writer
	n   int64
	err error
}

func newCountingWriter(w io.Writer) *countingWriter {
	return &countingWriter{w: bufio.NewWriterSize(w, 256<<10)}
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}

func (c *countingWriter) flush() error {
	if c.err != nil {
		return c.err
	}
	return c.w.Flush()
}
