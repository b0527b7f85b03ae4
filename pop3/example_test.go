package pop3_test

import (
	"bytes"
	"context"
	"crypto/subtle"
	"fmt"
	"io"
	"log"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/mailwire/mailwire/pop3"
)

// exampleBackend serves one user's in-memory maildrop.
type exampleBackend struct {
	mu       sync.Mutex
	locked   bool
	messages []string
}

func (b *exampleBackend) NewSession(ctx context.Context, c *pop3.Conn) (pop3.Session, error) {
	return exampleSession{b}, nil
}

func (b *exampleBackend) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.messages)
}

type exampleSession struct{ b *exampleBackend }

// CheckPassword enables USER/PASS and AUTH PLAIN.
func (s exampleSession) CheckPassword(ctx context.Context, user, pass string) error {
	if user != "alice" || subtle.ConstantTimeCompare([]byte(pass), []byte("secret")) != 1 {
		return pop3.ErrAuthFailed
	}
	return nil
}

func (s exampleSession) Maildrop(ctx context.Context, user string) (pop3.Maildrop, error) {
	s.b.mu.Lock()
	defer s.b.mu.Unlock()
	if s.b.locked {
		return nil, pop3.ErrInUse
	}
	s.b.locked = true
	return exampleMaildrop{s.b}, nil
}

func (s exampleSession) Close() error { return nil }

type exampleMaildrop struct{ b *exampleBackend }

func (d exampleMaildrop) List(ctx context.Context) ([]pop3.MessageInfo, error) {
	d.b.mu.Lock()
	defer d.b.mu.Unlock()
	var out []pop3.MessageInfo
	for i, m := range d.b.messages {
		size, _ := pop3.MessageSize(strings.NewReader(m))
		out = append(out, pop3.MessageInfo{UID: fmt.Sprintf("msg-%d", i+1), Size: size})
	}
	return out, nil
}

func (d exampleMaildrop) Open(ctx context.Context, i int) (io.ReadCloser, error) {
	d.b.mu.Lock()
	defer d.b.mu.Unlock()
	return io.NopCloser(strings.NewReader(d.b.messages[i])), nil
}

func (d exampleMaildrop) Commit(ctx context.Context, deleted []int) error {
	d.b.mu.Lock()
	defer d.b.mu.Unlock()
	for j := len(deleted) - 1; j >= 0; j-- { // indexes ascend: remove from the end
		i := deleted[j]
		d.b.messages = append(d.b.messages[:i], d.b.messages[i+1:]...)
	}
	return nil
}

func (d exampleMaildrop) Close() error {
	d.b.mu.Lock()
	d.b.locked = false
	d.b.mu.Unlock()
	return nil
}

// A server with a backend. In production, set TLSConfig and leave
// AllowInsecureAuth off so that clients must use STLS (or serve with
// ListenAndServeTLS on port 995).
func Example_server() {
	backend := &exampleBackend{messages: []string{"Subject: hello\r\n\r\nHi Alice!\r\n"}}
	srv := &pop3.Server{Backend: backend, AllowInsecureAuth: true}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(l)
	defer srv.Close()

	ctx := context.Background()
	c, err := pop3.Dial(ctx, l.Addr().String(), nil)
	if err != nil {
		log.Fatal(err)
	}
	if err := c.Login(ctx, "alice", "secret"); err != nil {
		log.Fatal(err)
	}
	n, size, _ := c.Stat(ctx)
	fmt.Printf("%d message, %d octets\n", n, size)
	body, _ := c.Retr(ctx, 1)
	msg, _ := io.ReadAll(body)
	fmt.Printf("%q\n", msg)
	c.Dele(ctx, 1)
	c.Quit(ctx) // the deletion happens now
	fmt.Println(backend.count(), "messages left")
	// Output:
	// 1 message, 29 octets
	// "Subject: hello\r\n\r\nHi Alice!\r\n"
	// 0 messages left
}

// A client that fetches only new messages and leaves them on the server,
// deleting them 14 days after it first saw them.
func ExampleClient_FetchNew() {
	backend := &exampleBackend{messages: []string{
		"Subject: first\r\n\r\n1\r\n",
		"Subject: second\r\n\r\n2\r\n",
	}}
	srv := &pop3.Server{Backend: backend, AllowInsecureAuth: true}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(l)
	defer srv.Close()

	// What the mail client remembers between runs.
	seen := map[string]time.Time{"msg-1": time.Now().Add(-time.Hour)}

	ctx := context.Background()
	c, err := pop3.Dial(ctx, l.Addr().String(), nil)
	if err != nil {
		log.Fatal(err)
	}
	if err := c.Login(ctx, "alice", "secret"); err != nil {
		log.Fatal(err)
	}
	res, err := c.FetchNew(ctx, pop3.FetchOptions{Seen: seen, DeleteOlderThan: 14 * 24 * time.Hour},
		func(uid string, body io.Reader) error {
			var b bytes.Buffer
			_, err := io.Copy(&b, body) // store it locally
			fmt.Printf("new %s: %q\n", uid, b.String())
			return err
		})
	if err != nil {
		log.Fatal(err)
	}
	for _, uid := range res.Fetched {
		seen[uid] = time.Now()
	}
	if err := c.Quit(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Println(backend.count(), "messages still on the server")
	// Output:
	// new msg-2: "Subject: second\r\n\r\n2\r\n"
	// 2 messages still on the server
}
