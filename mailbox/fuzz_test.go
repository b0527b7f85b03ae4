package mailbox

import (
	"bufio"
	"bytes"
	"testing"
)

// FuzzIndexReplay replays arbitrary bytes as a mailbox index log: no
// panic, and the state it builds keeps its invariants (UIDs ascending,
// counters equal to a recount).
func FuzzIndexReplay(f *testing.F) {
	st := newMState(7, 0)
	var seed []byte
	seed = appendRecord(seed, encValidity(st))
	seed = appendRecord(seed, encKeyword(0, "$Forwarded"))
	r := msgRec{uid: 1, modseq: 2, size: 5, idate: 1700000000, sdate: 1700000000, sys: sysSeen}
	seed = appendRecord(seed, encAppend(nil, &r, []uint16{0}, []byte("cache")))
	r.uid, r.sys = 2, 0
	seed = appendRecord(seed, encAppend(nil, &r, nil, nil))
	seed = appendRecord(seed, encFlags(3, []flagEntry{{uid: 1, sys: sysFlagged | sysDeleted, kw: []uint16{0}}}))
	seed = appendRecord(seed, encExpunge(4, []uint32{1}))
	seed = appendRecord(seed, encFloor(2))
	seed = appendRecord(seed, append([]byte{'S'}, make([]byte, 16)...))
	f.Add(seed)
	f.Add(seed[:len(seed)-3])
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		m := &mdBox{}
		st := newMState(0, 0)
		lr := &logReader{r: bufio.NewReader(bytes.NewReader(data))}
		for {
			off, p, err := lr.next()
			if err != nil {
				break
			}
			m.apply(st, off, p, func(Event) {})
		}
		var unseen, deleted uint32
		var size int64
		for i := range st.msgs {
			r := &st.msgs[i]
			if i > 0 && r.uid <= st.msgs[i-1].uid {
				t.Fatalf("UIDs not ascending at %d", i)
			}
			if r.uid >= st.uidNext {
				t.Fatalf("UID %d >= UIDNEXT %d", r.uid, st.uidNext)
			}
			if r.sys&sysSeen == 0 {
				unseen++
			}
			if r.sys&sysDeleted != 0 {
				deleted++
			}
			size += r.size
			_ = st.kw.flagStrings(r.sys, r.kwset)
		}
		if unseen != st.unseen || deleted != st.deleted || size != st.size {
			t.Fatalf("counters %d/%d/%d, recount %d/%d/%d", st.unseen, st.deleted, st.size, unseen, deleted, size)
		}
		_ = st.vanishedSince(0)
	})
}

// FuzzMaildirName parses arbitrary Maildir file and folder names.
func FuzzMaildirName(f *testing.F) {
	f.Add("1700000000.V5U12.mailwire,S=100:2,FS")
	f.Add("1700000000.M1P2.host:2,")
	f.Add(".Lists.Go%2E1")
	f.Fuzz(func(t *testing.T, name string) {
		base, sys := parseInfo(name)
		if len(base) > len(name) || sys&^(sysSeen|sysAnswered|sysFlagged|sysDeleted|sysDraft) != 0 {
			t.Fatalf("parseInfo(%q) = %q, %x", name, base, sys)
		}
		if uv, uid, ok := parseOurName(base); ok {
			r := msgRec{uid: uid}
			_ = baseName(uv, &r)
		}
		if cn, err := canonName(name); err == nil {
			if back := folderName(folderDir(cn)); cn != "INBOX" && back != cn {
				t.Fatalf("folder name round trip %q -> %q -> %q", cn, folderDir(cn), back)
			}
		}
		_, _, _ = parseFlags([]string{name})
		db := newUserDB()
		db.Users["alice"] = &userRec{}
		db.Domains["example.org"] = true
		_, _ = db.resolve(name)
	})
}
