package mailbox

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Keywords in Maildir file names, Dovecot's convention: the folder's
// dovecot-keywords file lists "<n> <name>" lines, n = 0..25, and a message
// file carries keyword n as the lowercase letter 'a'+n after its system
// flags (":2,FSab"). Dovecot reads and writes the same file and letters,
// and a rebuilt index gets the keywords back from the names.
//
// A keyword gets a letter only when it first enters a mailbox's index
// while a letter is free, so that no file written earlier lacks it; the
// file is written durably (temp file, fsync, rename, directory fsync)
// before any file name or index record uses the letter. Keywords beyond
// the 26 letters, and keywords a mailbox had before it had a
// dovecot-keywords file, live in the index only.
const keywordsFile = "dovecot-keywords"

const maxLetters = 26

// dovecotKeywords is the letter table of one Maildir folder.
type dovecotKeywords struct {
	names  [maxLetters]string // letter → keyword ("" = free)
	byName map[string]int     // lower-case keyword → letter
	loaded bool
	stamp  [3]int64 // size, mtime, inode of the file as last read

	// Per keyword id of tbl: letter+1, 0 = not looked up, -1 = none.
	tbl    *kwTable
	byID   []int8
	bySet  []uint32 // keyword set id → letters|setKnown
	logged int      // tbl ids below this were in the log when looked up
}

const setKnown = 1 << 31

func (m *mdBox) kwPath() string { return filepath.Join(m.dir, keywordsFile) }

func fileStamp(fi os.FileInfo) [3]int64 {
	return [3]int64{fi.Size(), fi.ModTime().UnixNano(), int64(inode(fi))}
}

// loadKeywords (re)reads dovecot-keywords if it changed since last read;
// it reports whether the table changed.
func (m *mdBox) loadKeywords() bool {
	k := &m.fl.kw
	fi, err := os.Stat(m.kwPath())
	if err != nil {
		if !k.loaded {
			k.loaded, k.byName = true, map[string]int{}
		}
		return false
	}
	if k.loaded && fileStamp(fi) == k.stamp {
		return false
	}
	data, err := os.ReadFile(m.kwPath())
	if err != nil {
		return false
	}
	k.names = parseKeywordsFile(data)
	k.byName = make(map[string]int, maxLetters)
	for i, n := range k.names {
		if n != "" {
			k.byName[strings.ToLower(n)] = i
		}
	}
	k.loaded, k.stamp = true, fileStamp(fi)
	k.byID, k.bySet = nil, nil
	return true
}

// parseKeywordsFile reads "<n> <name>" lines; bad lines, numbers outside
// 0..25, invalid keywords and repeated names are skipped.
func parseKeywordsFile(data []byte) (names [maxLetters]string) {
	seen := map[string]bool{}
	for line := range bytes.SplitSeq(data, []byte{'\n'}) {
		line = bytes.TrimRight(line, "\r")
		sp := bytes.IndexByte(line, ' ')
		if sp <= 0 {
			continue
		}
		n, err := strconv.Atoi(string(line[:sp]))
		name := string(line[sp+1:])
		if err != nil || n < 0 || n >= maxLetters || !validKeyword(name) || names[n] != "" || seen[strings.ToLower(name)] {
			continue
		}
		names[n] = name
		seen[strings.ToLower(name)] = true
	}
	return names
}

// writeKeywords replaces dovecot-keywords durably.
func (m *mdBox) writeKeywords() error {
	var b bytes.Buffer
	for i, n := range m.fl.kw.names {
		if n != "" {
			b.WriteString(strconv.Itoa(i))
			b.WriteByte(' ')
			b.WriteString(n)
			b.WriteByte('\n')
		}
	}
	tmp := filepath.Join(m.dir, "tmp", keywordsFile+".mailwire-"+strconv.Itoa(m.b.pid))
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(b.Bytes())
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, m.kwPath())
	}
	if err == nil {
		err = syncDir(m.dir)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if fi, err := os.Stat(m.kwPath()); err == nil {
		m.fl.kw.stamp = fileStamp(fi)
	}
	return nil
}

// kwLetters returns the letters of keyword set kwset for a file name,
// giving letters to keywords new to the log while letters are free (this
// writes dovecot-keywords first; it happens under the index lock, in the
// commit paths, before the name is used).
func (m *mdBox) kwLetters(st *mstate, kwset uint32) uint32 {
	if kwset == 0 {
		return 0
	}
	k := &m.fl.kw
	if k.tbl != st.kw || !k.loaded {
		if !k.loaded {
			m.loadKeywords()
		}
		k.tbl, k.byID, k.bySet = st.kw, nil, nil
	}
	if int(kwset) < len(k.bySet) && k.bySet[kwset]&setKnown != 0 {
		return k.bySet[kwset] &^ setKnown
	}
	var letters uint32
	var fresh []uint16
	for _, id := range st.kw.set(kwset) {
		l := m.letterOf(st, id)
		if l >= 0 {
			letters |= 1 << l
		} else if int(id) >= m.loggedKw {
			fresh = append(fresh, id)
		}
	}
	if len(fresh) > 0 {
		letters |= m.giveLetters(st, fresh)
		return letters // not cached: the table just changed
	}
	for int(kwset) >= len(k.bySet) {
		k.bySet = append(k.bySet, 0)
	}
	k.bySet[kwset] = letters | setKnown
	return letters
}

