package mailbox

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzIndexReplay feeds arbitrary bytes as a mailbox index: opening must
// never panic, and must leave a log that replays to the same state.
func FuzzIndexReplay(f *testing.F) {
	st := newMState(7, 0)
	seed := []byte(idxMagic)
	seed = appendRecord(seed, encValidity(st))
	seed = appendRecord(seed, encKeyword(0, "$Forwarded"))
	r := msgRec{uid: 1, modseq: 2, size: 5, idate: 1700000000, sdate: 1700000000, sys: sysSeen}
	seed = appendRecord(seed, encAppend(nil, &r, []uint16{0}, []byte("cache")))
	seed = appendRecord(seed, encFlags(3, []flagEntry{{uid: 1, sys: sysFlagged, kw: nil}}))
	seed = appendRecord(seed, encExpunge(4, []uint32{1}))
	seed = appendRecord(seed, encFloor(2))
	f.Add(seed)
	f.Add([]byte(idxMagic))
	f.Add(seed[:len(seed)-3])
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		for _, sub := range []string{"cur", "new", "tmp"} {
			os.Mkdir(filepath.Join(dir, sub), 0o700)
		}
		os.WriteFile(filepath.Join(dir, indexName), data, 0o600)
		opts := Options{Logger: discardLog{}}
		b := &mdBackend{root: t.TempDir(), opts: &opts}
		m, st1, err := openMDBox(b, dir)
		if err != nil {
			return
		}
		n1 := len(st1.msgs)
		m.close()
		m2, st2, err := openMDBox(b, dir)
		if err != nil {
			t.Fatal(err)
		}
		defer m2.close()
		if len(st2.msgs) != n1 || st2.uidValidity != st1.uidValidity || st2.uidNext < st1.uidNext {
			t.Fatalf("reopen differs: %d/%d msgs, uidvalidity %d/%d", len(st2.msgs), n1, st2.uidValidity, st1.uidValidity)
		}
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

type discardLog struct{}

func (discardLog) Error(string, ...any) {}
func (discardLog) Warn(string, ...any)  {}
