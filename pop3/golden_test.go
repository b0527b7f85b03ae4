package pop3

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// playServer plays the S: lines of a golden transcript and checks that the
// client sends exactly the C: lines ("C: x*" matches a prefix). Consecutive
// C: lines are read before the next S: line is written, so a pipelining
// client passes and a lock-step one would deadlock (caught by the
// deadline).
func playServer(t *testing.T, conn net.Conn, script string) <-chan error {
	errc := make(chan error, 1)
	go func() {
		defer conn.Close()
		r := bufio.NewReader(conn)
		for n, l := range strings.Split(strings.TrimSpace(script), "\n") {
			if l == "" || strings.HasPrefix(l, "#") {
				continue
			}
			kind, text, _ := strings.Cut(l, ":")
			text = strings.TrimPrefix(text, " ")
			switch kind {
			case "S":
				if _, err := io.WriteString(conn, text+"\r\n"); err != nil {
					errc <- err
					return
				}
			case "C":
				got, err := r.ReadString('\n')
				if err != nil {
					errc <- errors.New("line " + itoa(n+1) + ": want " + text + ", got " + err.Error())
					return
				}
				got = strings.TrimSuffix(got, "\r\n")
				want, prefix := strings.CutSuffix(text, "*")
				if got != text && !(prefix && strings.HasPrefix(got, want)) {
					errc <- errors.New("line " + itoa(n+1) + ": client sent " + got + ", want " + text)
					return
				}
			}
		}
		errc <- nil
	}()
	return errc
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestClientGolden(t *testing.T) {
	ctx := context.Background()
	scenarios := map[string]func(t *testing.T, c *Client){
		"client_login_pipelined.txt": func(t *testing.T, c *Client) {
			if _, err := c.Capabilities(ctx); err != nil {
				t.Fatal(err)
			}
			if err := c.Login(ctx, "mrose", "tanstaaf"); err != nil {
				t.Fatal(err)
			}
			if n, s, err := c.Stat(ctx); n != 2 || s != 320 || err != nil {
				t.Fatalf("STAT %d %d %v", n, s, err)
			}
			if l, err := c.List(ctx); err != nil || len(l) != 2 || l[1] != (ListEntry{Number: 2, Size: 200}) {
				t.Fatalf("LIST %v %v", l, err)
			}
			if err := c.Quit(ctx); err != nil {
				t.Fatal(err)
			}
		},
		"client_retr_dotstuffed.txt": func(t *testing.T, c *Client) {
			if err := c.Login(ctx, "u", "p"); err != nil {
				t.Fatal(err)
			}
			r, err := c.Retr(ctx, 1)
			if got := readAllT(t, r, err); got != "Subject: x\r\n\r\n.leading dot\r\n..\r\nnot the end .\r\n" {
				t.Fatalf("RETR = %q", got)
			}
			r, err = c.Top(ctx, 1, 0)
			if got := readAllT(t, r, err); got != "Subject: x\r\n\r\n" {
				t.Fatalf("TOP = %q", got)
			}
			if e, err := c.UIDLOne(ctx, 1); err != nil || e.UID != "whqtswO00WBw418f9t5JxYwZ" {
				t.Fatalf("UIDL %v %v", e, err)
			}
			if err := c.Quit(ctx); err != nil {
				t.Fatal(err)
			}
		},
		"client_errors.txt": func(t *testing.T, c *Client) {
			var pe *Error
			if err := c.Login(ctx, "u", "p"); !errors.As(err, &pe) || pe.Code != CodeInUse || !pe.Temporary() {
				t.Fatalf("IN-USE: %v", err)
			}
			if err := c.APOP(ctx, "u", "s"); !errors.As(err, &pe) || pe.Code != CodeAuth || pe.Message != "bad digest" {
				t.Fatalf("AUTH: %v", err)
			}
			if err := c.Auth(ctx, NewPlainClient("", "u", "p")); !errors.As(err, &pe) || pe.Code != CodeSysTemp {
				t.Fatalf("SYS/TEMP: %v", err)
			}
			if err := c.Login(ctx, "u", "p"); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Retr(ctx, 9); !errors.As(err, &pe) || pe.Code != "" || pe.Message != "no such message" {
				t.Fatalf("RETR 9: %v", err)
			}
			if err := c.Noop(ctx); err != nil {
				t.Fatal(err)
			}
			if err := c.Quit(ctx); !errors.As(err, &pe) {
				t.Fatalf("QUIT: %v", err)
			}
		},
		"client_fetchnew.txt": func(t *testing.T, c *Client) {
			if err := c.Login(ctx, "u", "p"); err != nil {
				t.Fatal(err)
			}
			now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
			seen := map[string]time.Time{"old-1": now.AddDate(0, 0, -30), "recent-2": now.AddDate(0, 0, -1)}
			var bodies []string
			res, err := c.FetchNew(ctx, FetchOptions{Seen: seen, DeleteOlderThan: 14 * 24 * time.Hour, Now: func() time.Time { return now }},
				func(uid string, r io.Reader) error {
					b, err := io.ReadAll(r)
					bodies = append(bodies, uid+"="+string(b))
					return err
				})
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(res.Fetched, ",") != "new-3,new-4" || strings.Join(res.Deleted, ",") != "old-1" ||
				strings.Join(bodies, "|") != "new-3=Subject: new\r\n\r\nhi\r\n|new-4=Subject: new\r\n\r\n.4\r\n" {
				t.Fatalf("FetchNew %+v %q", res, bodies)
			}
			if err := c.Quit(ctx); err != nil {
				t.Fatal(err)
			}
		},
		"client_retr_pipelined.txt": func(t *testing.T, c *Client) {
			if _, err := c.Capabilities(ctx); err != nil {
				t.Fatal(err)
			}
			if err := c.Login(ctx, "u", "p"); err != nil {
				t.Fatal(err)
			}
			var got []string
			err := c.RetrMany(ctx, []int{1, 2, 3}, func(n int, r io.Reader) error {
				b, err := io.ReadAll(r)
				got = append(got, string(b))
				return err
			})
			var pe *Error
			if !errors.As(err, &pe) || strings.Join(got, "|") != "one\r\n|.three\r\n" {
				t.Fatalf("RetrMany %v %q", err, got)
			}
			if err := c.Quit(ctx); err != nil {
				t.Fatal(err)
			}
		},
		"client_auth_challenge.txt": func(t *testing.T, c *Client) {
			if err := c.Auth(ctx, NewLoginClient("u", "p")); err != nil {
				t.Fatal(err)
			}
			if n, _, err := c.Stat(ctx); n != 0 || err != nil {
				t.Fatalf("STAT %d %v", n, err)
			}
			if err := c.Quit(ctx); err != nil {
				t.Fatal(err)
			}
		},
	}
	files, _ := filepath.Glob("testdata/client_*.txt")
	if len(files) != len(scenarios) {
		t.Fatalf("%d golden files, %d scenarios", len(files), len(scenarios))
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			script, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			cli, srv := net.Pipe()
			errc := playServer(t, srv, string(script))
			c, err := NewClient(ctx, cli, &DialOptions{Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			scenarios[name](t, c)
			c.Close()
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
		})
	}
}
