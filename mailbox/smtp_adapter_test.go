package mailbox_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailwire/mailwire/mailbox"
	"github.com/mailwire/mailwire/smtp"
)

type fakeOutbound struct {
	mu   sync.Mutex
	from string
	to   []string
	body string
}

func (o *fakeOutbound) Relay(ctx context.Context, from string, to []string, body io.Reader) error {
	b, err := io.ReadAll(body)
	o.mu.Lock()
	o.from, o.to, o.body = from, to, string(b)
	o.mu.Unlock()
	return err
}

type smtpEnv struct {
	store mailbox.Store
	out   *fakeOutbound
	addr  string
}

func newSMTPEnv(t *testing.T, lmtp bool, rl *smtp.RateLimiter) *smtpEnv {
	t.Helper()
	ctx := context.Background()
	s := mailbox.NewMemory(mailbox.Options{})
	for _, u := range []string{"alice", "bob", "full", "tiny"} {
		if err := s.CreateUser(ctx, u, "pw-"+u); err != nil {
			t.Fatal(err)
		}
	}
	s.AddDomain(ctx, "example.org")
	s.Append(ctx, "full", "INBOX", strings.NewReader("x"), nil, time.Time{})
	s.SetQuota(ctx, "full", 0, 1)
	s.SetQuota(ctx, "tiny", 300, 0)
	out := &fakeOutbound{}
	be := mailbox.NewSMTPBackend(s, out)
	be.Hostname = "mx.example.org"
	srv := &smtp.Server{Backend: be, Hostname: "mx.example.org", LMTP: lmtp, AllowInsecureAuth: true, RateLimiter: rl, AuthFailureDelay: -1}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return &smtpEnv{store: s, out: out, addr: l.Addr().String()}
}

