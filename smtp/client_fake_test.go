package smtp

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// A scripted fake SMTP server for client tests. A script is a list of
// steps read from smtp/testdata/client/*.txt:
//
//	S: text    the fake sends "text\r\n"; consecutive S: lines go out in one write
//	C: text    the fake reads one line and requires it to equal text
//	C~ regexp  the fake reads one line and requires it to match ^regexp$
//	TLS        the fake performs a server TLS handshake on the connection
//	CLOSE      the fake closes the connection
//	HANG       the fake stops reading and writing until f.release is closed
//	# ...      comment; blank lines are ignored
//
// The fake reads every consecutive C: line before it sends the next S:
// block, so a client that waits for a reply in the middle of a block that it
// should have pipelined deadlocks the script (and fails on the safety
// deadline). Turns counts the S: blocks sent after at least one C: line: the
// number of round trips the client needed.
type clientStep struct {
	kind string // "S", "C", "C~", "TLS", "CLOSE"
	text string
}

func clientLoadScript(t testing.TB, name string) []clientStep {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "client", name))
	if err != nil {
		t.Fatal(err)
	}
	return clientParseScript(t, string(b))
}

func clientParseScript(t testing.TB, s string) []clientStep {
	t.Helper()
	var steps []clientStep
	for i, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		switch {
		case l == "" || strings.HasPrefix(l, "#"):
		case l == "TLS" || l == "CLOSE" || l == "HANG":
			steps = append(steps, clientStep{kind: l})
		case strings.HasPrefix(l, "S: "), strings.HasPrefix(l, "C: "), strings.HasPrefix(l, "C~ "):
			kind := strings.TrimSuffix(l[:2], ":")
			steps = append(steps, clientStep{kind: kind, text: l[3:]})
		case l == "S:" || l == "C:":
			steps = append(steps, clientStep{kind: l[:1]})
		default:
			t.Fatalf("script line %d: bad step %q", i+1, l)
		}
	}
	return steps
}

type clientFake struct {
	done    chan error
	release chan struct{} // ends a HANG step
	turns   int           // round trips: S: blocks answering C: lines
	log     []string
	onLine  func(line string) // optional, called for every client line
}

// clientServeScript plays steps on conn in a goroutine. tlsConfig is used by
// TLS steps.
func clientServeScript(conn net.Conn, steps []clientStep, tlsConfig *tls.Config) *clientFake {
	f := &clientFake{done: make(chan error, 1), release: make(chan struct{})}
	go func() {
		err := f.play(conn, steps, tlsConfig)
		conn.Close()
		f.done <- err
	}()
	return f
}

func (f *clientFake) play(conn net.Conn, steps []clientStep, tlsConfig *tls.Config) error {
	br := bufio.NewReader(conn)
	readSince := false
	for i := 0; i < len(steps); i++ {
		st := steps[i]
		switch st.kind {
		case "S":
			var out strings.Builder
			for ; i < len(steps) && steps[i].kind == "S"; i++ {
				out.WriteString(steps[i].text + "\r\n")
			}
			i--
			if readSince {
				f.turns++
				readSince = false
			}
			f.log = append(f.log, "S "+out.String())
			if _, err := conn.Write([]byte(out.String())); err != nil {
				return fmt.Errorf("step %d: write: %v", i+1, err)
			}
		case "C", "C~":
			line, err := br.ReadString('\n')
			if err != nil {
				return fmt.Errorf("step %d: want client line %q, read error %v", i+1, st.text, err)
			}
			if !strings.HasSuffix(line, "\r\n") {
				return fmt.Errorf("step %d: client line %q does not end in CRLF", i+1, line)
			}
			line = strings.TrimSuffix(line, "\r\n")
			f.log = append(f.log, "C "+line)
			readSince = true
			if f.onLine != nil {
				f.onLine(line)
			}
			if st.kind == "C" && line != st.text {
				return fmt.Errorf("step %d: client sent %q, want %q", i+1, line, st.text)
			}
			if st.kind == "C~" && !regexp.MustCompile("^(?:"+st.text+")$").MatchString(line) {
				return fmt.Errorf("step %d: client sent %q, want match of %q", i+1, line, st.text)
			}
		case "TLS":
			if br.Buffered() > 0 {
				return fmt.Errorf("step %d: client sent data before the TLS handshake", i+1)
			}
			tc := tls.Server(conn, tlsConfig)
			if err := tc.Handshake(); err != nil {
				return fmt.Errorf("step %d: TLS handshake: %v", i+1, err)
			}
			conn = tc
			br = bufio.NewReader(conn)
		case "CLOSE":
			return nil
		case "HANG":
			<-f.release
		}
	}
	// The script is over: the client must close without sending more.
	if line, err := br.ReadString('\n'); err == nil || line != "" {
		return fmt.Errorf("client sent %q after the end of the script", line)
	}
	return nil
}

// wait returns the fake's verdict.
func (f *clientFake) wait(t testing.TB) {
	t.Helper()
	select {
	case err := <-f.done:
		if err != nil {
			t.Errorf("fake server: %v\nconversation:\n%s", err, strings.Join(f.log, "\n"))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("fake server did not finish")
	}
}

// clientPipe returns the client end of a net.Pipe whose other end plays the
// script. A safety deadline turns a deadlock (a client that does not
// pipeline when the script says it must) into a test failure.
func clientPipe(t testing.TB, script []clientStep, tlsConfig *tls.Config) (net.Conn, *clientFake) {
	t.Helper()
	cc, sc := net.Pipe()
	sc.SetDeadline(time.Now().Add(5 * time.Second))
	f := clientServeScript(sc, script, tlsConfig)
	t.Cleanup(func() { cc.Close() })
	return cc, f
}
