package main

import (
	"bytes"
	"fmt"
	"time"
)

// fill makes sure s holds o.mailbox filled by this generator: a mailbox
// whose UIDNEXT is n+1 and that still has most of its messages was filled
// earlier (the QRESYNC rounds expunge some); anything else is deleted and
// filled again.
func fill(o *options, g gen, s *server) error {
	ic, err := login(s.addr, o.user, o.pass, o.timeout)
	if err != nil {
		return err
	}
	defer ic.logout()
	var messages, uidNext uint64
	err = ic.run("STATUS "+quote(o.mailbox)+" (MESSAGES UIDNEXT)", func(l []byte) {
		if m, u, ok := parseStatus(l); ok {
			messages, uidNext = m, u
		}
	})
	if err == nil && uidNext == uint64(o.n)+1 && messages >= uint64(o.n*9/10) {
		logf("%s: %s already filled (%d messages, UIDNEXT %d)", s.label, o.mailbox, messages, uidNext)
		return nil
	}
	if !ic.caps["MULTIAPPEND"] || !ic.caps["LITERAL+"] {
		return fmt.Errorf("server lacks MULTIAPPEND or LITERAL+")
	}
	from := 0
	if err == nil && uidNext > 1 && uidNext <= uint64(o.n) && messages == uidNext-1 {
		// An interrupted fill (MULTIAPPEND is all or nothing, nothing
		// was expunged): go on where it stopped.
		from = int(messages)
		logf("%s: %s holds the first %d messages; filling the rest", s.label, o.mailbox, from)
	} else {
		ic.run("DELETE "+quote(o.mailbox), nil)
		if err := ic.run("CREATE "+quote(o.mailbox), nil); err != nil {
			return err
		}
	}
	t0 := time.Now()
	var total int64
	for i := from; i < o.n; i += o.batch {
		msgs := make([][]byte, 0, o.batch)
		for k := i; k < min(i+o.batch, o.n); k++ {
			m := g.message(k)
			total += int64(len(m))
			msgs = append(msgs, m)
		}
		if err := ic.appendBatch(o.mailbox, msgs); err != nil {
			return fmt.Errorf("APPEND at message %d: %w", i, err)
		}
		if (i/o.batch)%40 == 0 {
			logf("%s: filled %d/%d", s.label, i+len(msgs), o.n)
		}
	}
	el := time.Since(t0)
	fmt.Printf("RESULT op=fill label=%s msgs=%d bytes=%d elapsed_s=%.1f\n", s.label, o.n-from, total, el.Seconds())
	// The first SELECT after a fill may do one-off work (Dovecot moves
	// new/ to cur/ and builds its index); it is not part of any figure.
	t1 := time.Now()
	if err := ic.run("SELECT "+quote(o.mailbox), nil); err != nil {
		return err
	}
	logf("%s: first SELECT after the fill took %v", s.label, time.Since(t1).Round(time.Millisecond))
	return ic.run("CLOSE", nil)
}

// statusItem reads "NAME n" from a STATUS response.
func statusItem(l []byte, name string) (uint64, bool) {
	for i := 0; i+len(name)+1 < len(l); i++ {
		if (l[i] == '(' || l[i] == ' ') && string(l[i+1:min(len(l), i+1+len(name))]) == name &&
			i+1+len(name) < len(l) && l[i+1+len(name)] == ' ' {
			n, rest := leadingNumber(l[i+2+len(name):])
			return n, len(rest) < len(l[i+2+len(name):])
		}
	}
	return 0, false
}

// parseStatus reads MESSAGES and UIDNEXT of a STATUS response; ok is false
// for any other response (the tagged OK among them).
func parseStatus(l []byte) (messages, uidNext uint64, ok bool) {
	if !bytes.HasPrefix(l, []byte("* STATUS ")) {
		return 0, 0, false
	}
	messages, ok1 := statusItem(l, "MESSAGES")
	uidNext, ok2 := statusItem(l, "UIDNEXT")
	return messages, uidNext, ok1 && ok2
}
