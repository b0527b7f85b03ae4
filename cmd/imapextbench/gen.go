package main

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"time"
)

// The generator makes message i of a mailbox from i and a seed alone, so
// that every server gets byte-identical mailboxes and the tool can be
// rerun without keeping state. Messages form threads: a message is either
// a thread root or a reply to one of the previous few hundred messages
// (so depth and width vary), with Message-ID, In-Reply-To and References
// as mail clients write them; sent dates are not in arrival order.

// gen describes a generated mailbox.
type gen struct {
	seed uint64
}

// rnd is message i's deterministic random stream (splitmix64).
type rnd struct{ s uint64 }

func (g gen) rnd(i int, salt uint64) *rnd {
	return &rnd{s: g.seed*0x9e3779b97f4a7c15 ^ uint64(i)*0xbf58476d1ce4e5b9 ^ salt*0x94d049bb133111eb}
}

func (r *rnd) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a number in [0, n).
func (r *rnd) intn(n int) int { return int(r.next() % uint64(n)) }

// parent returns the message i replies to, or -1 for a thread root:
// 35 % of messages start a thread; a reply picks a message among the
// previous 400 (recent ones more often), which makes chains, forks and
// long threads.
func (g gen) parent(i int) int {
	if i == 0 {
		return -1
	}
	r := g.rnd(i, 1)
	if r.intn(100) < 35 {
		return -1
	}
	back := 1 + r.intn(20)
	if r.intn(4) == 0 {
		back = 1 + r.intn(400)
	}
	if back > i {
		return -1
	}
	return i - back
}

// ancestors returns i's ancestors, nearest first (at most max).
func (g gen) ancestors(i, max int) []int {
	var out []int
	for p := g.parent(i); p >= 0 && len(out) < max; p = g.parent(p) {
		out = append(out, p)
	}
	return out
}

// root returns the first message of i's thread (following at most 10,000
// parents; threads are far shorter).
func (g gen) root(i int) int {
	for n := 0; n < 10000; n++ {
		p := g.parent(i)
		if p < 0 {
			return i
		}
		i = p
	}
	return i
}

func (g gen) messageID(i int) string {
	return "<" + strconv.Itoa(i) + "." + strconv.FormatUint(g.seed, 36) + "@gen.bench.example>"
}

var subjectWords = []string{
	"quarterly", "report", "meeting", "notes", "build", "failure", "release", "plan", "budget",
	"review", "patch", "server", "migration", "invoice", "lunch", "offsite", "design", "draft",
	"security", "update", "question", "about", "the", "new", "office", "backup", "schedule",
	"customer", "feedback", "roadmap", "hiring", "kernel", "regression", "benchmark", "results",
}

var subjectTags = []string{"[dev]", "[ops]", "[announce]", "[PATCH v2]", "[users]"}

// baseSubject is the subject a thread starts with.
func (g gen) baseSubject(root int) string {
	r := g.rnd(root, 2)
	n := 2 + r.intn(5)
	s := ""
	for k := 0; k < n; k++ {
		if k > 0 {
			s += " "
		}
		s += subjectWords[r.intn(len(subjectWords))]
	}
	switch r.intn(10) {
	case 0: // an encoded word (RFC 2047) with non-ASCII text
		s = "=?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte("Größe "+s)) + "?="
	case 1:
		s = "=?ISO-8859-1?Q?Caf=E9_" + s[:min(len(s), 12)] + "?= " + s
	case 2:
		s = subjectTags[r.intn(len(subjectTags))] + " " + s
	}
	if r.intn(200) == 0 {
		s = "" // a few empty subjects
	}
	return s + " #" + strconv.Itoa(root%997)
}

// subject is message i's Subject: the thread's subject with the reply and
// forward prefixes clients add.
func (g gen) subject(i int) string {
	root := g.root(i)
	base := g.baseSubject(root)
	if root == i {
		return base
	}
	r := g.rnd(i, 3)
	switch r.intn(12) {
	case 0:
		return "Fwd: " + base
	case 1:
		return "RE: " + base
	case 2:
		return "Re: Re: " + base
	case 3:
		return "Re: [fwd: " + base + "]"
	case 4:
		return "Re:" + base + " (fwd)"
	default:
		return "Re: " + base
	}
}