func (e *smtpEnv) dial(t *testing.T, lmtp bool) *smtp.Client {
	t.Helper()
	var c *smtp.Client
	var err error
	if lmtp {
		c, err = smtp.DialLMTP(context.Background(), "tcp", e.addr, &smtp.ClientOptions{LocalName: "client.test"})
	} else {
		c, err = smtp.Dial(context.Background(), e.addr, &smtp.ClientOptions{LocalName: "client.test"})
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func inbox(t *testing.T, s mailbox.Store, user string) []string {
	t.Helper()
	ctx := context.Background()
	list, err := s.List(ctx, user, "INBOX")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range list {
		r, _ := s.Open(ctx, user, "INBOX", m.UID)
		b, _ := io.ReadAll(r)
		r.Close()
		out = append(out, string(b))
	}
	return out
}

func smtpCode(err error) (int, [3]int) {
	var se *smtp.Error
	if errors.As(err, &se) {
		return se.Code, se.EnhancedCode
	}
	return 0, [3]int{}
}

const testBody = "From: sender@remote.test\r\nSubject: hi\r\n\r\nHello.\r\n"

func TestSMTPAdapterDelivery(t *testing.T) {
	env := newSMTPEnv(t, false, nil)
	c := env.dial(t, false)
	res, err := c.Send(context.Background(), "sender@remote.test", []string{"Alice+news@example.org", "nobody@example.org", "x@elsewhere.test"}, strings.NewReader(testBody), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rcpts[0].Err != nil {
		t.Fatalf("alice refused: %v", res.Rcpts[0].Err)
	}
	if code, enh := smtpCode(res.Rcpts[1].Err); code != 550 || enh != [3]int{5, 1, 1} {
		t.Errorf("unknown user: %v", res.Rcpts[1].Err)
	}
	if code, enh := smtpCode(res.Rcpts[2].Err); code != 550 || enh != [3]int{5, 7, 1} {
		t.Errorf("relay not refused: %v", res.Rcpts[2].Err)
	}
	msgs := inbox(t, env.store, "alice")
	if len(msgs) != 1 {
		t.Fatalf("alice has %d messages", len(msgs))
	}
	m := msgs[0]
	if !strings.HasPrefix(m, "Return-Path: <sender@remote.test>\r\nReceived: from client.test ([127.0.0.1])\r\n\tby mx.example.org (mailwire) with ESMTP id ") ||
		!strings.Contains(m, "\r\n\tfor <Alice+news@example.org>; ") || !strings.HasSuffix(m, "\r\n"+testBody) {
		t.Fatalf("stored message:\n%s", m)
	}
	if env.out.body != "" {
		t.Fatal("unauthenticated mail was relayed")
	}
}

func TestSMTPAdapterSubmissionRelay(t *testing.T) {
	env := newSMTPEnv(t, false, nil)
	c := env.dial(t, false)
	if err := c.Auth(smtp.PlainAuth("", "bob", "wrong")); err == nil {
		t.Fatal("bad password accepted")
	}
	if err := c.Auth(smtp.PlainAuth("", "bob", "pw-bob")); err != nil {
		t.Fatal(err)
	}
	res, err := c.Send(context.Background(), "bob@example.org", []string{"friend@elsewhere.test", "alice@example.org"}, strings.NewReader(testBody), nil)
	if err != nil || res.Err() != nil {
		t.Fatalf("%v %v", err, res.Err())
	}
	if env.out.from != "bob@example.org" || len(env.out.to) != 1 || env.out.to[0] != "friend@elsewhere.test" {
		t.Fatalf("relayed %q -> %v", env.out.from, env.out.to)
	}
	if !strings.HasPrefix(env.out.body, "Received: from client.test") || strings.Contains(env.out.body, "Return-Path") ||
		!strings.Contains(env.out.body, "with ESMTPA id") || !strings.HasSuffix(env.out.body, testBody) {
		t.Fatalf("relayed body:\n%s", env.out.body)
	}
	if msgs := inbox(t, env.store, "alice"); len(msgs) != 1 || !strings.HasPrefix(msgs[0], "Return-Path: <bob@example.org>\r\n") {
		t.Fatalf("local copy: %q", msgs)
	}
}

func TestSMTPAdapterQuota(t *testing.T) {
	env := newSMTPEnv(t, false, nil)
	c := env.dial(t, false)
	_, err := c.Send(context.Background(), "s@remote.test", []string{"full@example.org"}, strings.NewReader(testBody), nil)
	if code, enh := smtpCode(err); code != 452 || enh != [3]int{4, 2, 2} {
		t.Fatalf("full mailbox: %v", err)
	}
	big := testBody + strings.Repeat("filler line\r\n", 40)
	_, err = c.Send(context.Background(), "s@remote.test", []string{"tiny@example.org"}, strings.NewReader(big), nil)
	if code, enh := smtpCode(err); code != 552 || enh != [3]int{5, 2, 2} {
		t.Fatalf("over quota: %v", err)
	}
	if n := len(inbox(t, env.store, "tiny")); n != 0 {
		t.Fatalf("refused message stored (%d)", n)
	}
}

func TestSMTPAdapterLMTPPerRecipient(t *testing.T) {
	env := newSMTPEnv(t, true, nil)
	c := env.dial(t, true)
	big := testBody + strings.Repeat("filler line\r\n", 40)
	res, err := c.Send(context.Background(), "s@remote.test", []string{"alice@example.org", "nobody@example.org", "tiny@example.org", "bob@example.org"}, strings.NewReader(big), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Rcpts[0].Err != nil || res.Rcpts[3].Err != nil {
		t.Fatalf("deliveries failed: %+v", res.Rcpts)
	}
	if code, _ := smtpCode(res.Rcpts[1].Err); code != 550 {
		t.Errorf("unknown user: %v", res.Rcpts[1].Err)
	}
	if code, enh := smtpCode(res.Rcpts[2].Err); code != 552 || enh != [3]int{5, 2, 2} {
		t.Errorf("over quota recipient: %v", res.Rcpts[2].Err)
	}
	for _, u := range []string{"alice", "bob"} {
		msgs := inbox(t, env.store, u)
		if len(msgs) != 1 || !strings.HasSuffix(msgs[0], big) || !strings.Contains(msgs[0], "with LMTP id") {
			t.Fatalf("%s: %q", u, msgs)
		}
	}
}

func TestSMTPAdapterRateLimit(t *testing.T) {
	env := newSMTPEnv(t, false, &smtp.RateLimiter{AccountMessages: 1})
	c := env.dial(t, false)
	if err := c.Auth(smtp.PlainAuth("", "bob", "pw-bob")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(context.Background(), "bob@example.org", []string{"alice@example.org"}, strings.NewReader(testBody), nil); err != nil {
		t.Fatal(err)
	}
	_, err := c.Send(context.Background(), "bob@example.org", []string{"alice@example.org"}, strings.NewReader(testBody), nil)
	if code, _ := smtpCode(err); code != 450 {
		t.Fatalf("second message over the account's limit: %v", err)
	}
}

func TestSMTPAdapterPythonSmtplib(t *testing.T) {
	py := needPython(t)
	env := newSMTPEnv(t, false, nil)
	script := `
import smtplib, sys
host, port = sys.argv[1].rsplit(":", 1)
s = smtplib.SMTP(host, int(port), local_hostname="py.test")
refused = s.sendmail("py@remote.test", ["alice@example.org", "bob@example.org", "ghost@example.org"],
    "Subject: from python\r\n\r\nline one\r\n.dotted line\r\n")
print(sorted((k, v[0]) for k, v in refused.items()))
try:
    s.sendmail("py@remote.test", ["x@elsewhere.test"], "Subject: relay\r\n\r\nno\r\n")
except smtplib.SMTPRecipientsRefused as e:
    print("relay", e.recipients["x@elsewhere.test"][0])
s.quit()
`
	out, err := exec.Command(py, "-c", script, env.addr).CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	if got := string(bytes.TrimSpace(out)); got != "[('ghost@example.org', 550)]\nrelay 550" {
		t.Fatalf("python output:\n%s", got)
	}
	for _, u := range []string{"alice", "bob"} {
		msgs := inbox(t, env.store, u)
		if len(msgs) != 1 || !strings.HasSuffix(msgs[0], "Subject: from python\r\n\r\nline one\r\n.dotted line\r\n") {
			t.Fatalf("%s: %q", u, msgs)
		}
	}
}

func TestSMTPAdapterSenderPolicy(t *testing.T) {
	env := newSMTPEnv(t, false, nil)
	ctx := context.Background()
	if err := env.store.SetAlias(ctx, "postmaster@example.org", "bob"); err != nil {
		t.Fatal(err)
	}
	c := env.dial(t, false)
	if err := c.Auth(smtp.PlainAuth("", "bob", "pw-bob")); err != nil {
		t.Fatal(err)
	}
	for _, from := range []string{"alice@example.org", "", "bob@elsewhere.test", "nobody@example.org"} {
		err := c.Mail(from, nil)
		if code, enh := smtpCode(err); code != 553 || enh != [3]int{5, 7, 1} {
			t.Errorf("MAIL FROM:<%s> by bob: %v, want 553 5.7.1", from, err)
		}
		c.Reset()
	}
	for _, from := range []string{"bob@example.org", "Bob+lists@EXAMPLE.org", "postmaster@example.org"} {
		if err := c.Mail(from, nil); err != nil {
			t.Errorf("MAIL FROM:<%s> by bob refused: %v", from, err)
		}
		c.Reset()
	}
	// Unauthenticated (MX) sessions may use any sender.
	c2 := env.dial(t, false)
	if err := c2.Mail("alice@example.org", nil); err != nil {
		t.Fatalf("unauthenticated MAIL FROM: %v", err)
	}
}

func TestSMTPAdapterAnySender(t *testing.T) {
	s := mailbox.NewMemory(mailbox.Options{})
	ctx := context.Background()
	s.CreateUser(ctx, "bob", "pw-bob")
	s.AddDomain(ctx, "example.org")
	be := mailbox.NewSMTPBackend(s, &fakeOutbound{})
	be.AnySender = true
	addr := serveSMTP(t, &smtp.Server{Backend: be, AllowInsecureAuth: true, AuthFailureDelay: -1})
	c := (&smtpEnv{addr: addr}).dial(t, false)
	if err := c.Auth(smtp.PlainAuth("", "bob", "pw-bob")); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("someone@elsewhere.test", nil); err != nil {
		t.Fatalf("AnySender: %v", err)
	}
}

func TestSMTPAdapterMXOffersNoAuth(t *testing.T) {
	s := mailbox.NewMemory(mailbox.Options{})
	ctx := context.Background()
	s.CreateUser(ctx, "bob", "pw-bob")
	s.AddDomain(ctx, "example.org")
	addr := serveSMTP(t, &smtp.Server{Backend: mailbox.NewMXBackend(s), AllowInsecureAuth: true, AuthFailureDelay: -1})
	c := (&smtpEnv{addr: addr}).dial(t, false)
	if _, ok := c.Extension("AUTH"); ok {
		t.Fatal("MX advertises AUTH")
	}
	if err := c.Auth(smtp.PlainAuth("", "bob", "pw-bob")); err == nil {
		t.Fatal("AUTH accepted on the MX")
	}
	res, err := c.Send(ctx, "x@remote.test", []string{"bob@example.org", "y@elsewhere.test"}, strings.NewReader(testBody), nil)
	if err != nil || res.Rcpts[0].Err != nil {
		t.Fatalf("local delivery on the MX: %v %+v", err, res)
	}
	if code, enh := smtpCode(res.Rcpts[1].Err); code != 550 || enh != [3]int{5, 7, 1} {
		t.Fatalf("MX relayed: %v", res.Rcpts[1].Err)
	}
}

func serveSMTP(t *testing.T, srv *smtp.Server) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}

type envOutbound struct {
	fakeOutbound
	env *mailbox.RelayEnvelope
}

func (o *envOutbound) RelayEnvelope(ctx context.Context, env *mailbox.RelayEnvelope, body io.Reader) error {
	o.mu.Lock()
	o.env = env
	o.mu.Unlock()
	return o.Relay(ctx, env.From, nil, body)
}

// An Outbound that takes envelopes gets the DSN parameters of the
// submission (RFC 3461 §4).
func TestSMTPAdapterRelayDSNParameters(t *testing.T) {
	s := mailbox.NewMemory(mailbox.Options{})
	ctx := context.Background()
	s.CreateUser(ctx, "bob", "pw-bob")
	s.AddDomain(ctx, "example.org")
	out := &envOutbound{}
	addr := serveSMTP(t, &smtp.Server{Backend: mailbox.NewSMTPBackend(s, out), AllowInsecureAuth: true, AuthFailureDelay: -1, EnableDSN: true})
	c := (&smtpEnv{addr: addr}).dial(t, false)
	if err := c.Auth(smtp.PlainAuth("", "bob", "pw-bob")); err != nil {
		t.Fatal(err)
	}
	opts := &smtp.SendOptions{
		Mail: &smtp.MailOptions{Return: smtp.DSNReturn("HDRS"), EnvelopeID: "id+1"},
		PerRcpt: []*smtp.RcptOptions{
			{Notify: []smtp.DSNNotify{"SUCCESS", "FAILURE"}, OriginalRecipientType: "rfc822", OriginalRecipient: "a@elsewhere.test"},
			nil,
		},
	}
	res, err := c.Send(ctx, "bob@example.org", []string{"a@elsewhere.test", "b@elsewhere.test"}, strings.NewReader(testBody), opts)
	if err != nil || res.Err() != nil {
		t.Fatalf("%v %v", err, res.Err())
	}
	e := out.env
	if e == nil || e.From != "bob@example.org" || e.Return != "HDRS" || e.EnvelopeID != "id+1" || len(e.Rcpts) != 2 {
		t.Fatalf("envelope %+v", e)
	}
	r0, r1 := e.Rcpts[0], e.Rcpts[1]
	if r0.Addr != "a@elsewhere.test" || strings.Join(r0.Notify, ",") != "SUCCESS,FAILURE" || r0.ORCPTType != "rfc822" || r0.ORCPT != "a@elsewhere.test" {
		t.Fatalf("first recipient %+v", r0)
	}
	if r1.Addr != "b@elsewhere.test" || r1.Notify != nil || r1.ORCPT != "" {
		t.Fatalf("second recipient %+v", r1)
	}
	if !strings.HasSuffix(out.body, testBody) {
		t.Fatalf("body %q", out.body)
	}
}
