package smtp

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/mailwire/mailwire/internal/sasl"
)

// srvMechBackend offers every AUTH mechanism.
type srvMechBackend struct{ srvBackend }
type srvMechSession struct{ *srvSession }

func (b *srvMechBackend) NewSession(ctx context.Context, c *Conn) (Session, error) {
	s, _ := b.srvBackend.NewSession(ctx, c)
	return srvMechSession{s.(*srvSession)}, nil
}

var srvScramAlice = NewScramCredentials("secret", []byte("saltsaltsalt"), 4096)

func (s srvMechSession) AuthPassword(ctx context.Context, identity, username, password string) error {
	if username == "alice" && password == "secret" && (identity == "" || identity == "alice") {
		return nil
	}
	return ErrAuthFailed
}
func (s srvMechSession) ScramCredentials(ctx context.Context, username string) (ScramCredentials, error) {
	if username != "alice" {
		return ScramCredentials{}, ErrAuthFailed
	}
	return srvScramAlice, nil
}
func (s srvMechSession) CramMD5Secret(ctx context.Context, username string) (string, error) {
	if username != "alice" {
		return "", ErrAuthFailed
	}
	return "secret", nil
}
func (s srvMechSession) AuthToken(ctx context.Context, username, token string) error {
	if username == "alice" && token == "tok" {
		return nil
	}
	if token == "broken" {
		return fmt.Errorf("token service down")
	}
	return ErrAuthFailed
}

// srvAuthExchange runs a SASL client against the server on an EHLOed
// connection and returns the final reply line.
func srvAuthExchange(t *testing.T, addr string, cl sasl.Client) string {
	conn := srvDial(t, addr)
	r := bufio.NewReader(conn)
	readReply := func() string {
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatal(err)
			}
			if len(line) < 4 || line[3] != '-' {
				return strings.TrimRight(line, "\r\n")
			}
		}
	}
	readReply()
	fmt.Fprintf(conn, "EHLO c.test\r\n")
	readReply()
	mech, ir, err := cl.Start()
	if err != nil {
		t.Fatal(err)
	}
	if ir != nil {
		fmt.Fprintf(conn, "AUTH %s %s\r\n", mech, base64.StdEncoding.EncodeToString(ir))
	} else {
		fmt.Fprintf(conn, "AUTH %s\r\n", mech)
	}
	for {
		line := readReply()
		if !strings.HasPrefix(line, "334 ") {
			return line
		}
		ch, err := base64.StdEncoding.DecodeString(line[4:])
		if err != nil {
			t.Fatalf("bad challenge %q", line)
		}
		resp, err := cl.Next(ch)
		if err != nil {
			fmt.Fprintf(conn, "*\r\n")
			continue
		}
		fmt.Fprintf(conn, "%s\r\n", base64.StdEncoding.EncodeToString(resp))
	}
}

func TestServerAuthMechanisms(t *testing.T) {
	s := &Server{Backend: &srvMechBackend{}, AllowInsecureAuth: true}
	addr := srvStart(t, s)
	srvTranscript(t, srvDial(t, addr), "S: 220 *\nC: EHLO c.test\nS: 250-mx.test\nS: 250-AUTH SCRAM-SHA-256 PLAIN LOGIN CRAM-MD5 OAUTHBEARER XOAUTH2\n")
	tests := []struct {
		name string
		cl   sasl.Client
		want string
	}{
		{"scram", sasl.NewScramSHA256Client("", "alice", "secret"), "235 2.7.0 Authentication successful"},
		{"scram wrong", sasl.NewScramSHA256Client("", "alice", "nope"), "535 5.7.8 Authentication credentials invalid"},
		{"scram unknown user", sasl.NewScramSHA256Client("", "mallory", "secret"), "535 5.7.8 Authentication credentials invalid"},
		{"cram-md5", sasl.NewCramMD5Client("alice", "secret"), "235 2.7.0 Authentication successful"},
		{"cram-md5 wrong", sasl.NewCramMD5Client("alice", "nope"), "535 5.7.8 Authentication credentials invalid"},
		{"oauthbearer", sasl.NewOAuthBearerClient("alice", "tok"), "235 2.7.0 Authentication successful"},
		{"xoauth2", sasl.NewXOAuth2Client("alice", "tok"), "235 2.7.0 Authentication successful"},
		{"xoauth2 rejected", sasl.NewXOAuth2Client("alice", "bad"), "535 5.7.8 Authentication credentials invalid"},
		{"backend down", sasl.NewXOAuth2Client("alice", "broken"), "454 4.7.0 Temporary authentication failure"},
		{"plain authzid", sasl.NewPlainClient("alice", "alice", "secret"), "235 2.7.0 Authentication successful"},
		{"plain other authzid", sasl.NewPlainClient("root", "alice", "secret"), "535 5.7.8 Authentication credentials invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := srvAuthExchange(t, addr, tt.cl); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestServerAuthLineTooLong(t *testing.T) {
	b := &srvBackend{users: map[string]string{"alice": "secret"}}
	srvRun(t, b, func(s *Server) { s.AllowInsecureAuth = true }, "S: 220 *\nC: EHLO c.test\n"+strings.Repeat("S: 250-*\n", 7)+"S: 250 *\n"+`
C: AUTH PLAIN
S: 334 
C: `+strings.Repeat("A", DefaultMaxAuthBytes+10)+`
S: 500 5.5.6 Authentication exchange line is too long
C: NOOP
S: 250 2.0.0 OK
`)
}
