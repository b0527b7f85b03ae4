package mailbox_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailwire/mailwire/mailbox"
)

// The Message a Maildir store returns behaves like an io.SectionReader
// over the file, bounded by the size the index recorded: Read to EOF,
// ReadAt at any offset (concurrently), Seek, Size, and Close once.
func TestMaildirMessageReader(t *testing.T) {
	ctx := context.Background()
	s := openMD(t, t.TempDir())
	defer s.Close()
	s.CreateUser(ctx, "u", "p")
	body := "Subject: reader\r\n\r\n" + strings.Repeat("0123456789abcdef", 1000) + "\r\n"
	uid, err := s.Append(ctx, "u", "INBOX", strings.NewReader(body), nil, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.Open(ctx, "u", "INBOX", uid)
	if err != nil {
		t.Fatal(err)
	}
	if m.Size() != int64(len(body)) {
		t.Fatalf("Size %d, want %d", m.Size(), len(body))
	}
	// Small reads in sequence, then EOF.
	var got []byte
	buf := make([]byte, 1000)
	for {
		n, err := m.Read(buf)
		got = append(got, buf[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if string(got) != body {
		t.Fatalf("Read returned %d octets, want %d", len(got), len(body))
	}
	// ReadAt from several goroutines.
	var wg sync.WaitGroup
	for off := 0; off < len(body); off += 3000 {
		wg.Go(func() {
			p := make([]byte, 3000)
			n, err := m.ReadAt(p, int64(off))
			want := body[off:min(off+3000, len(body))]
			if string(p[:n]) != want {
				t.Errorf("ReadAt(%d): %d octets, want %d", off, n, len(want))
			}
			if n < len(p) && err != io.EOF {
				t.Errorf("ReadAt(%d) short without EOF: %v", off, err)
			}
			if n == len(p) && err != nil {
				t.Errorf("ReadAt(%d) full with %v", off, err)
			}
		})
	}
	wg.Wait()
	if n, err := m.ReadAt(buf, int64(len(body))); n != 0 || err != io.EOF {
		t.Fatalf("ReadAt at the end: %d, %v", n, err)
	}
	// Seek back and read the tail.
	if pos, err := m.Seek(-6, io.SeekEnd); err != nil || pos != int64(len(body)-6) {
		t.Fatalf("Seek: %d, %v", pos, err)
	}
	tail, _ := io.ReadAll(m)
	if string(tail) != "cdef\r\n" {
		t.Fatalf("tail %q", tail)
	}
	if _, err := m.Seek(-1, io.SeekStart); err == nil {
		t.Fatal("Seek to a negative position succeeded")
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := m.Close(); err == nil {
		t.Fatal("second Close succeeded")
	}
	if _, err := m.ReadAt(buf, 0); err == nil {
		t.Fatal("ReadAt after Close succeeded")
	}
}

// A message file shorter than its recorded size (damaged by another
// program) reads as far as it goes and then reports io.EOF, so a protocol
// layer can keep its length promise instead of hanging.
func TestMaildirMessageTruncatedFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openMD(t, dir)
	defer s.Close()
	s.CreateUser(ctx, "u", "p")
	body := "Subject: cut\r\n\r\n" + strings.Repeat("x", 5000) + "\r\n"
	uid, err := s.Append(ctx, "u", "INBOX", strings.NewReader(body), nil, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "u", "Maildir", "*", "*.mailwire*"))
	if len(files) != 1 {
		t.Fatalf("files %v", files)
	}
	if err := os.Truncate(files[0], 100); err != nil {
		t.Fatal(err)
	}
	m, err := s.Open(ctx, "u", "INBOX", uid)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	p := make([]byte, len(body))
	n, err := m.ReadAt(p, 0)
	if n != 100 || err != io.EOF {
		t.Fatalf("ReadAt: %d, %v; want 100, EOF", n, err)
	}
	b, err := io.ReadAll(m)
	if len(b) != 100 || err != nil {
		t.Fatalf("ReadAll: %d octets, %v", len(b), err)
	}
}

// A message whose file is gone reads as ErrNoSuchMessage, not as an I/O
// error.
func TestMaildirMessageFileGone(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := openMD(t, dir)
	defer s.Close()
	s.CreateUser(ctx, "u", "p")
	uid, err := s.Append(ctx, "u", "INBOX", strings.NewReader("Subject: gone\r\n\r\n"), nil, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "u", "Maildir", "*", "*.mailwire*"))
	for _, f := range files {
		os.Remove(f)
	}
	if _, err := s.Open(ctx, "u", "INBOX", uid); !errors.Is(err, mailbox.ErrNoSuchMessage) {
		t.Fatalf("Open of a removed file: %v", err)
	}
}
