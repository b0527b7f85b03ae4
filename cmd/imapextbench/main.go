// Command imapextbench measures IMAP extensions on a big mailbox beside a
// reference server (issue 8): a QRESYNC resynchronisation (RFC 7162 §3.2.5)
// after a batch of changes made by another session, SORT (DATE) and
// THREAD REFERENCES (RFC 5256) over the whole mailbox.
//
// It speaks raw IMAP over TCP (no project code, like ../shared/bench's load
// tool), fills the mailbox once with deterministic, threaded messages
// (MULTIAPPEND), and then runs rounds; in each round every server is
// measured once, in alternating order:
//
//  1. QRESYNC: session A knows UIDVALIDITY and HIGHESTMODSEQ; session B
//     changes the flags of some messages and expunges others (spread over
//     the mailbox, chosen from the UID list, so servers with equal
//     mailboxes get equal changes); session A reconnects with
//     SELECT mbox (QRESYNC (uidvalidity modseq)). Timed: that SELECT up to
//     its tagged OK; counted: the bytes the server sent for it; checked:
//     VANISHED (EARLIER) and the FETCH responses name exactly the changes.
//     For contrast, a resync without QRESYNC (SELECT + UID FETCH 1:* (FLAGS))
//     is measured the same way.
//  2. SORT (DATE) UTF-8 ALL and THREAD REFERENCES UTF-8 ALL on the same
//     connection, timed; the results of the servers are compared.
//
// Server CPU per command comes from procfs (-server label,addr,pid[,tree]).
// Every measurement prints a REP line; the end prints medians and a
// markdown table (the first server is the reference of the ratios).
//
//	imapextbench -server dovecot,127.0.0.1:36143,$(dovecot.sh pid),tree \
//	    -server mailwire,127.0.0.1:36241,$PID -rounds 7
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// server is one server under test.
type server struct {
	label, addr string
	pid         int
	tree        bool

	// QRESYNC state carried between rounds.
	uidValidity, modSeq uint64
}

type serverList []*server

func (s *serverList) String() string { return fmt.Sprint(len(*s), " servers") }

func (s *serverList) Set(v string) error {
	f := strings.Split(v, ",")
	if len(f) < 2 {
		return fmt.Errorf("want label,addr[,pid[,tree]]: %q", v)
	}
	sv := &server{label: f[0], addr: f[1]}
	if len(f) > 2 && f[2] != "" {
		p, err := strconv.Atoi(f[2])
		if err != nil {
			return fmt.Errorf("bad pid in %q", v)
		}
		sv.pid = p
	}
	sv.tree = len(f) > 3 && f[3] == "tree"
	*s = append(*s, sv)
	return nil
}

type options struct {
	servers     serverList
	user, pass  string
	mailbox     string
	n           int
	seed        uint64
	batch       int
	rounds      int
	flagChanges int
	expunges    int
	ops         string
	timeout     time.Duration
}

func main() {
	var o options
	flag.Var(&o.servers, "server", "server under test: label,host:port[,pid[,tree]] (repeat; the first is the reference; tree sums CPU over the pid's process tree)")
	flag.StringVar(&o.user, "user", "bench", "user name")
	flag.StringVar(&o.pass, "pass", "benchpass", "password")
	flag.StringVar(&o.mailbox, "mailbox", "Big100k", "mailbox to fill (once) and measure")
	flag.IntVar(&o.n, "n", 100000, "messages in the mailbox")
	flag.Uint64Var(&o.seed, "seed", 1, "message generator seed")
	flag.IntVar(&o.batch, "batch", 500, "messages per MULTIAPPEND command during the fill")
	flag.IntVar(&o.rounds, "rounds", 5, "rounds (each server measured once per round)")
	flag.IntVar(&o.flagChanges, "flag-changes", 50, "messages whose flags change per QRESYNC round")
	flag.IntVar(&o.expunges, "expunges", 50, "messages expunged per QRESYNC round")
	flag.StringVar(&o.ops, "ops", "qresync,full,sort,thread", "what to measure per round: qresync, full (resync without QRESYNC), sort, thread")
	flag.DurationVar(&o.timeout, "timeout", 20*time.Minute, "deadline of each connection")
	replay := flag.String("replay", "", "print the report of an earlier run from its output file (REP and CHECK lines) instead of measuring; -server labels give the column order")
	flag.Parse()
	if *replay != "" {
		if err := replayReport(&o, *replay); err != nil {
			fmt.Fprintln(os.Stderr, "imapextbench:", err)
			os.Exit(1)
		}
		return
	}
	if len(o.servers) == 0 {
		fmt.Fprintln(os.Stderr, "imapextbench: at least one -server is required")
		os.Exit(2)
	}
	if err := run(&o); err != nil {
		fmt.Fprintln(os.Stderr, "imapextbench:", err)
		os.Exit(1)
	}
}

func logf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, time.Now().UTC().Format("15:04:05 ")+format+"\n", a...)
}

func run(o *options) error {
	g := gen{seed: o.seed}
	for _, s := range o.servers {
		if err := fill(o, g, s); err != nil {
			return fmt.Errorf("%s: fill: %w", s.label, err)
		}
	}
	ops := map[string]bool{}
	for _, op := range strings.Split(o.ops, ",") {
		ops[strings.TrimSpace(op)] = true
	}
	res := newResults()
	for r := 1; r <= o.rounds; r++ {
		order := append([]*server(nil), o.servers...)
		if r%2 == 0 {
			for i, j := 0, len(order)-1; i < j; i, j = i+1, j-1 {
				order[i], order[j] = order[j], order[i]
			}
		}
		for _, s := range order {
			if err := round(o, s, r, ops, res); err != nil {
				return fmt.Errorf("%s: round %d: %w", s.label, r, err)
			}
		}
		res.compare(r, o.servers)
	}
	res.report(o)
	if res.failed {
		return fmt.Errorf("a correctness check failed (see FAIL lines)")
	}
	return nil
}
