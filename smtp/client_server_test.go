package smtp

// The client against this package's own Server over loopback TCP.

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// clientSink is a Backend that keeps every delivered message in memory
// and refuses recipients whose local part starts with "bad" (550) or
// "later" (451). In LMTP mode, recipients starting with "full" fail after
// the data (452).
type clientSink struct {
	mu    sync.Mutex
	msgs  []clientSinkMsg
	users map[string]string // PLAIN/LOGIN credentials
	scram map[string]ScramCredentials
}

type clientSinkMsg struct {
	from     string
	mailOpts MailOptions
	rcpts    []string
	rcptOpts []RcptOptions
	body     string
	auth     string
}

type clientSinkSession struct {
	b   *clientSink
	c   *Conn
	cur clientSinkMsg
}

func (b *clientSink) NewSession(ctx context.Context, c *Conn) (Session, error) {
	return &clientSinkSession{b: b, c: c}, nil
}

func (b *clientSink) messages() []clientSinkMsg {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]clientSinkMsg(nil), b.msgs...)
}

func (s *clientSinkSession) Mail(ctx context.Context, from string, opts *MailOptions) error {
	s.cur = clientSinkMsg{from: from, mailOpts: *opts, auth: s.c.AuthIdentity()}
	return nil
}

func (s *clientSinkSession) Rcpt(ctx context.Context, to string, opts *RcptOptions) error {
	switch {
	case strings.HasPrefix(to, "bad"):
		return &Error{Code: 550, EnhancedCode: [3]int{5, 1, 1}, Message: "no such user"}
	case strings.HasPrefix(to, "later"):
		return &Error{Code: 451, EnhancedCode: [3]int{4, 3, 0}, Message: "try later"}
	}
	s.cur.rcpts = append(s.cur.rcpts, to)
	s.cur.rcptOpts = append(s.cur.rcptOpts, *opts)
	return nil
}

func (s *clientSinkSession) Data(ctx context.Context, r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.body = string(b)
	s.b.mu.Lock()
	s.b.msgs = append(s.b.msgs, s.cur)
	s.b.mu.Unlock()
	return nil
}

func (s *clientSinkSession) LMTPData(ctx context.Context, r io.Reader, status StatusCollector) error {
	if err := s.Data(ctx, r); err != nil {
		return err
	}
	for _, rc := range s.cur.rcpts {
		if strings.HasPrefix(rc, "full") {
			status.SetStatus(rc, &Error{Code: 452, EnhancedCode: [3]int{4, 2, 2}, Message: "mailbox full"})
		} else {
			status.SetStatus(rc, nil)
		}
	}
	return nil
}

func (s *clientSinkSession) Reset(ctx context.Context)        { s.cur = clientSinkMsg{} }
func (s *clientSinkSession) Logout(ctx context.Context) error { return nil }
func (s *clientSinkSession) AuthPassword(ctx context.Context, identity, username, password string) error {
	if p, ok := s.b.users[username]; ok && p == password {
		return nil
	}
	return ErrAuthFailed
}

func (s *clientSinkSession) ScramCredentials(ctx context.Context, username string) (ScramCredentials, error) {
	if c, ok := s.b.scram[username]; ok {
		return c, nil
	}
	return ScramCredentials{}, ErrAuthFailed
}

// clientStartServer serves srv on 127.0.0.1:0 and returns its address.
func clientStartServer(t testing.TB, srv *Server) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if srv.Hostname == "" {
		srv.Hostname = "mx.example.test"
	}
	if srv.Logger == nil {
		srv.Logger = slog.New(slog.DiscardHandler)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(l)
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return l.Addr().String()
}

