package dnsmx

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func crashMsg(i int) string {
	return fmt.Sprintf("From: a@a.example\r\nTo: b@b.example\r\nSubject: crash %d\r\nMessage-ID: <crash-%d@test>\r\n\r\n%s\r\n", i, i, strings.Repeat(fmt.Sprintf("line %d of message %d\r\n", i, i), 50))
}

// TestQueueCrashChild is the child process of TestQueueSurvivesSIGKILL: it
// enqueues messages and prints "ACK i" after each Enqueue returned, while
// the queue delivers to the sink, until it is killed.
func TestQueueCrashChild(t *testing.T) {
	dir, sink := os.Getenv("DNSMX_CRASH_DIR"), os.Getenv("DNSMX_CRASH_SINK")
	if dir == "" {
		t.Skip("helper process for TestQueueSurvivesSIGKILL")
	}
	q := &Queue{Dir: dir, Transport: &Relayer{SmartHost: sink, HelloName: "child.test", Logger: discardLogger()}, Logger: discardLogger(), Hostname: "child.test"}
	out := bufio.NewWriter(os.Stdout)
	for i := 0; ; i++ {
		if err := q.Relay(context.Background(), "a@a.example", []string{"b@b.example"}, strings.NewReader(crashMsg(i))); err != nil {
			fmt.Fprintf(os.Stderr, "enqueue %d: %v\n", i, err)
			os.Exit(2)
		}
		fmt.Fprintf(out, "ACK %d\n", i)
		out.Flush()
	}
}

// TestQueueSurvivesSIGKILL kills a process with SIGKILL while it enqueues
// and delivers; a new queue on the same directory must then deliver every
// message that was acknowledged, intact (at-least-once: duplicates are
// allowed, losses and partial messages are not).
func TestQueueSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	_, mxs := startMXs(t, []string{"sink.test"}, []string{"127.0.0.1"}, nil)
	sink := mxs[0]
	dir := t.TempDir()
	for round := 0; round < 3; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestQueueCrashChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "DNSMX_CRASH_DIR="+dir, "DNSMX_CRASH_SINK="+sink.Addr)
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		acked := map[int]bool{}
		sc := bufio.NewScanner(stdout)
		killAt := 40 + 30*round
		for sc.Scan() {
			n, err := strconv.Atoi(strings.TrimPrefix(sc.Text(), "ACK "))
			if err != nil {
				t.Fatalf("child said %q", sc.Text())
			}
			acked[n] = true
			if len(acked) == killAt {
				cmd.Process.Signal(syscall.SIGKILL)
			}
		}
		cmd.Wait()
		if len(acked) < killAt {
			t.Fatalf("child died after %d acknowledgements", len(acked))
		}

		// Restart: everything left in the directory is delivered.
		done := make(chan Event, 1000)
		q := &Queue{Dir: dir, Transport: &Relayer{SmartHost: sink.Addr, HelloName: "parent.test", Logger: discardLogger()},
			Logger: discardLogger(), Hostname: "parent.test", OnEvent: func(e Event) {
				if e.Kind == EventDone {
					done <- e
				}
			}}
		if err := q.Start(); err != nil {
			t.Fatal(err)
		}
		pending := len(q.List())
		for range pending {
			select {
			case <-done:
			case <-time.After(30 * time.Second):
				t.Fatalf("resumed queue did not drain: %+v", q.List())
			}
		}
		q.Close()
		if ents, _ := os.ReadDir(dir + "/msg"); len(ents) != 0 {
			t.Fatalf("%d messages left after the drain", len(ents))
		}

		got := map[int]int{}
		for _, m := range sink.Messages() {
			i := strings.Index(m.Body, "Message-ID: <crash-")
			if i < 0 {
				t.Fatalf("sink got a message without our Message-ID: %.80q", m.Body)
			}
			n, _ := strconv.Atoi(m.Body[i+len("Message-ID: <crash-") : i+strings.IndexByte(m.Body[i:], '@')])
			if m.Body != crashMsg(n) {
				t.Fatalf("message %d arrived damaged", n)
			}
			got[n]++
		}
		for n := range acked {
			if got[n] == 0 {
				t.Fatalf("round %d: acknowledged message %d lost (%d acked, %d resumed)", round, n, len(acked), pending)
			}
		}
		t.Logf("round %d: %d acknowledged, %d resumed after SIGKILL, %d duplicates", round, len(acked), pending, dupes(got))
		sink.mu.Lock()
		sink.msgs = nil
		sink.mu.Unlock()
	}
}

func dupes(m map[int]int) int {
	n := 0
	for _, c := range m {
		n += c - 1
	}
	return n
}

// TestQueueRealRemoteDownThenBack: a real SMTP relay whose remote is down,
// then comes back; the queue delivers after the retry (fake clock).
func TestQueueRealRemoteDownThenBack(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	h := newQueueHarness(t, t.TempDir(), nil, func(q *Queue) {
		q.Transport = &Relayer{SmartHost: addr, HelloName: "relay.test", Logger: discardLogger()}
	})
	h.q.Relay(context.Background(), "a@a.example", []string{"b@b.example"}, strings.NewReader(testMsg))
	e := h.wait(EventAttempt)
	if e.Results[0].Status != StatusTemporary || e.Results[0].Reply.EnhancedCode != [3]int{4, 4, 1} {
		t.Fatalf("first attempt %+v", e.Results[0])
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("port taken meanwhile: %v", err)
	}
	m := &testMX{Name: "back.test", Addr: addr, ln: ln}
	startOne(t, m)
	h.advance(DefaultRetryMin)
	e = h.wait(EventAttempt)
	if e.Results[0].Status != StatusDelivered {
		t.Fatalf("second attempt %+v", e.Results[0])
	}
	h.wait(EventDone)
	if msgs := m.Messages(); len(msgs) != 1 || msgs[0].Body != testMsg {
		t.Fatalf("remote got %+v", msgs)
	}
}
