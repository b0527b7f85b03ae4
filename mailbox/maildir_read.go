package mailbox

import (
	"errors"
	"io"
	"io/fs"
	"os"
)

// fileMessage is an open message file.
type fileMessage struct {
	*io.SectionReader
	f *os.File
}

func (f *fileMessage) Close() error { return f.f.Close() }

func (m *mdBox) open(st *mstate, r *msgRec) (Message, error) {
	f, err := os.Open(m.path(st, r))
	if errors.Is(err, fs.ErrNotExist) {
		var p string
		if p, err = m.locate(st, r); err == nil {
			f, err = os.Open(p)
		}
	}
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, ErrNoSuchMessage
		}
		return nil, err
	}
	return &fileMessage{io.NewSectionReader(f, 0, r.size), f}, nil
}