func TestClientServerPipelinedSendAndReuse(t *testing.T) {
	b := &clientSink{}
	addr := clientStartServer(t, &Server{Backend: b, EnableDSN: true})
	ctx := context.Background()
	c, err := Dial(ctx, addr, clientTestOpts())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, ext := range []string{"PIPELINING", "SIZE", "8BITMIME", "ENHANCEDSTATUSCODES", "CHUNKING", "DSN"} {
		if !c.HasExtension(ext) {
			t.Errorf("server did not advertise %s: %v", ext, c.Extensions())
		}
	}
	body := "Subject: t\r\n\r\n.leading dot\r\n..two dots\r\nbare LF\nend"
	res, err := c.Send(ctx, "alice@example.test",
		[]string{"bob@example.test", "bad1@example.test", "later@example.test", "carol@example.test"},
		strings.NewReader(body), &SendOptions{
			Mail: &MailOptions{Return: DSNReturnHeaders, EnvelopeID: "id+1 x"},
			Rcpt: &RcptOptions{Notify: []DSNNotify{DSNNotifyFailure}, OriginalRecipient: "orig=bob@example.test"},
		})
	if err != nil {
		t.Fatal(err)
	}
	if res.Accepted() != 2 {
		t.Fatalf("results %+v", res.Rcpts)
	}
	if se := clientSMTPErr(t, res.Rcpts[1].Err); se.Code != 550 || se.EnhancedCode != [3]int{5, 1, 1} {
		t.Errorf("bad1: %v", se)
	}
	if se := clientSMTPErr(t, res.Rcpts[2].Err); !se.Temporary() {
		t.Errorf("later: %v", se)
	}
	// Every recipient refused: an error, and the connection still works.
	if _, err := c.Send(ctx, "alice@example.test", []string{"bad2@example.test"}, strings.NewReader("x\r\n"), nil); err == nil {
		t.Error("Send with every recipient refused succeeded")
	}
	if _, err := c.Send(ctx, "", []string{"dave@example.test"}, strings.NewReader("second\r\n"), nil); err != nil {
		t.Fatalf("third Send on the same connection: %v", err)
	}
	if err := c.Quit(); err != nil {
		t.Fatal(err)
	}

	msgs := b.messages()
	if len(msgs) != 2 {
		t.Fatalf("%d messages delivered, want 2", len(msgs))
	}
	m := msgs[0]
	want := "Subject: t\r\n\r\n.leading dot\r\n..two dots\r\nbare LF\r\nend\r\n"
	if m.body != want {
		t.Errorf("body %q, want %q", m.body, want)
	}
	if m.from != "alice@example.test" || strings.Join(m.rcpts, ",") != "bob@example.test,carol@example.test" {
		t.Errorf("envelope %q → %v", m.from, m.rcpts)
	}
	if m.mailOpts.Return != DSNReturnHeaders || m.mailOpts.EnvelopeID != "id+1 x" || m.mailOpts.Size != int64(len(body)) {
		t.Errorf("MAIL options %+v", m.mailOpts)
	}
	if o := m.rcptOpts[0]; len(o.Notify) != 1 || o.Notify[0] != DSNNotifyFailure || o.OriginalRecipient != "orig=bob@example.test" || o.OriginalRecipientType != "rfc822" {
		t.Errorf("RCPT options %+v", o)
	}
	if msgs[1].from != "" || msgs[1].body != "second\r\n" {
		t.Errorf("second message %+v", msgs[1])
	}
}

