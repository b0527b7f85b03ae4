package smtp

import (
	"encoding/pem"
	"net/smtp"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Interop: the server against clients no one here wrote (acceptance 3).

func srvCertFile(t *testing.T) string {
	srvTLSConfig(t)
	path := filepath.Join(t.TempDir(), "cert.pem")
	data := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srvCert.Certificate[0]})
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func srvInteropServer(t *testing.T) (*srvBackend, string) {
	b := &srvBackend{users: map[string]string{"alice": "secret"}}
	s := &Server{Backend: b, TLSConfig: srvTLSConfig(t), Submission: true}
	return b, srvStart(t, s)
}

func TestServerInteropNetSMTP(t *testing.T) {
	b, addr := srvInteropServer(t)
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Extension("AUTH"); ok {
		t.Fatal("AUTH advertised before STARTTLS")
	}
	if err := c.StartTLS(srvClientTLS(t)); err != nil {
		t.Fatal(err)
	}
	if err := c.Auth(smtp.PlainAuth("", "alice", "secret", "127.0.0.1")); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("alice@example.org"); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("bob@example.net"); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("Subject: net/smtp\n\n.dot\nbody\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Quit(); err != nil {
		t.Fatal(err)
	}
	m := b.messages()
	if len(m) != 1 || m[0].body != "Subject: net/smtp\r\n\r\n.dot\r\nbody\r\n" || m[0].auth != "alice" {
		t.Fatalf("messages = %+v", m)
	}
}

func TestServerInteropPythonSmtplib(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed: skipping the smtplib interop test")
	}
	b, addr := srvInteropServer(t)
	host, port, _ := strings.Cut(addr, ":")
	script := `
import smtplib, ssl, sys
host, port, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=cafile)
for mech in ("PLAIN", "LOGIN"):
    s = smtplib.SMTP(host, port, local_hostname="client.test", timeout=20)
    s.ehlo()
    assert not s.has_extn("auth"), "AUTH offered in cleartext"
    s.starttls(context=ctx)
    s.ehlo()
    s.user, s.password = "alice", "secret"
    if mech == "PLAIN":
        s.auth("PLAIN", s.auth_plain)
    else:
        s.auth("LOGIN", s.auth_login, initial_response_ok=False)
    refused = s.sendmail("alice@example.org", ["bob@example.net", "carol@example.net"],
        "Subject: smtplib " + mech + "\r\n\r\n.dot\r\nline\r\n")
    assert refused == {}, refused
    s.quit()
print("ok")
`
	out, err := exec.Command(py, "-c", script, host, port, srvCertFile(t)).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "ok" {
		t.Fatalf("python smtplib: %v\n%s", err, out)
	}
	m := b.messages()
	if len(m) != 2 {
		t.Fatalf("got %d messages, want 2", len(m))
	}
	for i, mech := range []string{"PLAIN", "LOGIN"} {
		if m[i].body != "Subject: smtplib "+mech+"\r\n\r\n.dot\r\nline\r\n" || len(m[i].rcpts) != 2 || m[i].auth != "alice" {
			t.Errorf("message %d = %+v", i, m[i])
		}
	}
}

func TestServerInteropCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed: skipping the curl interop test")
	}
	b, addr := srvInteropServer(t)
	body := filepath.Join(t.TempDir(), "mail.txt")
	os.WriteFile(body, []byte("From: alice@example.org\r\nSubject: curl\r\n\r\n.starts with a dot\r\nbye\r\n"), 0o600)
	out, err := exec.Command(curl, "-sS", "--max-time", "20", "--url", "smtp://"+addr,
		"--ssl-reqd", "--cacert", srvCertFile(t), "-u", "alice:secret",
		"--mail-from", "alice@example.org", "--mail-rcpt", "bob@example.net",
		"--upload-file", body).CombinedOutput()
	if err != nil {
		t.Fatalf("curl: %v\n%s", err, out)
	}
	m := b.messages()
	if len(m) != 1 || m[0].body != "From: alice@example.org\r\nSubject: curl\r\n\r\n.starts with a dot\r\nbye\r\n" || m[0].auth != "alice" {
		t.Fatalf("messages = %+v", m)
	}
}
