package imapserver

import (
	"fmt"
	"slices"
	"testing"
)

// These tests check RFC 5465 §5.2: "A FETCH response SHOULD NOT be
// generated for a new message created by the client on this particular
// connection", while EXISTS still counts it and messages other sessions
// deliver during the same command still get their FETCH.

// startOwnNotify returns a session with INBOX selected (IMAP4rev2, so no
// RECENT lines), holding the given number of messages, and NOTIFY asking
// for MessageNew (UID).
func startOwnNotify(t *testing.T, msgs int) (*testServer, *notifyBackend, *client) {
	t.Helper()
	ts, nb := startNotifyServer(t, nil)
	for range msgs {
		ts.b.appendMsg("INBOX", simpleMsg)
	}
	a := ts.dial(t).login()
	a.mustOK("e ENABLE IMAP4rev2")
	a.selectBox("INBOX")
	a.mustOK("n NOTIFY SET (selected (MessageNew (UID) MessageExpunge))")
	return ts, nb, a
}

// appendCmd is an APPEND of simpleMsg to INBOX with a LITERAL+ literal.
func appendCmd(tag string) string {
	return fmt.Sprintf("%s APPEND INBOX {%d+}\r\n%s", tag, len(simpleMsg), simpleMsg)
}

func TestNotifyOwnAppendNoFetch(t *testing.T) {
	ts, _, a := startOwnNotify(t, 0)
	out := a.mustOK(appendCmd("a1"))
	mustContain(t, out, "* 1 EXISTS", "a1 OK [APPENDUID 1001 1]")
	mustNotContain(t, out, "FETCH")
	a.quiet()

	// Another session's message still gets EXISTS and FETCH afterwards.
	b := ts.dial(t).login()
	b.mustOK(appendCmd("p1"))
	a.next("* 2 EXISTS")
	a.next("* 2 FETCH (UID 2)")
	a.quiet()
	// And the next command sees both.
	mustContain(t, a.mustOK("f UID FETCH 1:* UID"), "* 1 FETCH (UID 1)", "* 2 FETCH (UID 2)")

	// INBOX in any case is the selected INBOX.
	out = a.mustOK(fmt.Sprintf("a2 APPEND inbox {%d+}\r\n%s", len(simpleMsg), simpleMsg))
	mustContain(t, out, "* 3 EXISTS", "a2 OK [APPENDUID 1001 3]")
	a.quiet()
}

// Another session's message that arrives while this session's APPEND runs
// gets its FETCH; this session's own does not; EXISTS counts both.
func TestNotifyOwnAppendOthersMeanwhile(t *testing.T) {
	ts, nb, a := startOwnNotify(t, 0)
	nb.duringNext(func() { ts.b.appendMsg("INBOX", simpleMsg) }) // UID 1
	out := a.mustOK(appendCmd("a1"))                             // UID 2
	mustContain(t, out, "* 2 EXISTS", "a1 OK [APPENDUID 1001 2]")
	a.next("* 1 FETCH (UID 1)")
	a.quiet()
}

// MULTIAPPEND (RFC 3502): none of the appended messages gets a FETCH.
func TestNotifyOwnMultiAppend(t *testing.T) {
	ts, nb, a := startOwnNotify(t, 0)
	nb.duringNext(func() { ts.b.appendMsg("INBOX", simpleMsg) }) // UID 1
	a.send(fmt.Sprintf("a1 APPEND INBOX {%d+}\r\n%s {%d+}\r\n%s\r\n",
		len(simpleMsg), simpleMsg, len(simpleMsg), simpleMsg)) // UIDs 2, 3
	out := a.readUntilTag("a1")
	mustContain(t, out, "* 3 EXISTS", "a1 OK [APPENDUID 1001 2,3]")
	a.next("* 1 FETCH (UID 1)")
	a.quiet()
}

// APPEND to another mailbox changes nothing for the selected one.
func TestNotifyOwnAppendElsewhere(t *testing.T) {
	ts, _, a := startOwnNotify(t, 0)
	a.send(fmt.Sprintf("a1 APPEND Sent {%d+}\r\n%s\r\n", len(simpleMsg), simpleMsg))
	mustNotContain(t, a.readUntilTag("a1"), "EXISTS")
	ts.b.appendMsg("INBOX", simpleMsg)
	a.next("* 1 EXISTS")
	a.next("* 1 FETCH (UID 1)")
}