// letterOf returns keyword id's letter or -1.
func (m *mdBox) letterOf(st *mstate, id uint16) int {
	k := &m.fl.kw
	if int(id) < len(k.byID) && k.byID[id] != 0 {
		return int(k.byID[id]) - 1
	}
	if int(id) >= len(st.kw.names) {
		return -1
	}
	l, ok := k.byName[strings.ToLower(st.kw.names[id])]
	if !ok && m.loadKeywords() {
		// Another process gave it a letter.
		k.tbl = st.kw
		l, ok = k.byName[strings.ToLower(st.kw.names[id])]
	}
	for int(id) >= len(k.byID) {
		k.byID = append(k.byID, 0)
	}
	if !ok {
		if int(id) < m.loggedKw {
			k.byID[id] = -1 // in the log without a letter: stays index-only
		}
		return -1
	}
	k.byID[id] = int8(l + 1)
	return l
}

// giveLetters assigns free letters to keywords new to the log and makes
// dovecot-keywords durable; it returns the letters given.
func (m *mdBox) giveLetters(st *mstate, ids []uint16) uint32 {
	k := &m.fl.kw
	m.loadKeywords() // another process may have added lines
	var given uint32
	var added []int
	for _, id := range ids {
		name := st.kw.names[id]
		if l, ok := k.byName[strings.ToLower(name)]; ok {
			given |= 1 << l
			continue
		}
		for l := range k.names {
			if k.names[l] == "" {
				k.names[l] = name
				k.byName[strings.ToLower(name)] = l
				added = append(added, l)
				given |= 1 << l
				break
			}
		}
	}
	if len(added) > 0 {
		if err := m.writeKeywords(); err != nil {
			m.b.opts.Logger.Error("mailbox: dovecot-keywords", "dir", m.dir, "err", err)
			for _, l := range added {
				delete(k.byName, strings.ToLower(k.names[l]))
				given &^= 1 << l
				k.names[l] = ""
			}
		}
	}
	k.byID, k.bySet = nil, nil
	return given
}

// assignLetters gives letters to the keywords a flag change introduces,
// before its record is written.
func (m *mdBox) assignLetters(st *mstate, changes []flagChange) {
	var last uint32
	for i, c := range changes {
		if c.kw != 0 && (i == 0 || c.kw != last) {
			m.kwLetters(st, c.kw)
			last = c.kw
		}
	}
}

// infoSuffix is the ":2," suffix for system flags and keyword letters.
func infoSuffix(sys uint8, letters uint32) string {
	if letters == 0 {
		return flagSuffix(sys)
	}
	b := []byte(flagSuffix(sys))
	for l := range maxLetters {
		if letters&(1<<l) != 0 {
			b = append(b, byte('a'+l))
		}
	}
	return string(b)
}

// definedLetters is the set of letters dovecot-keywords defines.
func (m *mdBox) definedLetters() uint32 {
	var mask uint32
	for l, n := range m.fl.kw.names {
		if n != "" {
			mask |= 1 << l
		}
	}
	return mask
}

// parseLetters returns the keyword letters of a file name's info suffix.
func parseLetters(name string) uint32 {
	i := strings.LastIndexByte(name, ':')
	if i < 0 || !strings.HasPrefix(name[i+1:], "2,") {
		return 0
	}
	var letters uint32
	for _, c := range []byte(name[i+3:]) {
		if c >= 'a' && c <= 'z' {
			letters |= 1 << (c - 'a')
		}
	}
	return letters
}

// lettersKeywords returns the keyword ids of a file's letters, defining
// keywords the index lacks.
func (m *mdBox) lettersKeywords(st *mstate, letters uint32) []uint16 {
	if letters == 0 {
		return nil
	}
	m.loadKeywords()
	var ids []uint16
	for l := range maxLetters {
		if letters&(1<<l) == 0 || m.fl.kw.names[l] == "" {
			continue
		}
		if id, _, ok := st.kw.keywordID(m.fl.kw.names[l]); ok {
			ids = append(ids, id)
		}
	}
	return ids
}

// mergeLetters returns kwset with its lettered keywords replaced by those
// letters name (index-only keywords are kept).
func (m *mdBox) mergeLetters(st *mstate, kwset uint32, letters uint32) uint32 {
	var ids []uint16
	for _, id := range st.kw.set(kwset) {
		if m.letterOf(st, id) < 0 {
			ids = append(ids, id)
		}
	}
	for _, id := range m.lettersKeywords(st, letters) {
		if !containsID(ids, id) {
			ids = append(ids, id)
		}
	}
	return st.kw.setID(ids)
}
