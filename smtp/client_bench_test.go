package smtp

import (
	"bufio"
	"context"
	"io"
	"strings"
	"testing"
)

// clientDiscard is a Backend that reads and drops every message.
type clientDiscard struct{}

func (clientDiscard) NewSession(context.Context, *Conn) (Session, error) {
	return clientDiscardSession{}, nil
}

type clientDiscardSession struct{}

func (clientDiscardSession) Mail(context.Context, string, *MailOptions) error { return nil }
func (clientDiscardSession) Rcpt(context.Context, string, *RcptOptions) error { return nil }
func (clientDiscardSession) Data(_ context.Context, r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	return err
}
func (clientDiscardSession) Reset(context.Context)        {}
func (clientDiscardSession) Logout(context.Context) error { return nil }

// BenchmarkClientSend1KiB sends 1 KiB messages to three recipients over one
// pipelined loopback session with this package's Server (so the figure
// includes the server's work): MAIL+3 RCPT+DATA in one round trip, then the
// body and its verdict.
func BenchmarkClientSend1KiB(b *testing.B) {
	addr := clientStartServer(b, &Server{Backend: clientDiscard{}})
	c, err := Dial(context.Background(), addr, clientTestOpts())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	body := clientBenchBody(1024)
	rcpts := []string{"a@example.test", "b@example.test", "c@example.test"}
	r := strings.NewReader(body)
	ctx := context.Background()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(body)
		if _, err := c.Send(ctx, "sender@example.test", rcpts, r, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkClientSend1MiBBDAT sends 1 MiB messages with BDAT.
func BenchmarkClientSend1MiBBDAT(b *testing.B) {
	addr := clientStartServer(b, &Server{Backend: clientDiscard{}})
	c, err := Dial(context.Background(), addr, clientTestOpts())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	body := clientBenchBody(1 << 20)
	r := strings.NewReader(body)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(body)
		if _, err := c.Send(context.Background(), "s@example.test", []string{"a@example.test"}, r, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func clientBenchBody(n int) string {
	var sb strings.Builder
	sb.WriteString("From: sender@example.test\r\nTo: a@example.test\r\nSubject: benchmark\r\n\r\n")
	for sb.Len() < n-80 {
		sb.WriteString("The quick brown fox jumps over the lazy dog. 0123456789 abcdefghijklmnop\r\n")
	}
	for sb.Len() < n-2 {
		sb.WriteByte('x')
	}
	sb.WriteString("\r\n")
	return sb.String()
}

// BenchmarkClientReplyParser parses an EHLO-sized multi-line reply.
func BenchmarkClientReplyParser(b *testing.B) {
	reply := "250-mx.example.test\r\n250-PIPELINING\r\n250-SIZE 35882577\r\n250-8BITMIME\r\n" +
		"250-ENHANCEDSTATUSCODES\r\n250-CHUNKING\r\n250-SMTPUTF8\r\n250 2.0.0 STARTTLS\r\n"
	sr := strings.NewReader(reply)
	rr := &clientReplyReader{r: bufio.NewReader(sr), maxLine: 2048, maxLines: 128, enhanced: true}
	b.SetBytes(int64(len(reply)))
	b.ReportAllocs()
	for b.Loop() {
		sr.Reset(reply)
		rr.r.Reset(sr)
		if err := rr.read(); err != nil {
			b.Fatal(err)
		}
	}
}