func TestNotifyOwnCopy(t *testing.T) {
	ts, nb, a := startOwnNotify(t, 1)
	nb.duringNext(func() { ts.b.appendMsg("INBOX", simpleMsg) }) // UID 2
	out := a.mustOK("c1 COPY 1 INBOX")                           // UID 3
	mustContain(t, out, "* 3 EXISTS", "c1 OK [COPYUID 1001 1 3]")
	mustNotContain(t, out, "FETCH")
	a.next("* 2 FETCH (UID 2)")
	a.quiet()

	// Without another session: nothing after the tagged OK.
	out = a.mustOK("c2 UID COPY 1:3 INBOX") // UIDs 4:6
	mustContain(t, out, "* 6 EXISTS", "c2 OK [COPYUID 1001 1:3 4:6]")
	a.quiet()
}

func TestNotifyOwnMove(t *testing.T) {
	ts, nb, a := startOwnNotify(t, 1)
	nb.duringNext(func() { ts.b.appendMsg("INBOX", simpleMsg) }) // UID 2
	out := a.mustOK("m1 UID MOVE 1 INBOX")                       // UID 3
	mustContain(t, out, "* OK [COPYUID 1001 1 3] Moved", "* 1 EXPUNGE", "* 2 EXISTS")
	mustNotContain(t, out, "FETCH")
	a.next("* 1 FETCH (UID 2)")
	a.quiet()
	mustContain(t, a.mustOK("f UID FETCH 1:* UID"), "* 1 FETCH (UID 2)", "* 2 FETCH (UID 3)")
}

// Own UIDs are remembered per selection: after reselecting, NOTIFY starts
// from the new view and a stale entry hides nothing.
func TestNotifyOwnReselect(t *testing.T) {
	ts, _, a := startOwnNotify(t, 0)
	a.mustOK(appendCmd("a1"))
	a.selectBox("INBOX")
	ts.b.appendMsg("INBOX", simpleMsg)
	a.next("* 2 EXISTS")
	a.next("* 2 FETCH (UID 2)")
}

func TestOwnNewRanges(t *testing.T) {
	sel := &selected{}
	ns := &notifyState{}
	ns.own.sel = sel
	for _, u := range []uint32{5, 7, 6, 10, 3, 4, 10, 0} {
		ns.own.add(u)
	}
	if want := []numRange{{3, 7}, {10, 10}}; !slices.Equal(ns.own.ranges, want) {
		t.Fatalf("ranges %v, want %v", ns.own.ranges, want)
	}
	set, ok := ns.newFetchSet(sel, 2, 8)
	if !ok || !slices.Equal(set.ranges, []numRange{{2, 2}, {8, 8}}) {
		t.Fatalf("fetch set %v %v", set.ranges, ok)
	}
	if len(set.set) != 2 || set.set[1].Start != 8 || set.set[1].Stop != 8 {
		t.Fatalf("seq set %v", set.set)
	}
	if want := []numRange{{10, 10}}; !slices.Equal(ns.own.ranges, want) {
		t.Fatalf("kept %v, want %v", ns.own.ranges, want)
	}
	if _, ok := ns.newFetchSet(sel, 10, 10); ok {
		t.Fatal("own UID 10 fetched")
	}
	if len(ns.own.ranges) != 0 {
		t.Fatalf("kept %v", ns.own.ranges)
	}
	// A range reaching the top of the UID space ends the walk.
	ns.own.add(^uint32(0))
	if _, ok := ns.newFetchSet(sel, ^uint32(0), ^uint32(0)); ok {
		t.Fatal("own max UID fetched")
	}
	// Another selection's UIDs hide nothing.
	ns.own.add(20)
	set, ok = ns.newFetchSet(&selected{}, 20, 20)
	if !ok || !slices.Equal(set.ranges, []numRange{{20, 20}}) {
		t.Fatalf("other selection: %v %v", set.ranges, ok)
	}
	// The set stays bounded.
	ns.own = ownNew{sel: sel}
	for u := uint32(1); u <= 2*maxOwnRanges*2; u += 2 {
		ns.own.add(u)
	}
	if len(ns.own.ranges) != maxOwnRanges {
		t.Fatalf("%d ranges kept", len(ns.own.ranges))
	}
}