func TestClientServerBDATAndBinaryMIME(t *testing.T) {
	b := &clientSink{}
	addr := clientStartServer(t, &Server{Backend: b, EnableBINARYMIME: true})
	opts := clientTestOpts()
	opts.ChunkSize = 1000
	opts.ChunkingThreshold = 1
	c, err := Dial(context.Background(), addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Binary content with NULs, bare CR/LF and dot lines passes unchanged.
	var sb strings.Builder
	for i := range 5000 {
		sb.WriteByte(byte(i * 7))
	}
	sb.WriteString("\r\n.\r\n")
	bin := sb.String()
	if _, err := c.Send(context.Background(), "a@example.test", []string{"b@example.test"}, strings.NewReader(bin),
		&SendOptions{Mail: &MailOptions{Body: BodyBinaryMIME}}); err != nil {
		t.Fatal(err)
	}
	// A large text body of unknown length goes as BDAT too when sized.
	text := strings.Repeat("line of text\r\n", 500)
	if _, err := c.Send(context.Background(), "a@example.test", []string{"b@example.test"}, strings.NewReader(text), nil); err != nil {
		t.Fatal(err)
	}
	// A small text with many bare LFs outgrows the one-round-trip buffer
	// once repaired and goes in chunks after the envelope instead.
	bare := strings.Repeat("a\n", 100)
	if _, err := c.Send(context.Background(), "a@example.test", []string{"b@example.test"}, strings.NewReader(bare), nil); err != nil {
		t.Fatal(err)
	}
	c.Quit()
	msgs := b.messages()
	if len(msgs) != 3 || msgs[2].body != strings.Repeat("a\r\n", 100) {
		t.Fatalf("bare-LF message: %d messages", len(msgs))
	}
	if msgs[0].body != bin || msgs[0].mailOpts.Body != BodyBinaryMIME || msgs[1].body != text {
		t.Fatalf("binary intact: %v; text intact: %v", msgs[0].body == bin, msgs[1].body == text)
	}
}

func TestClientServerSizeAndSMTPUTF8(t *testing.T) {
	b := &clientSink{}
	addr := clientStartServer(t, &Server{Backend: b, MaxMessageBytes: 1000})
	c, err := Dial(context.Background(), addr, clientTestOpts())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.MaxSize() != 1000 {
		t.Fatalf("MaxSize = %d", c.MaxSize())
	}
	_, err = c.Send(context.Background(), "a@example.test", []string{"b@example.test"}, strings.NewReader(strings.Repeat("x", 1001)), nil)
	if !errors.Is(err, ErrSizeExceedsLimit) {
		t.Errorf("over-size: %v", err)
	}
	// Unknown length: the server enforces the limit while the body streams.
	_, err = c.Send(context.Background(), "a@example.test", []string{"b@example.test"},
		io.MultiReader(strings.NewReader(strings.Repeat("y", 2000)+"\r\n")), nil)
	if se := clientSMTPErr(t, err); se.Code != 552 {
		t.Errorf("over-size while streaming: %v", err)
	}
	if c.Err() == nil {
		if _, err := c.Send(context.Background(), "jöran@exämple.test", []string{"b@example.test"}, strings.NewReader("x\r\n"), nil); !errors.Is(err, ErrNotAdvertised) {
			t.Errorf("UTF-8 sender without SMTPUTF8: %v", err)
		}
	}
	if len(b.messages()) != 0 {
		t.Errorf("delivered %d messages", len(b.messages()))
	}

	// With SMTPUTF8 enabled the same message goes through.
	addr = clientStartServer(t, &Server{Backend: b, EnableSMTPUTF8: true})
	c2, err := Dial(context.Background(), addr, clientTestOpts())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if _, err := c2.Send(context.Background(), "jöran@exämple.test", []string{"b@example.test"}, strings.NewReader("x\r\n"), nil); err != nil {
		t.Fatal(err)
	}
	if m := b.messages(); len(m) != 1 || m[0].from != "jöran@exämple.test" || !m[0].mailOpts.SMTPUTF8 {
		t.Errorf("delivered %+v", m)
	}
}

func TestClientServerStartTLSAndAuth(t *testing.T) {
	srvTLS, cliTLS := clientTestTLS(t)
	b := &clientSink{
		users: map[string]string{"alice": "secret"},
		scram: map[string]ScramCredentials{"bob": NewScramCredentials("pencil", []byte("0123456789abcdef"), 4096)},
	}
	addr := clientStartServer(t, &Server{Backend: b, TLSConfig: srvTLS, Submission: true, EnableREQUIRETLS: true, AuthFailureDelay: -1})
	opts := clientTestOpts()
	opts.TLSConfig = cliTLS
	for _, tc := range []struct {
		mech SASLClient
		user string
	}{
		{PlainAuth("", "alice", "secret"), "alice"},
		{LoginAuth("alice", "secret"), "alice"},
		{ScramSHA256Auth("", "bob", "pencil"), "bob"},
	} {
		c, err := Dial(context.Background(), addr, opts)
		if err != nil {
			t.Fatal(err)
		}
		if !c.HasExtension("STARTTLS") || c.AuthMechanisms() != nil {
			t.Fatalf("cleartext extensions %v", c.Extensions())
		}
		if err := c.StartTLS(nil); err != nil {
			t.Fatal(err)
		}
		mech, _, _ := tc.mech.Start()
		if err := c.Auth(tc.mech); err != nil {
			t.Fatalf("AUTH %s: %v", mech, err)
		}
		if _, err := c.Send(context.Background(), tc.user+"@example.test", []string{"x@example.test"}, strings.NewReader("hi\r\n"),
			&SendOptions{Mail: &MailOptions{RequireTLS: true}}); err != nil {
			t.Fatalf("Send after AUTH %s: %v", mech, err)
		}
		c.Quit()
	}
	msgs := b.messages()
	if len(msgs) != 3 || msgs[0].auth != "alice" || msgs[2].auth != "bob" || !msgs[2].mailOpts.RequireTLS {
		t.Fatalf("messages %+v", msgs)
	}

	// Wrong password: 535 5.7.8.
	c, err := Dial(context.Background(), addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.StartTLS(nil); err != nil {
		t.Fatal(err)
	}
	if se := clientSMTPErr(t, c.Auth(PlainAuth("", "alice", "wrong"))); se.Code != 535 || !se.Permanent() {
		t.Errorf("bad password: %v", se)
	}
	// Submission without AUTH: MAIL refused with 530.
	_, err = c.Send(context.Background(), "a@example.test", []string{"x@example.test"}, strings.NewReader("hi\r\n"), nil)
	if se := clientSMTPErr(t, err); se.Code != 530 {
		t.Errorf("unauthenticated submission: %v", err)
	}
}

func TestClientServerImplicitTLS(t *testing.T) {
	srvTLS, cliTLS := clientTestTLS(t)
	b := &clientSink{}
	l, err := tls.Listen("tcp", "127.0.0.1:0", srvTLS)
	if err != nil {
		t.Fatal(err)
	}
	srv := &Server{Backend: b, Hostname: "mx.example.test", Logger: slog.New(slog.DiscardHandler)}
	go srv.Serve(l)
	defer srv.Close()
	opts := clientTestOpts()
	opts.TLSConfig = cliTLS
	c, err := DialTLS(context.Background(), l.Addr().String(), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !c.IsTLS() {
		t.Fatal("not TLS")
	}
	if _, err := c.Send(context.Background(), "a@example.test", []string{"b@example.test"}, strings.NewReader("hi\r\n"), nil); err != nil {
		t.Fatal(err)
	}
	c.Quit()
}

func TestClientServerLMTP(t *testing.T) {
	b := &clientSink{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &Server{Backend: b, LMTP: true, Hostname: "lmtp.example.test", Logger: slog.New(slog.DiscardHandler)}
	go srv.Serve(l)
	defer srv.Close()
	c, err := DialLMTP(context.Background(), "tcp", l.Addr().String(), clientTestOpts())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	res, err := c.Send(context.Background(), "a@example.test",
		[]string{"one@example.test", "bad@example.test", "full@example.test", "two@example.test"},
		strings.NewReader("Subject: lmtp\r\n\r\nhi\r\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rcpts[0].Err != nil || res.Rcpts[3].Err != nil {
		t.Errorf("delivered recipients failed: %+v", res.Rcpts)
	}
	if se := clientSMTPErr(t, res.Rcpts[1].Err); se.Code != 550 {
		t.Errorf("bad: %v", se)
	}
	if se := clientSMTPErr(t, res.Rcpts[2].Err); se.Code != 452 || !se.Temporary() {
		t.Errorf("full: %v", se)
	}
	c.Quit()
}

func TestClientServerSendMail(t *testing.T) {
	b := &clientSink{}
	addr := clientStartServer(t, &Server{Backend: b})
	err := SendMail(context.Background(), addr, nil, "a@example.test", []string{"b@example.test", "c@example.test"},
		strings.NewReader("Subject: sendmail\r\n\r\nhi\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	err = SendMail(context.Background(), addr, nil, "a@example.test", []string{"b@example.test", "bad@example.test"},
		strings.NewReader("Subject: sendmail\r\n\r\nhi\r\n"))
	var re *RcptError
	if !errors.As(err, &re) || re.Rcpt != "bad@example.test" {
		t.Errorf("SendMail with a refused recipient = %v", err)
	}
	if m := b.messages(); len(m) != 2 || len(m[0].rcpts) != 2 {
		t.Errorf("messages %+v", m)
	}

	// With STARTTLS and AUTH (the certificate is trusted via opts).
	srvTLS, cliTLS := clientTestTLS(t)
	b2 := &clientSink{users: map[string]string{"alice": "secret"}}
	addr = clientStartServer(t, &Server{Backend: b2, TLSConfig: srvTLS, Submission: true})
	opts := clientTestOpts()
	opts.TLSConfig = cliTLS
	if err := clSendMail(context.Background(), addr, opts, PlainAuth("", "alice", "secret"), "alice@example.test",
		[]string{"b@example.test"}, strings.NewReader("hi\r\n")); err != nil {
		t.Fatal(err)
	}
	if m := b2.messages(); len(m) != 1 || m[0].auth != "alice" {
		t.Errorf("messages %+v", m)
	}
	// An untrusted certificate fails SendMail instead of sending in clear.
	if err := SendMail(context.Background(), addr, PlainAuth("", "alice", "secret"), "alice@example.test",
		[]string{"b@example.test"}, strings.NewReader("hi\r\n")); err == nil {
		t.Error("SendMail accepted an untrusted certificate")
	}
}

// Many recipients go out in pipelined windows (ClientOptions.PipelineWindow)
// and the server's recipient limit shows up per recipient.
func TestClientServerManyRecipients(t *testing.T) {
	b := &clientSink{}
	addr := clientStartServer(t, &Server{Backend: b, MaxRecipients: 700})
	c, err := Dial(context.Background(), addr, clientTestOpts())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rcpts := make([]string, 1000)
	for i := range rcpts {
		rcpts[i] = "user" + strings.Repeat("x", i%7) + "@example.test"
	}
	res, err := c.Send(context.Background(), "a@example.test", rcpts, strings.NewReader("hi\r\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Accepted() != 700 {
		t.Errorf("accepted %d, want 700", res.Accepted())
	}
	if se := clientSMTPErr(t, res.Rcpts[700].Err); se.Code != 452 || !se.Temporary() {
		t.Errorf("recipient 701: %v", se)
	}
	if m := b.messages(); len(m) != 1 || len(m[0].rcpts) != 700 {
		t.Errorf("delivered to %d", len(m[0].rcpts))
	}
	c.Quit()
}

// LMTP is usually spoken over a unix socket.
func TestClientServerLMTPUnixSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lmtp.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Skipf("unix sockets unavailable: %v", err)
	}
	b := &clientSink{}
	srv := &Server{Backend: b, LMTP: true, Hostname: "lmtp.example.test", Logger: slog.New(slog.DiscardHandler)}
	go srv.Serve(l)
	defer srv.Close()
	c, err := DialLMTP(context.Background(), "unix", path, clientTestOpts())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Send(context.Background(), "a@example.test", []string{"one@example.test"}, strings.NewReader("hi\r\n"), nil); err != nil {
		t.Fatal(err)
	}
	if err := c.Quit(); err != nil {
		t.Fatal(err)
	}
	if m := b.messages(); len(m) != 1 || m[0].body != "hi\r\n" {
		t.Errorf("messages %+v", m)
	}
}

// Pipelined BDAT chunks that cross the server's size limit: the refusal
// comes back as 552, no further chunk is sent, and after RSET the
// connection carries the next message.
func TestClientServerBDATOverSize(t *testing.T) {
	b := &clientSink{}
	addr := clientStartServer(t, &Server{Backend: b, MaxMessageBytes: 1000})
	opts := clientTestOpts()
	opts.ChunkSize = 300
	opts.ChunkingThreshold = 1
	c, err := Dial(context.Background(), addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	big := io.MultiReader(strings.NewReader(strings.Repeat("0123456789abcdefghijklmnopqrstuvwxyz\r\n", 200)))
	_, err = c.Send(context.Background(), "a@example.test", []string{"b@example.test"}, big, nil)
	if se := clientSMTPErr(t, err); se.Code != 552 || se.EnhancedCode[0] != 5 {
		t.Fatalf("over-size BDAT: %v", err)
	}
	if c.Err() != nil {
		t.Fatalf("connection lost: %v", c.Err())
	}
	if _, err := c.Send(context.Background(), "a@example.test", []string{"b@example.test"}, strings.NewReader("small\r\n"), nil); err != nil {
		t.Fatalf("next message: %v", err)
	}
	c.Quit()
	if m := b.messages(); len(m) != 1 || m[0].body != "small\r\n" {
		t.Errorf("messages %+v", m)
	}
}
