package mailbox_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailwire/mailwire/mailbox"
	"github.com/mailwire/mailwire/pop3"
)

// BenchmarkPOP3RETRWindow1 is the whole-server POP3 download of the bench
// (`load pop3`, window 1): a Maildir INBOX of 2,000 × 4 KiB messages served
// by POP3Backend over loopback TCP, one RETR at a time (send, read the
// whole response, next), in message order. The server runs in a child
// process (the test binary re-executed) so that its CPU time is its own:
// ns/op is the round trip of one RETR, server-µs/RETR the server's CPU
// (schedstat of all its threads). The child's pid goes to stderr, to
// attach `perf trace -s -p PID` (syscalls per RETR) or `perf record -g`;
// MAILWIRE_POP3_BENCH_WRAP runs the child under a command, e.g.
//
//	MAILWIRE_POP3_BENCH_WRAP='strace -c -f' go test -run '^$' -bench POP3RETRWindow1 -benchtime 20000x ./mailbox
//
// (the store's fill of 2,000 appends is counted too).
func BenchmarkPOP3RETRWindow1(b *testing.B) {
	child := pop3BenchChildProc(b)
	c, err := net.Dial("tcp", child.addr)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReaderSize(c, 64<<10)
	w := bufio.NewWriter(c)
	if _, err := r.ReadSlice('\n'); err != nil { // greeting
		b.Fatal(err)
	}
	w.WriteString("USER bench\r\nPASS benchpass\r\n")
	w.Flush()
	for range 2 {
		if l, err := r.ReadSlice('\n'); err != nil || !bytes.HasPrefix(l, []byte("+OK")) {
			b.Fatalf("login: %q %v", l, err)
		}
	}
	cmd := make([]byte, 0, 32)
	cpu0 := child.cpu()
	b.SetBytes(pop3BenchSize)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cmd = append(cmd[:0], "RETR "...)
		cmd = strconv.AppendInt(cmd, int64(i%pop3BenchMsgs+1), 10)
		cmd = append(cmd, "\r\n"...)
		w.Write(cmd)
		w.Flush()
		if err := readPOP3Multi(r); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	cpu := child.cpu() - cpu0
	b.ReportMetric(float64(cpu.Nanoseconds())/1e3/float64(b.N), "server-µs/RETR")
	w.WriteString("QUIT\r\n")
	w.Flush()
	r.ReadSlice('\n')
}

const (
	pop3BenchMsgs  = 2000
	pop3BenchSize  = 4096
	pop3BenchChild = "MAILWIRE_POP3_BENCH_CHILD"
)

func readPOP3Multi(r *bufio.Reader) error {
	l, err := r.ReadSlice('\n')
	if err != nil || !bytes.HasPrefix(l, []byte("+OK")) {
		return fmt.Errorf("status %q %v", l, err)
	}
	for {
		l, err := r.ReadSlice('\n')
		if err != nil && err != bufio.ErrBufferFull {
			return err
		}
		if len(l) == 3 && l[0] == '.' {
			return nil
		}
	}
}

type pop3BenchServer struct {
	pid   int
	addr  string
	stdin io.WriteCloser // kept reachable: the child ends when it closes
}

// cpu is the child's CPU time so far: the sum over its threads.
func (s *pop3BenchServer) cpu() time.Duration {
	tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(s.pid) + "/task/*/schedstat")
	var ns int64
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		f := strings.Fields(string(b))
		if len(f) > 0 {
			n, _ := strconv.ParseInt(f[0], 10, 64)
			ns += n
		}
	}
	return time.Duration(ns)
}

var (
	pop3BenchOnce sync.Once
	pop3BenchSrv  *pop3BenchServer
	pop3BenchErr  error
)

// pop3BenchChildProc starts the child once per test binary; it fills its
// store on first start and lives (and then removes its directory) until
// this process exits and its stdin closes.
func pop3BenchChildProc(b *testing.B) *pop3BenchServer {
	if _, err := os.Stat("/proc/self/task"); err != nil {
		b.Skip("needs /proc for the server's CPU time")
	}
	pop3BenchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "pop3bench")
		if err != nil {
			pop3BenchErr = err
			return
		}
		args := []string{os.Args[0], "-test.run=^TestPOP3BenchChild$"}
		if wrap := strings.Fields(os.Getenv("MAILWIRE_POP3_BENCH_WRAP")); len(wrap) > 0 {
			args = append(wrap, args...)
		}
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = append(os.Environ(), pop3BenchChild+"="+dir)
		cmd.Stderr = os.Stderr
		stdin, _ := cmd.StdinPipe()
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			pop3BenchErr = err
			return
		}
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "ADDR "); ok {
				pid := cmd.Process.Pid
				if f := strings.Fields(a); len(f) == 2 {
					a = f[0]
					pid, _ = strconv.Atoi(f[1])
				}
				pop3BenchSrv = &pop3BenchServer{pid: pid, addr: a, stdin: stdin}
				fmt.Fprintf(os.Stderr, "pop3 bench server: pid %d, %s\n", pid, a)
				go io.Copy(io.Discard, out)
				return
			}
		}
		pop3BenchErr = fmt.Errorf("child ended without an address: %v", sc.Err())
	})
	if pop3BenchErr != nil {
		b.Fatal(pop3BenchErr)
	}
	return pop3BenchSrv
}

// TestPOP3BenchChild is the benchmark's server process; it does nothing
// in a normal test run.
func TestPOP3BenchChild(t *testing.T) {
	dir := os.Getenv(pop3BenchChild)
	if dir == "" {
		t.Skip("the server of BenchmarkPOP3RETRWindow1")
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	st, err := mailbox.OpenMaildir(dir, mailbox.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.CreateUser(ctx, "bench", "benchpass"); err != nil {
		t.Fatal(err)
	}
	msg := pop3BenchMessage(pop3BenchSize)
	for range pop3BenchMsgs {
		if _, err := st.Append(ctx, "bench", "INBOX", strings.NewReader(msg), nil, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	srv := &pop3.Server{Backend: mailbox.NewPOP3Backend(st), AllowInsecureAuth: true, AuthFailureDelay: -1}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	fmt.Printf("ADDR %s %d\n", l.Addr(), os.Getpid())
	io.Copy(io.Discard, os.Stdin) // until the parent exits
	srv.Close()
}

// pop3BenchMessage is a size-octet message of CRLF lines, like the bench's.
func pop3BenchMessage(size int) string {
	var b strings.Builder
	b.WriteString("From: sender@bench.example\r\nTo: bench@bench.example\r\nSubject: bench\r\nMessage-ID: <x@bench.example>\r\n\r\n")
	for b.Len() < size {
		b.WriteString("The quick brown fox jumps over the lazy dog 0123456789 abcdefghij\r\n")
	}
	return b.String()[:size-2] + "\r\n"
}
