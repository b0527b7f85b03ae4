package mailbox_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mailwire/mailwire/mailbox"
)

// The crash test re-executes the test binary as a child that delivers and
// appends in a loop (several goroutines, so group commits are in flight)
// and prints every acknowledged message; the parent kills it with SIGKILL
// at a random moment, reopens the store and checks that every acknowledged
// message is present, byte-identical, with its UID and flags, that nothing
// partial is visible, that UIDs ascend and that the index matches the files.
//
// CI runs 20 kills. The full acceptance run is 200:
//
//	MAILWIRE_CRASH_KILLS=200 go test -run TestCrashRecovery -v ./mailbox
const crashChildEnv = "MAILWIRE_CRASH_CHILD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir)
		return
	}
	os.Exit(m.Run())
}

var crashBoxes = []string{"INBOX", "Work"}

// crashBody makes a self-checking message: its X-Check header is the
// SHA-256 of everything after the header line, so a partial file is
// detectable without knowing whether it was acknowledged.
func crashBody(rng *rand.Rand, id string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Subject: %s\r\n\r\n", id)
	for range 1 + rng.IntN(300) {
		fmt.Fprintf(&b, "line %d of %s %x\r\n", rng.IntN(1e6), id, rng.Uint64())
	}
	rest := b.String()
	sum := sha256.Sum256([]byte(rest))
	return "X-Check: " + hex.EncodeToString(sum[:]) + "\r\n" + rest
}

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

func crashChild(dir string) {
	ctx := context.Background()
	// Snapshots often, and every one mapped and opened lazily: kills land
	// in snapshot writes, and restarts replay log tails onto lazily
	// opened snapshots.
	mailbox.SetSnapMin(4 << 10)
	mailbox.SetMapMin(1)
	s, err := mailbox.OpenMaildir(dir, mailbox.Options{Logger: discardLogger{}})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if _, err := s.ScramCredentials(ctx, "crash"); err != nil {
		s.CreateUser(ctx, "crash", "pw")
		fmt.Println("READY-NEW")
	}
	// On every start, not only with the user: a kill between CreateUser
	// and CreateMailbox must not leave a restarted child without "Work".
	s.CreateMailbox(ctx, "crash", "Work", "")
	out := bufio.NewWriter(os.Stdout)
	var mu sync.Mutex
	emit := func(line string) {
		mu.Lock()
		out.WriteString(line + "\n")
		out.Flush()
		mu.Unlock()
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(g)))
			for i := 0; ; i++ {
				box := crashBoxes[rng.IntN(2)]
				if rng.IntN(5) == 0 {
					// Flag change on a recent message: announce the intent,
					// then the acknowledgement.
					list, err := s.List(ctx, "crash", box)
					if err != nil || len(list) == 0 {
						continue
					}
					uid := list[rng.IntN(len(list))].UID
					flags := []string{`\Seen`}
					if rng.IntN(2) == 0 {
						flags = append(flags, `\Flagged`, "$Label1")
					}
					csv := strings.Join(flags, ",")
					emit(fmt.Sprintf("f %s %d %s", box, uid, csv))
					if _, err := s.StoreFlags(ctx, "crash", box, []uint32{uid}, mailbox.FlagsSet, flags, 0); err != nil {
						fmt.Fprintln(os.Stderr, err)
						os.Exit(3)
					}
					emit(fmt.Sprintf("F %s %d %s", box, uid, csv))
					continue
				}
				body := crashBody(rng, fmt.Sprintf("%d-%d-%d", os.Getpid(), g, i))
				var flags []string
				if box == "Work" {
					flags = []string{`\Seen`, "$Work"}
				}
				uid, err := s.Append(ctx, "crash", box, strings.NewReader(body), flags, time.Time{})
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(3)
				}
				emit(fmt.Sprintf("A %s %d %s %s", box, uid, digest(body), strings.Join(flags, ",")))
			}
		}()
	}
	wg.Wait()
}

type discardLogger struct{}

func (discardLogger) Error(string, ...any) {}
func (discardLogger) Warn(string, ...any)  {}

type ackedMsg struct {
	digest  string
	flags   string   // last acknowledged flags
	pending []string // flag sets announced after the last acknowledgement
}

func TestCrashRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("crash test skipped in -short mode")
	}
	kills := 20
	if v := os.Getenv("MAILWIRE_CRASH_KILLS"); v != "" {
		kills, _ = strconv.Atoi(v)
	}
	defer mailbox.SetMapMin(1)() // the checks open the snapshots lazily too
	loads0 := mailbox.SnapshotLoads()
	dir := t.TempDir()
	acked := map[string]map[uint32]*ackedMsg{"INBOX": {}, "Work": {}}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	total := 0
	for k := range kills {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir)
		stdout, _ := cmd.StdoutPipe()
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan []string, 1)
		go func() {
			var ls []string
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				ls = append(ls, sc.Text())
			}
			lines <- ls
		}()
		time.Sleep(time.Duration(30+rng.IntN(250)) * time.Millisecond) // a random instant, not a wait for an event
		cmd.Process.Signal(syscall.SIGKILL)
		ls := <-lines
		cmd.Wait()
		if strings.TrimSpace(stderr.String()) != "" {
			t.Fatalf("child stderr: %s", stderr.String())
		}
		early := map[string]map[uint32][]string{"INBOX": {}, "Work": {}}
		for _, l := range ls {
			f := strings.Fields(l)
			if len(f) < 3 {
				continue
			}
			uid64, _ := strconv.ParseUint(f[2], 10, 32)
			uid := uint32(uid64)
			flags := ""
			switch f[0] {
			case "A":
				if len(f) > 4 {
					flags = f[4]
				}
				if acked[f[1]][uid] != nil {
					t.Fatalf("UID %d in %s acknowledged twice", uid, f[1])
				}
				// Another goroutine may have picked the new UID from List
				// and announced a flag change before this ack line was
				// written: that change is pending too.
				acked[f[1]][uid] = &ackedMsg{digest: f[3], flags: flags, pending: early[f[1]][uid]}
				delete(early[f[1]], uid)
				total++
			case "f", "F":
				if len(f) > 3 {
					flags = f[3]
				}
				m := acked[f[1]][uid]
				if m == nil {
					// The append's ack line comes later (or was lost to the
					// kill): remember the announced change for it.
					if f[0] == "f" {
						early[f[1]][uid] = append(early[f[1]][uid], flags)
					}
					continue
				}
				if f[0] == "f" {
					m.pending = append(m.pending, flags)
				} else {
					m.flags, m.pending = flags, nil
				}
			}
		}
		verifyCrashStore(t, dir, acked, k)
	}
	t.Logf("%d kills, %d acknowledged messages verified after every restart; %d mailbox opens of the checks used a snapshot",
		kills, total, mailbox.SnapshotLoads()-loads0)
}

func verifyCrashStore(t *testing.T, dir string, acked map[string]map[uint32]*ackedMsg, round int) {
	t.Helper()
	ctx := context.Background()
	s, err := mailbox.OpenMaildir(dir, mailbox.Options{Logger: discardLogger{}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.ScramCredentials(ctx, "crash"); err != nil {
		return // killed before the user existed
	}
	for _, box := range crashBoxes {
		list, err := s.List(ctx, "crash", box)
		if err != nil {
			if len(acked[box]) == 0 {
				continue
			}
			t.Fatal(err)
		}
		byUID := map[uint32]mailbox.MessageInfo{}
		for i, m := range list {
			if i > 0 && m.UID <= list[i-1].UID {
				t.Fatalf("round %d %s: UIDs not ascending: %d after %d", round, box, m.UID, list[i-1].UID)
			}
			byUID[m.UID] = m
			// Nothing partial: every visible message checks itself.
			r, err := s.Open(ctx, "crash", box, m.UID)
			if err != nil {
				out, _ := exec.Command("sh", "-c", "ls -R "+dir+"/crash/Maildir | grep U"+strconv.Itoa(int(m.UID))+"[.]").CombinedOutput()
				t.Logf("%+v files: %s", m, out)
				t.Fatalf("round %d %s UID %d: %v", round, box, m.UID, err)
			}
			b, _ := io.ReadAll(r)
			r.Close()
			body := string(b)
			hdr, rest, _ := strings.Cut(body, "\r\n")
			sum := sha256.Sum256([]byte(rest))
			if hdr != "X-Check: "+hex.EncodeToString(sum[:]) || int64(len(b)) != m.Size {
				t.Fatalf("round %d %s UID %d: partial or corrupt message (%d bytes)", round, box, m.UID, len(b))
			}
			if a := acked[box][m.UID]; a != nil && a.digest != digest(body) {
				t.Fatalf("round %d %s UID %d: content differs from the acknowledged message", round, box, m.UID)
			}
		}
		for uid, a := range acked[box] {
			m, ok := byUID[uid]
			if !ok {
				t.Fatalf("round %d %s: acknowledged UID %d lost", round, box, uid)
			}
			got := strings.Join(m.Flags, ",")
			if got != a.flags && !slices.Contains(a.pending, got) {
				t.Fatalf("round %d %s UID %d: flags %q, acknowledged %q (pending %v)", round, box, uid, got, a.flags, a.pending)
			}
			// Whatever survived becomes the acknowledged state.
			a.flags, a.pending = got, nil
		}
		// Index consistent with the Maildir: one file per message, named
		// after its UID and flags.
		mdir := filepath.Join(dir, "crash", "Maildir")
		if box != "INBOX" {
			mdir = filepath.Join(mdir, "."+box)
		}
		var files int
		for _, sub := range []string{"new", "cur"} {
			ents, _ := os.ReadDir(filepath.Join(mdir, sub))
			files += len(ents)
		}
		if files != len(list) {
			t.Fatalf("round %d %s: %d files for %d indexed messages", round, box, files, len(list))
		}
	}
}
