package imapserver

import (
	"bufio"
	"net"
	"os/exec"
	"strings"
	"testing"
)

// TestPythonImaplib runs Python's imaplib against the server: LOGIN, LIST,
// APPEND, SELECT, SEARCH, FETCH, STORE, COPY, EXPUNGE, STATUS, and IDLE
// through a raw socket.
func TestPythonImaplib(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed: skipping the imaplib interop test")
	}
	ts := startServer(t, nil)
	host, port, _ := net.SplitHostPort(ts.ln.Addr().String())
	cmd := exec.Command(py, "testdata/imaplib_client.py", host, port)
	stdout, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	var out []string
	for sc.Scan() {
		out = append(out, sc.Text())
		if sc.Text() == "IDLING" {
			// Deliver a message while the script idles.
			ts.b.appendMsg("INBOX", simpleMsg)
		}
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("imaplib script failed: %v\n%s\n%s", err, strings.Join(out, "\n"), stderr.String())
	}
	if len(out) == 0 || out[len(out)-1] != "OK" {
		t.Fatalf("output: %q", out)
	}
}

// TestCurl fetches a message and lists mailboxes with curl's IMAP client.
func TestCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed: skipping the curl interop test")
	}
	ts := startServer(t, nil)
	ts.b.appendMsg("INBOX", simpleMsg)
	base := "imap://" + ts.ln.Addr().String()
	out, err := exec.Command(curl, "-sS", "--max-time", "10", "-u", "user:pass", base+"/INBOX;UID=1").CombinedOutput()
	if err != nil {
		t.Fatalf("curl fetch: %v\n%s", err, out)
	}
	if string(out) != simpleMsg {
		t.Fatalf("curl fetched %q", out)
	}
	out, err = exec.Command(curl, "-sS", "--max-time", "10", "-u", "user:pass", base+"/").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "INBOX") {
		t.Fatalf("curl list: %v\n%s", err, out)
	}
	out, err = exec.Command(curl, "-sS", "--max-time", "10", "-u", "user:pass", base+"/INBOX?SUBJECT%20hello").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "SEARCH 1") {
		t.Fatalf("curl search: %v\n%s", err, out)
	}
}
