package smtp_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"strings"

	"github.com/mailwire/mailwire/smtp"
)

// exampleBackend accepts mail for example.org and prints each message.
type exampleBackend struct{}

func (exampleBackend) NewSession(ctx context.Context, c *smtp.Conn) (smtp.Session, error) {
	return &exampleSession{}, nil
}

type exampleSession struct {
	from string
	to   []string
}

func (s *exampleSession) Mail(ctx context.Context, from string, opts *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *exampleSession) Rcpt(ctx context.Context, to string, opts *smtp.RcptOptions) error {
	if !strings.HasSuffix(to, "@example.org") {
		return &smtp.Error{Code: 550, EnhancedCode: [3]int{5, 7, 1}, Message: "Relaying denied"}
	}
	s.to = append(s.to, to)
	return nil
}

// Data must read the whole body and return only when the message is
// stored; the server answers 250 after that.
func (s *exampleSession) Data(ctx context.Context, r io.Reader) error {
	body, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	fmt.Printf("from %s to %v: %q\n", s.from, s.to, body)
	return nil
}

func (s *exampleSession) Reset(ctx context.Context)        { s.from, s.to = "", nil }
func (s *exampleSession) Logout(ctx context.Context) error { return nil }

// A receiving server (MX) with a backend, and a raw client conversation
// against it.
func Example_server() {
	srv := &smtp.Server{Backend: exampleBackend{}, Hostname: "mx.example.org"}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	go srv.Serve(l)
	defer srv.Close()

	conn, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	reply := func() string {
		var last string
		for {
			line, _ := r.ReadString('\n')
			last = strings.TrimSpace(line)
			if len(line) < 4 || line[3] != '-' {
				return last
			}
		}
	}
	reply() // greeting
	// Pipelined: the server answers the group in one write.
	fmt.Fprint(conn, "EHLO client.example\r\nMAIL FROM:<alice@example.net>\r\nRCPT TO:<bob@example.org>\r\nRCPT TO:<eve@elsewhere.test>\r\nDATA\r\n")
	for i := 0; i < 5; i++ {
		fmt.Println(reply())
	}
	fmt.Fprint(conn, "Subject: hi\r\n\r\nHello Bob\r\n.\r\nQUIT\r\n")
	fmt.Println(reply())
	fmt.Println(reply())
	// Output:
	// 250 LIMITS RCPTMAX=100
	// 250 2.1.0 Sender OK
	// 250 2.1.5 Recipient OK
	// 550 5.7.1 Relaying denied
	// 354 Start mail input; end with <CRLF>.<CRLF>
	// from alice@example.net to [bob@example.org]: "Subject: hi\r\n\r\nHello Bob\r\n"
	// 250 2.0.0 Message accepted
	// 221 2.0.0 Bye
}

// A submission server (RFC 6409) on implicit TLS (RFC 8314): clients must
// authenticate before MAIL, and AUTH is only offered over TLS.
func ExampleServer_ListenAndServeTLS() {
	srv := &smtp.Server{
		Addr:       ":465",
		Backend:    exampleBackend{}, // its sessions would implement smtp.PasswordSession
		Submission: true,
		RateLimiter: &smtp.RateLimiter{
			AccountMessages:   500, // per hour
			AccountRecipients: 2000,
		},
	}
	if false { // needs a certificate
		log.Fatal(srv.ListenAndServeTLS("cert.pem", "key.pem"))
	}
}
