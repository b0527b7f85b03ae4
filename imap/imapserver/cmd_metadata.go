package imapserver

import (
	"context"
	"sort"
	"strconv"
	"strings"
)

// MetadataUser is implemented by Users that store METADATA entries
// (RFC 5464) for mailboxes and for the server (mailbox ""). Entry names
// reach the backend in lower case, already validated.
type MetadataUser interface {
	// GetMetadata returns every entry of a mailbox ("" for the server
	// entries of METADATA-SERVER). ErrNoSuchMailbox if it does not exist.
	GetMetadata(ctx context.Context, mailbox string) (map[string][]byte, error)
	// SetMetadata stores entries; a nil value deletes the entry.
	SetMetadata(ctx context.Context, mailbox string, entries map[string][]byte) error
}

// Limits of METADATA (rule 5). RFC 5464 §4.3 lets a server refuse values
// and entry counts beyond its limits with [METADATA MAXSIZE n] and
// [METADATA TOOMANY]; a value is also bounded by MaxLiteralSize.
const (
	// MetadataMaxValueSize bounds one entry value (64 KiB).
	MetadataMaxValueSize = 64 << 10
	// MetadataMaxEntries bounds the entries of one mailbox (or of the
	// server) per user.
	MetadataMaxEntries = 256
	// metadataMaxNameLength bounds one entry name.
	metadataMaxNameLength = 1024
	// metadataMaxRequest bounds the entries named in one command.
	metadataMaxRequest = 256
)

func (c *conn) metadataUser() (MetadataUser, *status) {
	mu, ok := c.user.(MetadataUser)
	if !ok {
		return nil, no("CANNOT", "Metadata is not supported")
	}
	return mu, nil
}

// entryName reads an entry name and checks the rules of RFC 5464 §3.2: it
// starts with /private/ or /shared/ (or is one of them), has no empty
// component, no trailing slash, no wildcards and no control characters.
// Names are case-insensitive, so they are lower-cased.
func (c *conn) entryName() string {
	e := c.astring()
	if !validEntryName(e) {
		c.fail("Invalid metadata entry name")
	}
	return strings.ToLower(e)
}

func validEntryName(e string) bool {
	if len(e) > metadataMaxNameLength {
		return false
	}
	l := strings.ToLower(e)
	if l != "/private" && l != "/shared" && !strings.HasPrefix(l, "/private/") && !strings.HasPrefix(l, "/shared/") {
		return false
	}
	if strings.HasSuffix(e, "/") || strings.Contains(e, "//") {
		return false
	}
	for i := 0; i < len(e); i++ {
		if ch := e[i]; ch < 0x20 || ch == 0x7f || ch == '*' || ch == '%' {
			return false
		}
	}
	return true
}

// cmdGetMetadata implements GETMETADATA (RFC 5464 §4.2) with the MAXSIZE
// and DEPTH options (§4.2.2, §4.2.3).
func (c *conn) cmdGetMetadata(bool) *status {
	c.expectSP()
	maxSize := int64(-1)
	depth := 0 // 0, 1, or -1 for infinity
	if c.peek() == '(' {
		c.openParen()
		for first := true; first || c.sp(); first = false {
			switch c.atomUpper() {
			case "MAXSIZE":
				c.expectSP()
				maxSize = int64(c.number())
			case "DEPTH":
				c.expectSP()
				switch strings.ToLower(c.atom()) {
				case "0":
					depth = 0
				case "1":
					depth = 1
				case "infinity":
					depth = -1
				default:
					c.fail("Invalid DEPTH")
				}
			default:
				c.fail("Unknown GETMETADATA option")
			}
		}
		c.closeParen()
		c.expectSP()
	}
	name := c.metadataMailbox()
	c.expectSP()
	var entries []string
	if c.peek() == '(' {
		c.openParen()
		for first := true; first || c.sp(); first = false {
			if len(entries) == metadataMaxRequest {
				c.fail("Too many entries")
			}
			entries = append(entries, c.entryName())
		}
		c.closeParen()
	} else {
		entries = append(entries, c.entryName())
	}
	c.expectEnd()
	mu, st := c.metadataUser()
	if st != nil {
		return st
	}
	all, err := mu.GetMetadata(c.ctx, name)
	if err != nil {
		return c.backendError("GETMETADATA", err)
	}
	keys := make([]string, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var longest int64 = -1
	b := append([]byte("* METADATA "), appendAString(nil, c.encodeMailbox(name))...)
	b = append(b, " ("...)
	n := 0
	add := func(k string, v []byte, exists bool) {
		if exists && maxSize >= 0 && int64(len(v)) > maxSize {
			// §4.2.2: omitted, reported as LONGENTRIES.
			longest = max(longest, int64(len(v)))
			return
		}
		if n > 0 {
			b = append(b, ' ')
		}
		n++
		b = appendAString(b, k)
		b = append(b, ' ')
		b = appendNString(b, string(v), !exists)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		if !seen[e] {
			v, ok := all[e]
			add(e, v, ok)
			seen[e] = true
		}
		if depth == 0 {
			continue
		}
		prefix := e + "/"
		for _, k := range keys {
			rest, under := strings.CutPrefix(k, prefix)
			if !under || seen[k] || depth == 1 && strings.Contains(rest, "/") {
				continue
			}
			seen[k] = true
			add(k, all[k], true)
		}
	}
	if n > 0 {
		b = append(b, ")\r\n"...)
		c.bw.Write(b)
	}
	if longest >= 0 {
		return okCode("METADATA LONGENTRIES "+strconv.FormatInt(longest, 10), "GETMETADATA completed")
	}
	return ok("GETMETADATA completed")
}

// cmdSetMetadata implements SETMETADATA (RFC 5464 §4.3).
func (c *conn) cmdSetMetadata(bool) *status {
	c.expectSP()
	name := c.metadataMailbox()
	c.expectSP()
	c.openParen()
	set := map[string][]byte{}
	tooBig := false
	for first := true; first || c.sp(); first = false {
		if len(set) == metadataMaxRequest {
			c.fail("Too many entries")
		}
		e := c.entryName()
		c.expectSP()
		v, isStr := c.nstringOrNil()
		if !isStr {
			set[e] = nil
			continue
		}
		if len(v) > MetadataMaxValueSize {
			// Parse on so that the connection stays in sync.
			tooBig = true
			continue
		}
		set[e] = []byte(v)
	}
	c.closeParen()
	c.expectEnd()
	if tooBig {
		return no("METADATA MAXSIZE "+strconv.Itoa(MetadataMaxValueSize), "Value too large")
	}
	mu, st := c.metadataUser()
	if st != nil {
		return st
	}
	cur, err := mu.GetMetadata(c.ctx, name)
	if err != nil {
		return c.backendError("SETMETADATA", err)
	}
	count := len(cur)
	for k, v := range set {
		_, exists := cur[k]
		switch {
		case v == nil && exists:
			count--
		case v != nil && !exists:
			count++
		}
	}
	if count > MetadataMaxEntries {
		return no("METADATA TOOMANY", "Too many metadata entries")
	}
	if err := mu.SetMetadata(c.ctx, name, set); err != nil {
		return c.backendError("SETMETADATA", err)
	}
	return ok("SETMETADATA completed")
}

// metadataMailbox reads the mailbox argument; "" names the server
// (METADATA-SERVER, RFC 5464 §3.1).
func (c *conn) metadataMailbox() string {
	raw := c.astring()
	if raw == "" {
		return ""
	}
	return c.decodeMailbox(raw)
}
