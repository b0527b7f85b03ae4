package mailbox

import (
	"errors"
	"io"
	"io/fs"
	"os"
)

// open opens r's message file. The size comes from the index (no fstat).
// On Linux the file is opened relative to the mailbox's open new/ or cur/
// descriptor (no path walk, no path building) and read with pread on the
// bare descriptor: no poller registration and none of os.File's fcntl
// calls, which on a 4 KiB message cost as much as the read itself
// (maildir_read_linux.go).
func (m *mdBox) open(st *mstate, r *msgRec) (Message, error) {
	d, name := m.fileName(st, r)
	msg, err := openIn(m.dirs[d], m.dir, d, name, r.size)
	if errors.Is(err, fs.ErrNotExist) {
		// Renamed by another program (flags, new/ → cur/).
		var p string
		if p, err = m.locate(st, r); err == nil {
			msg, err = openPath(p, r.size)
		}
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, ErrNoSuchMessage
		}
		return nil, err
	}
	return msg, nil
}

// fileMessage is an open message file read through os.File (platforms
// without openat/pread, and the fallback for a missing directory handle).
type fileMessage struct {
	*io.SectionReader
	f *os.File
}

func (f *fileMessage) Close() error { return f.f.Close() }

func openFile(path string, size int64) (Message, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	return &fileMessage{io.NewSectionReader(f, 0, size), f}, nil
}
