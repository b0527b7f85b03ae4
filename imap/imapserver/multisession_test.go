package imapserver

import (
	"bufio"
	"fmt"
	"io"
	"math/rand"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// modelClient is a raw client that keeps the sequence-number model a real
// client keeps and checks every untagged response against it.
type modelClient struct {
	nc   net.Conn
	r    *bufio.Reader
	uids []uint32 // seq-1 → UID, 0 = not yet known
	n    int
}

func dialModel(addr string) (*modelClient, error) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	m := &modelClient{nc: nc, r: bufio.NewReader(nc)}
	if _, err := m.r.ReadString('\n'); err != nil {
		return nil, err
	}
	return m, nil
}

// run sends a command and applies its responses; forbidExpunge reports an
// EXPUNGE during the command as an error (RFC 9051 §7.5.1).
func (m *modelClient) run(cmd string, forbidExpunge bool) ([]string, error) {
	m.n++
	tag := "t" + strconv.Itoa(m.n)
	m.nc.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(m.nc, tag+" "+cmd+"\r\n"); err != nil {
		return nil, err
	}
	return m.readUntil(tag, cmd, forbidExpunge)
}

func (m *modelClient) readUntil(tag, cmd string, forbidExpunge bool) ([]string, error) {
	var lines []string
	for {
		l, err := m.r.ReadString('\n')
		if err != nil {
			return lines, err
		}
		l = strings.TrimRight(l, "\r\n")
		if n, ok := literalSuffix(l); ok {
			buf := make([]byte, n)
			if _, err := io.ReadFull(m.r, buf); err != nil {
				return lines, err
			}
			rest, _ := m.r.ReadString('\n')
			l += strings.TrimRight(rest, "\r\n")
		}
		lines = append(lines, l)
		if strings.HasPrefix(l, tag+" ") {
			if strings.HasPrefix(l, tag+" NO [EXPUNGEISSUED]") && strings.HasPrefix(cmd, "FETCH") {
				return lines, nil // RFC 2180 §4.1.2
			}
			if !strings.HasPrefix(l, tag+" OK") {
				return lines, fmt.Errorf("%s: %s", cmd, l)
			}
			return lines, nil
		}
		if err := m.apply(l, forbidExpunge, cmd); err != nil {
			return lines, err
		}
	}
}

func (m *modelClient) apply(l string, forbidExpunge bool, cmd string) error {
	f := strings.Fields(l)
	if len(f) < 3 || f[0] != "*" {
		return nil
	}
	n, err := strconv.Atoi(f[1])
	if err != nil {
		return nil
	}
	switch f[2] {
	case "EXPUNGE":
		if forbidExpunge {
			return fmt.Errorf("EXPUNGE during %q", cmd)
		}
		if n < 1 || n > len(m.uids) {
			return fmt.Errorf("EXPUNGE %d beyond %d messages", n, len(m.uids))
		}
		m.uids = append(m.uids[:n-1], m.uids[n:]...)
	case "EXISTS":
		if n < len(m.uids) {
			return fmt.Errorf("EXISTS decreased from %d to %d", len(m.uids), n)
		}
		for len(m.uids) < n {
			m.uids = append(m.uids, 0)
		}
	case "FETCH":
		if n < 1 || n > len(m.uids) {
			return fmt.Errorf("FETCH %d beyond %d messages: %s", n, len(m.uids), l)
		}
		i := strings.Index(l, "UID ")
		if i < 0 {
			return nil
		}
		var u uint32
		fmt.Sscanf(l[i+4:], "%d", &u)
		if m.uids[n-1] != 0 && m.uids[n-1] != u {
			return fmt.Errorf("seq %d was UID %d, now FETCH says %d", n, m.uids[n-1], u)
		}
		m.uids[n-1] = u
	}
	return nil
}

func TestMultiSession(t *testing.T) {
	for _, n := range []int{2, 10} {
		t.Run(fmt.Sprint(n), func(t *testing.T) { testMultiSession(t, n) })
	}
}