var zones = []string{"+0000", "+0100", "-0500", "+0530", "-0800", "+0900", "GMT", "-0330"}

var genEpoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// date is message i's Date header: about 7 minutes apart in arrival order,
// jittered by up to ±2 days (so sent order differs from arrival order),
// in assorted zones; one in 500 has the same second as its predecessor.
func (g gen) date(i int) string {
	r := g.rnd(i, 4)
	t := genEpoch.Add(time.Duration(i) * 7 * time.Minute)
	if r.intn(500) != 0 {
		t = t.Add(time.Duration(r.intn(4*24*3600)-2*24*3600) * time.Second)
	} else if i > 0 {
		t = genEpoch.Add(time.Duration(i-1) * 7 * time.Minute)
	}
	z := zones[r.intn(len(zones))]
	off := 0
	if z != "GMT" {
		h, _ := strconv.Atoi(z[1:3])
		m, _ := strconv.Atoi(z[3:5])
		off = h*3600 + m*60
		if z[0] == '-' {
			off = -off
		}
	}
	lt := t.In(time.FixedZone("", off))
	return lt.Format("Mon, 2 Jan 2006 15:04:05 ") + z
}

var bodyWords = []string{
	"lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit", "sed", "do",
	"eiusmod", "tempor", "incididunt", "ut", "labore", "et", "dolore", "magna", "aliqua", "enim",
	"minim", "veniam", "quis", "nostrud", "exercitation", "ullamco", "laboris", "nisi", "aliquip",
}

var people = []string{
	`"Alice Example" <alice@bench.example>`, `Bob <bob@bench.example>`, `carol@bench.example`,
	`=?UTF-8?Q?J=C3=B6rg_M=C3=BCller?= <joerg@bench.example>`, `"Dave, Ops" <dave@ops.bench.example>`,
	`Eve <eve@other.example>`, `frank@lists.bench.example`,
}

// message returns message i: 2–4 KiB, CRLF line endings.
func (g gen) message(i int) []byte {
	r := g.rnd(i, 5)
	b := make([]byte, 0, 4600)
	add := func(name, val string) {
		b = append(b, name...)
		b = append(b, ": "...)
		b = append(b, val...)
		b = append(b, "\r\n"...)
	}
	add("Return-Path", "<"+trimAngle(people[r.intn(3)])+">")
	if r.intn(1000) != 0 { // a few messages have no Date
		add("Date", g.date(i))
	}
	add("From", people[r.intn(len(people))])
	add("To", people[r.intn(len(people))])
	if r.intn(3) == 0 {
		add("Cc", people[r.intn(len(people))])
	}
	add("Subject", g.subject(i))
	add("Message-ID", g.messageID(i))
	if anc := g.ancestors(i, 60); len(anc) > 0 {
		if r.intn(20) != 0 { // a few replies lack In-Reply-To
			add("In-Reply-To", g.messageID(anc[0]))
		}
		if r.intn(10) != 0 { // and some lack References
			// Clients keep the first and the last few references.
			refs := ""
			keep := anc
			if len(keep) > 10 {
				keep = append(append([]int{}, anc[:9]...), anc[len(anc)-1])
			}
			for k := len(keep) - 1; k >= 0; k-- {
				if refs != "" {
					refs += "\r\n "
				}
				refs += g.messageID(keep[k])
			}
			add("References", refs)
		}
	}
	add("MIME-Version", "1.0")
	add("Content-Type", "text/plain; charset=utf-8")
	add("X-Bench-Index", strconv.Itoa(i))
	b = append(b, "\r\n"...)
	want := 2048 + r.intn(2048)
	line := 0
	for len(b) < want {
		w := bodyWords[r.intn(len(bodyWords))]
		if line+len(w)+1 > 72 {
			b = append(b, "\r\n"...)
			line = 0
		} else if line > 0 {
			b = append(b, ' ')
			line++
		}
		b = append(b, w...)
		line += len(w)
	}
	b = append(b, fmt.Sprintf("\r\n\r\n-- \r\nmessage %d\r\n", i)...)
	return b
}

func trimAngle(s string) string {
	for k := 0; k < len(s); k++ {
		if s[k] == '<' {
			for e := k + 1; e < len(s); e++ {
				if s[e] == '>' {
					return s[k+1 : e]
				}
			}
		}
	}
	return s
}
