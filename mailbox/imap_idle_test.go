package mailbox

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"
)

// A session in IDLE over the store's feed keeps no goroutine besides the
// connection's own (the feed wakes it through SetUpdateFunc), and every
// session still gets the update (memory per idle connection, issue 5).
func TestIMAPIdleOneGoroutinePerSession(t *testing.T) {
	st := NewMemory(Options{Analyze: IMAPAnalyze})
	defer st.Close()
	addr := startIMAP(t, st)
	a := dialIMAP(t, addr)
	a.do("1 LOGIN user pass", "OK")
	const n = 20
	before := runtime.NumGoroutine()
	var idlers []*imapTestClient
	for i := range n {
		b := dialIMAP(t, addr)
		b.do("1 LOGIN user pass", "OK")
		b.do("2 SELECT INBOX", "OK")
		io.WriteString(b.c, "3 IDLE\r\n")
		if l := b.line(); !strings.HasPrefix(l, "+") {
			t.Fatalf("session %d: IDLE: %q", i, l)
		}
		idlers = append(idlers, b)
	}
	// The helper goroutine that served the commands ends just after
	// "+ idling" was sent: yield until the count settles.
	var got int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); runtime.Gosched() {
		if got = runtime.NumGoroutine() - before; got <= n {
			break
		}
	}
	if got > n {
		t.Errorf("%d sessions in IDLE added %d goroutines, want at most %d", n, got, n)
	}
	a.do(fmt.Sprintf("2 APPEND INBOX {%d+}\r\n%s", len(adapterMsg), adapterMsg), "OK")
	for i, b := range idlers {
		if l := b.line(); l != "* 1 EXISTS" {
			t.Fatalf("session %d in IDLE got %q", i, l)
		}
		b.line() // RECENT
		io.WriteString(b.c, "DONE\r\n")
		if l := b.line(); !strings.HasPrefix(l, "3 OK") {
			t.Fatalf("session %d: DONE: %q", i, l)
		}
	}
}
