package main

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// state is what -keep remembers between runs.
type state struct {
	// POP3 maps UIDLs already downloaded to when they were first seen.
	POP3 map[string]time.Time `json:"pop3,omitempty"`
	// IMAP maps a mailbox name to the UIDs already downloaded.
	IMAP map[string]*imapState `json:"imap,omitempty"`
}

type imapState struct {
	UIDValidity uint32   `json:"uidvalidity"`
	UIDs        []uint32 `json:"uids"`
}

func loadState(path string) (*state, error) {
	st := &state{POP3: map[string]time.Time{}, IMAP: map[string]*imapState{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, st); err != nil {
		return nil, errors.New("state file " + path + " is corrupt: " + err.Error())
	}
	if st.POP3 == nil {
		st.POP3 = map[string]time.Time{}
	}
	if st.IMAP == nil {
		st.IMAP = map[string]*imapState{}
	}
	return st, nil
}

// save writes the state atomically (temp file, fsync, rename).
func (st *state) save(path string) error {
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}
