package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// replayReport re-renders the report of an earlier run from the REP and
// CHECK lines it printed.
func replayReport(o *options, file string) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	res := newResults()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "CHECK "); ok {
			res.checks = append(res.checks, rest)
			continue
		}
		if !strings.HasPrefix(line, "REP ") {
			continue
		}
		op, label, smp, err := parseRep(line)
		if err != nil {
			return err
		}
		if res.samples[op] == nil {
			res.samples[op] = map[string][]sample{}
		}
		res.samples[op][label] = append(res.samples[op][label], smp)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	res.report(o)
	return nil
}

// parseRep parses "REP op=X label=Y round=N ms=F server_cpu_ms=F bytes=N ...".
func parseRep(line string) (op, label string, s sample, err error) {
	for _, f := range strings.Fields(line)[1:] {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "op":
			op = v
		case "label":
			label = v
		case "ms":
			s.ms, err = strconv.ParseFloat(v, 64)
		case "server_cpu_ms":
			s.cpuMS, err = strconv.ParseFloat(v, 64)
		case "bytes":
			s.bytes, err = strconv.ParseInt(v, 10, 64)
		}
		if err != nil {
			return "", "", s, fmt.Errorf("%q: %v", line, err)
		}
	}
	if op == "" || label == "" {
		return "", "", s, fmt.Errorf("REP line without op or label: %q", line)
	}
	return op, label, s, nil
}
