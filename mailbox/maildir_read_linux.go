package mailbox

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
)

// openIn opens name in the open directory dir (openat: one path
// component to resolve) as an fdMessage. Without a directory handle it
// falls back to the path.
func openIn(dir *os.File, mboxDir string, d int, name string, size int64) (Message, error) {
	if dir == nil {
		return openPath(filepath.Join(mboxDir, subdirs[d], name), size)
	}
	dfd := int(dir.Fd())
	for {
		fd, err := syscall.Openat(dfd, name, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NOCTTY, 0)
		if err == nil {
			return &fdMessage{fd: fd, size: size}, nil
		}
		if err != syscall.EINTR {
			return nil, &os.PathError{Op: "openat", Path: name, Err: err}
		}
	}
}

func openPath(path string, size int64) (Message, error) {
	for {
		fd, err := syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NOCTTY, 0)
		if err == nil {
			return &fdMessage{fd: fd, size: size}, nil
		}
		if err != syscall.EINTR {
			return nil, &os.PathError{Op: "open", Path: path, Err: err}
		}
	}
}

// fdMessage is a message file read with pread(2) on its bare descriptor,
// limited to the size the index recorded (like io.SectionReader over an
// os.File, without os.File's poller setup). ReadAt is safe for concurrent
// use; Read and Seek share one offset. The caller must Close it: there is
// no finalizer.
type fdMessage struct {
	fd   int
	off  int64
	size int64
}

var errMessageClosed = errors.New("mailbox: message already closed")

func (f *fdMessage) Size() int64 { return f.size }

func (f *fdMessage) Read(p []byte) (int, error) {
	if f.off >= f.size {
		return 0, io.EOF
	}
	if rem := f.size - f.off; int64(len(p)) > rem {
		p = p[:rem]
	}
	n, err := f.ReadAt(p, f.off)
	f.off += int64(n)
	if err == io.EOF && n > 0 {
		err = nil // the next Read reports EOF
	}
	return n, err
}

// ReadAt reads len(p) octets at off (fewer, with io.EOF, at the recorded
// size or where a truncated file ends).
func (f *fdMessage) ReadAt(p []byte, off int64) (int, error) {
	if f.fd < 0 {
		return 0, errMessageClosed
	}
	if off < 0 {
		return 0, errors.New("mailbox: negative offset")
	}
	if off >= f.size {
		return 0, io.EOF
	}
	want := p
	if rem := f.size - off; int64(len(want)) > rem {
		want = want[:rem]
	}
	n := 0
	for n < len(want) {
		k, err := syscall.Pread(f.fd, want[n:], off+int64(n))
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return n, &os.PathError{Op: "pread", Path: "message", Err: err}
		}
		if k == 0 {
			return n, io.EOF // the file is shorter than recorded
		}
		n += k
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (f *fdMessage) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += f.off
	case io.SeekEnd:
		offset += f.size
	default:
		return 0, errors.New("mailbox: invalid whence")
	}
	if offset < 0 {
		return 0, errors.New("mailbox: negative position")
	}
	f.off = offset
	return offset, nil
}

func (f *fdMessage) Close() error {
	if f.fd < 0 {
		return errMessageClosed
	}
	err := syscall.Close(f.fd)
	f.fd = -1
	return err
}
