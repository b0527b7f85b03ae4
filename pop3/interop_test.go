package pop3

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// poplibScript drives Python's poplib (a client no one here wrote) through
// STLS, USER/PASS, STAT, LIST, UIDL, TOP, RETR, DELE, QUIT and then APOP,
// and prints what it saw as JSON.
const poplibScript = `
import json, poplib, ssl, sys
host, port, cafile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile=cafile)
out = {}
p = poplib.POP3(host, port, timeout=20)
out["capa_before"] = sorted(p.capa().keys())
p.stls(context=ctx)
out["capa_after"] = sorted(p.capa().keys())
p.user("alice")
p.pass_("secret")
out["stat"] = list(p.stat())
resp, lines, _ = p.list()
out["list"] = [l.decode() for l in lines]
resp, lines, _ = p.uidl()
out["uidl"] = [l.decode() for l in lines]
out["uidl1"] = p.uidl(1).decode()
resp, lines, _ = p.top(2, 1)
out["top"] = [l.decode() for l in lines]
resp, lines, octets = p.retr(3)
out["retr"] = [l.decode() for l in lines]
out["retr_octets"] = octets
out["dele"] = p.dele(1).decode()
try:
    p.retr(1)
    out["retr_deleted"] = "ok?"
except poplib.error_proto as e:
    out["retr_deleted"] = str(e)
out["quit"] = p.quit().decode()

p = poplib.POP3(host, port, timeout=20)
p.stls(context=ctx)
p.apop("alice", "secret")
out["apop_stat"] = list(p.stat())
p.quit()
print(json.dumps(out))
`

func TestPythonPoplib(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed: skipping the poplib interop test")
	}
	certFile, _ := testCertFiles(t)
	b := testBackend()
	b.add("alice", "Subject: dots\r\n\r\n.leading\r\n..double\r\nlast")
	srv, _ := secureServer(t, b)
	addr := startServer(t, srv)
	host, port, _ := strings.Cut(addr, ":")
	cmd := exec.Command(py, "-c", poplibScript, host, port, certFile)
	cmd.Stderr = os.Stderr
	outb, err := cmd.Output()
	if err != nil {
		t.Fatalf("poplib: %v", err)
	}
	var out struct {
		CapaBefore  []string `json:"capa_before"`
		CapaAfter   []string `json:"capa_after"`
		Stat        []int
		List, UIDL  []string
		UIDL1       string
		Top, Retr   []string
		RetrOctets  int `json:"retr_octets"`
		Dele        string
		RetrDeleted string `json:"retr_deleted"`
		Quit        string
		APOPStat    []int `json:"apop_stat"`
	}
	if err := json.Unmarshal(outb, &out); err != nil {
		t.Fatalf("%v: %s", err, outb)
	}
	check := func(what string, got, want any) {
		t.Helper()
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		if string(g) != string(w) {
			t.Errorf("%s = %s, want %s", what, g, w)
		}
	}
	check("CAPA before STLS", out.CapaBefore, []string{"AUTH-RESP-CODE", "IMPLEMENTATION", "PIPELINING", "RESP-CODES", "STLS", "TOP", "UIDL"})
	check("CAPA after STLS", out.CapaAfter, []string{"AUTH-RESP-CODE", "IMPLEMENTATION", "PIPELINING", "RESP-CODES", "SASL", "TOP", "UIDL", "USER"})
	check("STAT", out.Stat, []int{3, 69 + 43})
	check("LIST", out.List, []string{"1 23", "2 46", "3 43"})
	check("UIDL", out.UIDL, []string{"1 uid-1", "2 uid-2", "3 uid-3"})
	check("UIDL 1", out.UIDL1, "+OK 1 uid-1")
	check("TOP 2 1", out.Top, []string{"Subject: two", "X: y", "", "line 1"})
	// poplib undoes the dot-stuffing; octets counts what was on the wire.
	check("RETR 3", out.Retr, []string{"Subject: dots", "", ".leading", "..double", "last"})
	check("DELE", out.Dele, "+OK message 1 deleted")
	check("RETR deleted", out.RetrDeleted, "b'-ERR message already deleted'")
	check("QUIT", out.Quit, "+OK POP3 server signing off")
	check("APOP then STAT", out.APOPStat, []int{2, 46 + 43})
	if b.count("alice") != 2 {
		t.Errorf("DELE+QUIT left %d messages, want 2", b.count("alice"))
	}
}

func TestCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed: skipping the curl interop test")
	}
	b := testBackend()
	b.add("alice", "Subject: three\r\n\r\n.dot line\r\n")
	addr := startServer(t, newTestServer(t, b))
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(curl, append([]string{"-sS", "--max-time", "20", "-u", "alice:secret"}, args...)...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("curl %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	if got := run("pop3://" + addr + "/"); got != "1 23\r\n2 46\r\n3 29\r\n" {
		t.Errorf("curl list = %q", got)
	}
	if got := run("pop3://" + addr + "/3"); got != "Subject: three\r\n\r\n.dot line\r\n" {
		t.Errorf("curl retrieve = %q", got)
	}
	// DELE through a custom request; the message goes at QUIT.
	run("-X", "DELE", "-I", "pop3://"+addr+"/1")
	if b.count("alice") != 2 {
		t.Errorf("curl DELE left %d messages, want 2", b.count("alice"))
	}

	// STLS with curl (--ssl-reqd), cleartext auth refused without it.
	srv, _ := secureServer(t, testBackend())
	saddr := startServer(t, srv)
	certFile, _ := testCertFiles(t)
	if got := run("--ssl-reqd", "--cacert", certFile, "pop3://"+saddr+"/1"); got != "Subject: one\r\n\r\nHello\r\n" {
		t.Errorf("curl over STLS = %q", got)
	}
}
