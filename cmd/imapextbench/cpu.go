package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Server CPU time from procfs (after the bench harness's internal/procmem):
// the sum over every thread of /proc/PID/task/TID/schedstat (nanoseconds on
// CPU); with tree, over pid and all its descendants (Dovecot's master and
// its imap processes), plus cutime+cstime of each (children that exited).

// cpuTime returns the CPU time pid (and its tree) has used so far; 0 when
// pid is 0.
func cpuTime(pid int, tree bool) (time.Duration, error) {
	if pid == 0 {
		return 0, nil
	}
	pids := []int{pid}
	if tree {
		var err error
		if pids, err = descendants(pid); err != nil {
			return 0, err
		}
	}
	var total int64
	for i, p := range pids {
		tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", p))
		if err != nil {
			if i == 0 {
				return 0, err
			}
			continue // exited meanwhile
		}
		for _, t := range tasks {
			b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/schedstat", p, t.Name()))
			if err != nil {
				continue
			}
			if f := strings.Fields(string(b)); len(f) > 0 {
				n, _ := strconv.ParseInt(f[0], 10, 64)
				total += n
			}
		}
		if tree {
			total += reapedNS(p)
		}
	}
	return time.Duration(total), nil
}

// statFields returns the fields of /proc/PID/stat after "(comm)", so that
// index 0 is the state, 1 the ppid, 13 utime, 14 stime, 15 cutime, 16 cstime.
func statFields(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(string(b[i+1:]))
}

// reapedNS is cutime+cstime of pid in nanoseconds (USER_HZ is 100).
func reapedNS(pid int) int64 {
	f := statFields(pid)
	if len(f) < 17 {
		return 0
	}
	cu, _ := strconv.ParseInt(f[15], 10, 64)
	cs, _ := strconv.ParseInt(f[16], 10, 64)
	return (cu + cs) * int64(10*time.Millisecond)
}

// descendants returns pid followed by all its descendants.
func descendants(pid int) ([]int, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil, err
	}
	children := map[int][]int{}
	for _, e := range ents {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if f := statFields(p); len(f) > 1 {
			pp, _ := strconv.Atoi(f[1])
			children[pp] = append(children[pp], p)
		}
	}
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		out = append(out, children[out[i]]...)
	}
	return out, nil
}