func testMultiSession(t *testing.T, sessions int) {
	ts := startServer(t, nil)
	for i := 0; i < 50; i++ {
		ts.b.appendMsg("INBOX", simpleMsg)
	}
	addr := ts.ln.Addr().String()
	var wg sync.WaitGroup
	errs := make(chan error, sessions*2)
	clients := make([]*modelClient, sessions)
	for i := range clients {
		m, err := dialModel(addr)
		if err != nil {
			t.Fatal(err)
		}
		defer m.nc.Close()
		if _, err := m.run("LOGIN user pass", false); err != nil {
			t.Fatal(err)
		}
		if _, err := m.run("SELECT INBOX", false); err != nil {
			t.Fatal(err)
		}
		clients[i] = m
	}
	for i, m := range clients {
		wg.Add(1)
		go func(i int, m *modelClient) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(i)))
			for k := 0; k < 60; k++ {
				var err error
				switch role := i % 4; {
				case role == 0: // writer: flag, expunge, move, append
					switch rng.Intn(4) {
					case 0:
						_, err = m.run(fmt.Sprintf("UID STORE %d:%d +FLAGS (\\Deleted)", rng.Intn(80)+1, rng.Intn(80)+1), false)
					case 1:
						_, err = m.run("EXPUNGE", false)
					case 2:
						_, err = m.run(fmt.Sprintf("UID MOVE %d Trash", rng.Intn(80)+1), false)
					case 3:
						_, err = m.run(fmt.Sprintf("APPEND INBOX {%d+}\r\n%s", len(simpleMsg), simpleMsg), false)
					}
				case role == 1: // reader: sequence-number commands
					if len(m.uids) == 0 {
						_, err = m.run("NOOP", false)
						break
					}
					switch rng.Intn(3) {
					case 0:
						_, err = m.run("FETCH 1:* (UID FLAGS)", true)
					case 1:
						_, err = m.run("SEARCH UNDELETED", true)
					case 2:
						_, err = m.run(fmt.Sprintf("STORE %d +FLAGS (\\Seen)", rng.Intn(len(m.uids))+1), true)
					}
				case role == 2: // flagger by UID and NOOP
					_, err = m.run(fmt.Sprintf("UID STORE %d FLAGS ($K%d)", rng.Intn(80)+1, k%3), false)
				case role == 3: // IDLE a moment
					if _, err = m.run("NOOP", false); err == nil {
						err = m.idleOnce()
					}
				}
				if err != nil {
					errs <- fmt.Errorf("session %d: %v", i, err)
					return
				}
			}
		}(i, m)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Every session's model equals the mailbox after a NOOP.
	ts.b.mu.Lock()
	var want []uint32
	for _, m := range ts.b.boxes["INBOX"].msgs {
		want = append(want, m.uid)
	}
	ts.b.mu.Unlock()
	for i, m := range clients {
		if _, err := m.run("NOOP", false); err != nil {
			t.Fatal(err)
		}
		if len(m.uids) > 0 {
			if _, err := m.run("FETCH 1:* UID", true); err != nil {
				t.Fatal(err)
			}
		}
		if fmt.Sprint(m.uids) != fmt.Sprint(want) {
			t.Fatalf("session %d view %v, mailbox %v", i, m.uids, want)
		}
	}
}

// idleOnce enters IDLE, applies what arrives for a short while, and leaves.
func (m *modelClient) idleOnce() error {
	m.n++
	tag := "t" + strconv.Itoa(m.n)
	io.WriteString(m.nc, tag+" IDLE\r\n")
	for {
		l, err := m.r.ReadString('\n')
		if err != nil {
			return fmt.Errorf("IDLE: %q %v", l, err)
		}
		if strings.HasPrefix(l, "+") {
			break
		}
		if err := m.apply(strings.TrimRight(l, "\r\n"), false, "IDLE"); err != nil {
			return err
		}
	}
	time.AfterFunc(20*time.Millisecond, func() { io.WriteString(m.nc, "DONE\r\n") })
	_, err := m.readUntil(tag, "IDLE", false)
	return err
}
