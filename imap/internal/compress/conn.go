package compress

import (
	"compress/flate"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// DefaultLevel is the compression level used when Options.Level is zero.
const DefaultLevel = flate.BestSpeed

// chunkSize is the largest decompressed chunk handed to Read at once.
const chunkSize = 32 << 10

// Options configure NewConn. The zero value works.
type Options struct {
	// Level is a compress/flate level (1..9, or flate.HuffmanOnly);
	// zero means DefaultLevel.
	Level int
	// Prefix holds bytes already read from the underlying connection
	// that belong to the compressed stream (read-ahead of a buffered
	// reader); they are decompressed before anything else.
	Prefix []byte
}

// Conn is a net.Conn whose both directions are DEFLATE-compressed
// (RFC 4978). It is safe for one reader and one writer at a time; deadline
// methods may be called from any goroutine.
type Conn struct {
	net.Conn // the underlying connection (addresses, write deadline)

	wmu sync.Mutex
	fw  *flate.Writer

	// The decompressing goroutine sends one chunk at a time on chunks and
	// waits on ack until Read consumed it.
	chunks  chan chunk
	ack     chan struct{}
	closed  chan struct{}
	once    sync.Once
	pending []byte // the part of the current chunk Read has not returned
	acked   bool
	rerr    error // sticky error after the stream ended
	rdl     deadline
}

type chunk struct {
	data []byte
	err  error
}

// ErrClosed is returned by Read and Write after Close.
var ErrClosed = net.ErrClosed

// NewConn starts compressing c. The caller must not use c afterwards,
// except through the returned Conn. Any read deadline on c is cleared: the
// Conn applies its own.
func NewConn(c net.Conn, opts *Options) (*Conn, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.Level == 0 {
		o.Level = DefaultLevel
	}
	fw, err := flate.NewWriter(c, o.Level)
	if err != nil {
		return nil, err
	}
	c.SetReadDeadline(time.Time{})
	z := &Conn{
		Conn:   c,
		fw:     fw,
		chunks: make(chan chunk),
		ack:    make(chan struct{}, 1),
		closed: make(chan struct{}),
		acked:  true,
	}
	z.rdl.init()
	var src io.Reader = c
	if len(o.Prefix) > 0 {
		src = io.MultiReader(byteReaderOf(append([]byte(nil), o.Prefix...)), c)
	}
	go z.inflate(flate.NewReader(src))
	return z, nil
}

func byteReaderOf(b []byte) io.Reader { return &sliceReader{b} }

type sliceReader struct{ b []byte }

func (r *sliceReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

// inflate decompresses until the stream or the connection ends. flate's
// Read returns as soon as a block is complete, so the bytes of a flushed
// response reach Read without waiting for the next one.
func (z *Conn) inflate(zr io.ReadCloser) {
	defer zr.Close()
	buf := make([]byte, chunkSize)
	for {
		n, err := zr.Read(buf)
		if n == 0 && err == nil {
			continue
		}
		if err == io.ErrUnexpectedEOF {
			// The connection ended mid-stream: to the reader it is an
			// ordinary end of connection.
			err = io.EOF
		}
		select {
		case z.chunks <- chunk{buf[:n], err}:
		case <-z.closed:
			return
		}
		if err != nil {
			return
		}
		select {
		case <-z.ack:
		case <-z.closed:
			return
		}
	}
}

// Read returns decompressed bytes. It blocks until the peer's next flush
// (or the read deadline).
func (z *Conn) Read(p []byte) (int, error) {
	if len(z.pending) == 0 {
		if !z.acked {
			z.acked = true
			z.ack <- struct{}{}
		}
		if z.rerr != nil {
			return 0, z.rerr
		}
		select {
		case ch := <-z.chunks:
			z.pending, z.acked = ch.data, false
			if ch.err != nil {
				z.rerr, z.acked = ch.err, true
			}
		case <-z.closed:
			return 0, ErrClosed
		default:
			select {
			case ch := <-z.chunks:
				z.pending, z.acked = ch.data, false
				if ch.err != nil {
					z.rerr, z.acked = ch.err, true
				}
			case <-z.closed:
				return 0, ErrClosed
			case <-z.rdl.wait():
				return 0, os.ErrDeadlineExceeded
			}
		}
	}
	if len(z.pending) == 0 {
		return 0, z.rerr
	}
	n := copy(p, z.pending)
	z.pending = z.pending[n:]
	return n, nil
}

// Write compresses p and sync-flushes it (RFC 4978 §4), so that the peer
// can read all of p without waiting for more.
func (z *Conn) Write(p []byte) (int, error) {
	z.wmu.Lock()
	defer z.wmu.Unlock()
	select {
	case <-z.closed:
		return 0, ErrClosed
	default:
	}
	n, err := z.fw.Write(p)
	if err != nil {
		return n, err
	}
	return n, z.fw.Flush()
}

// Close closes the underlying connection and stops decompressing.
func (z *Conn) Close() error {
	var err error
	z.once.Do(func() {
		close(z.closed)
		err = z.Conn.Close()
		z.rdl.set(time.Time{})
	})
	return err
}

// SetDeadline sets both deadlines.
func (z *Conn) SetDeadline(t time.Time) error {
	z.SetReadDeadline(t)
	return z.Conn.SetWriteDeadline(t)
}

// SetReadDeadline bounds Read; it may be called from another goroutine
// to wake a blocked Read (a past time does so at once).
func (z *Conn) SetReadDeadline(t time.Time) error {
	select {
	case <-z.closed:
		return ErrClosed
	default:
	}
	z.rdl.set(t)
	return nil
}

// Underlying returns the wrapped connection (for TLS state and the like).
func (z *Conn) Underlying() net.Conn { return z.Conn }

var _ net.Conn = (*Conn)(nil)

// deadline is a settable, cancellable read deadline (the technique of
// net.Pipe): wait returns a channel closed when the deadline passes.
type deadline struct {
	mu     sync.Mutex
	timer  *time.Timer
	cancel chan struct{}
}

func (d *deadline) init() { d.cancel = make(chan struct{}) }

func (d *deadline) set(t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.timer != nil && !d.timer.Stop() {
		<-d.cancel // the timer fired: wait for it to close cancel
	}
	d.timer = nil
	closed := isClosed(d.cancel)
	if t.IsZero() {
		if closed {
			d.cancel = make(chan struct{})
		}
		return
	}
	if dur := time.Until(t); dur > 0 {
		if closed {
			d.cancel = make(chan struct{})
		}
		cancel := d.cancel
		d.timer = time.AfterFunc(dur, func() { close(cancel) })
		return
	}
	if !closed {
		close(d.cancel)
	}
}

func (d *deadline) wait() chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cancel
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// IsTimeout reports whether err is a deadline expiry of Read.
func IsTimeout(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }
