package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Real clients no one here wrote, against a running mailserver: Python's
// smtplib, imaplib and poplib, and curl for every protocol.

const pythonClients = `
import os, smtplib, imaplib, poplib, ssl, sys, email
ctx = ssl._create_unverified_context()
H = "127.0.0.1"
P = lambda name: int(os.environ[name])
USER, PW = "carol", "carol-pw"

def msg(subject):
    return ("From: carol@localhost\r\nTo: carol@localhost\r\nSubject: %s\r\n"
            "Message-ID: <%s@py>\r\n\r\nsent by python\r\n.leading dot\r\n" % (subject, subject.replace(" ", "-")))

# Submission with STARTTLS and AUTH (RFC 6409).
s = smtplib.SMTP(H, P("SUBMISSION"), timeout=60)
s.ehlo("py.test")
assert not s.has_extn("auth"), "AUTH offered before TLS"
s.starttls(context=ctx)
s.ehlo("py.test")
s.login(USER, PW)
s.sendmail("carol@localhost", ["carol@localhost"], msg("py starttls"))
try:
    s.sendmail("bob@localhost", ["carol@localhost"], msg("forged"))
    sys.exit("sending as another user was accepted")
except smtplib.SMTPSenderRefused as e:
    assert e.smtp_code == 553, e
s.quit()

# Submission over implicit TLS (RFC 8314).
s = smtplib.SMTP_SSL(H, P("SMTPS"), context=ctx, timeout=60)
s.login(USER, PW)
s.sendmail("carol@localhost", ["carol@localhost"], msg("py smtps"))
s.quit()

# The MX: no AUTH needed for local recipients, no open relay.
s = smtplib.SMTP(H, P("SMTP"), timeout=60)
s.starttls(context=ctx)
s.ehlo("py.test")
assert not s.has_extn("auth"), "AUTH offered on the MX"
s.sendmail("stranger@example.org", ["carol@localhost"], msg("py mx"))
try:
    s.sendmail("stranger@example.org", ["someone@example.net"], msg("relay"))
    sys.exit("open relay")
except smtplib.SMTPRecipientsRefused as e:
    assert list(e.recipients.values())[0][0] == 550, e
try:
    s.sendmail("stranger@example.org", ["nobody@localhost"], msg("unknown"))
    sys.exit("unknown user accepted")
except smtplib.SMTPRecipientsRefused:
    pass
s.quit()

# IMAP with STARTTLS.
m = imaplib.IMAP4(H, P("IMAP"), timeout=60)
assert "LOGINDISABLED" in m.capabilities, m.capabilities
m.starttls(ssl_context=ctx)
m.login(USER, PW)
typ, data = m.select("INBOX")
assert typ == "OK" and int(data[0]) == 3, data
typ, data = m.search(None, "ALL")
assert data[0].split() == [b"1", b"2", b"3"], data
typ, data = m.fetch("1", "(BODY[])")
assert b"sent by python" in data[0][1] and b"\r\n.leading dot" in data[0][1], data
typ, data = m.store("1", "+FLAGS", "(\\Flagged)")
assert b"\\Flagged" in data[0], data
typ, data = m.append("Sent", "(\\Seen)", None, msg("py sent copy").encode())
assert typ == "OK", data
typ, data = m.status("Sent", "(MESSAGES)")
assert b"MESSAGES 1" in data[0], data
m.logout()

# IMAP over implicit TLS.
m = imaplib.IMAP4_SSL(H, P("IMAPS"), ssl_context=ctx, timeout=60)
m.login(USER, PW)
typ, data = m.list()
names = b" ".join(data)
for box in (b"INBOX", b"Sent", b"Trash"):
    assert box in names, data
m.select("INBOX", readonly=True)
typ, data = m.fetch("1", "(FLAGS)")
assert b"\\Flagged" in data[0], data
m.logout()

# POP3 with STLS: download and delete the first message.
p = poplib.POP3(H, P("POP3"), timeout=60)
p.stls(context=ctx)
p.user(USER)
p.pass_(PW)
count, size = p.stat()
assert count == 3, count
resp, uidls, _ = p.uidl()
assert len(uidls) == 3, uidls
resp, lines, octets = p.retr(1)
assert b"sent by python" in b"\r\n".join(lines), lines
p.dele(1)
p.quit()

# POP3 over implicit TLS sees the deletion.
p = poplib.POP3_SSL(H, P("POP3S"), context=ctx, timeout=60)
p.user(USER)
p.pass_(PW)
assert p.stat()[0] == 2, p.stat()
p.quit()
print("python clients OK")
`

func TestPythonClients(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	in := startInstance(t, testConfig(t, "127.0.0.1", "localhost"))
	addUser(t, in, "carol", "carol-pw")
	addUser(t, in, "bob", "bob-pw")
	script := filepath.Join(t.TempDir(), "clients.py")
	if err := os.WriteFile(script, []byte(pythonClients), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*testTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, script)
	cmd.Env = append(os.Environ(), serviceEnv(in)...)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "python clients OK") {
		t.Fatalf("python: %v\n%s", err, out)
	}
	// The POP3 deletion is durable in the store.
	st, err := in.Store.Status(ctx, "carol", "INBOX")
	if err != nil || st.Messages != 2 {
		t.Fatalf("INBOX after POP3 DELE: %+v %v", st, err)
	}
}

func serviceEnv(in *Instance) []string {
	var env []string
	for name, addr := range in.Addrs {
		_, port, _ := strings.Cut(addr, ":")
		env = append(env, strings.ToUpper(name)+"="+port)
	}
	return env
}

func TestCurlClients(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed")
	}
	in := startInstance(t, testConfig(t, "127.0.0.1", "localhost"))
	addUser(t, in, "dave", "dave-pw")
	dir := t.TempDir()
	mail := filepath.Join(dir, "mail.txt")
	os.WriteFile(mail, []byte("From: dave@localhost\r\nTo: dave@localhost\r\nSubject: via curl\r\n\r\nhello from curl\r\n"), 0o600)

	run := func(args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		base := []string{"-sS", "--max-time", "60", "-k", "--user", "dave:dave-pw"}
		out, err := exec.CommandContext(ctx, curl, append(base, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("curl %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	url := func(scheme, service, path string) string { return scheme + "://" + in.Addrs[service] + path }

	// Submission with STARTTLS, and over implicit TLS.
	run("--ssl-reqd", url("smtp", "submission", ""), "--mail-from", "dave@localhost", "--mail-rcpt", "dave@localhost", "-T", mail)
	run(url("smtps", "smtps", ""), "--mail-from", "dave@localhost", "--mail-rcpt", "dave@localhost", "-T", mail)
	waitMessages(t, in, "dave", "INBOX", 2)

	// IMAP with STARTTLS and IMAPS: list, examine, fetch by UID.
	if out := run("--ssl-reqd", url("imap", "imap", "/")); !strings.Contains(out, "INBOX") || !strings.Contains(out, "Sent") {
		t.Fatalf("imap LIST: %s", out)
	}
	if out := run("--ssl-reqd", url("imap", "imap", "/INBOX;UID=1")); !strings.Contains(out, "hello from curl") {
		t.Fatalf("imap fetch: %s", out)
	}
	if out := run(url("imaps", "imaps", "/INBOX;UID=2")); !strings.Contains(out, "Subject: via curl") {
		t.Fatalf("imaps fetch: %s", out)
	}

	// POP3 with STLS and POP3S: list, retrieve, delete.
	if out := run("--ssl-reqd", url("pop3", "pop3", "/")); !strings.HasPrefix(out, "1 ") || !strings.Contains(out, "\n2 ") {
		t.Fatalf("pop3 LIST: %q", out)
	}
	if out := run("--ssl-reqd", url("pop3", "pop3", "/1")); !strings.Contains(out, "hello from curl") {
		t.Fatalf("pop3 RETR: %s", out)
	}
	run(url("pop3s", "pop3s", "/1"), "-X", "DELE", "-I")
	waitMessages(t, in, "dave", "INBOX", 1)
}
