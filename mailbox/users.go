package mailbox

import (
	"strings"
)

// userDB is the store-wide account table: users with their SCRAM keys and
// quota limits, local domains, aliases and catch-alls. Maildir persists it as
// JSON (write-temp + rename).
type userDB struct {
	Users    map[string]*userRec `json:"users"`
	Domains  map[string]bool     `json:"domains"`
	Aliases  map[string]string   `json:"aliases"`   // alias address -> user
	CatchAll map[string]string   `json:"catch_all"` // domain -> user
}

type userRec struct {
	Scram        ScramCredentials             `json:"scram"`
	StorageLimit int64                        `json:"storage_limit,omitempty"`
	MessageLimit int64                        `json:"message_limit,omitempty"`
	Meta         map[string][]byte            `json:"meta,omitempty"`
	Subscribed   []string                     `json:"subscribed,omitempty"`
	SpecialUse   map[string]string            `json:"special_use,omitempty"` // mailbox -> attribute
	MailboxMeta  map[string]map[string][]byte `json:"mailbox_meta,omitempty"`
}

func newUserDB() *userDB {
	return &userDB{Users: map[string]*userRec{}, Domains: map[string]bool{}, Aliases: map[string]string{}, CatchAll: map[string]string{}}
}

func (db *userDB) fill() {
	if db.Users == nil {
		db.Users = map[string]*userRec{}
	}
	if db.Domains == nil {
		db.Domains = map[string]bool{}
	}
	if db.Aliases == nil {
		db.Aliases = map[string]string{}
	}
	if db.CatchAll == nil {
		db.CatchAll = map[string]string{}
	}
}

// validUserName accepts names usable as a directory and as an address
// local part: 1-64 bytes (RFC 5321 §4.5.3.1.1), no '/', no leading '.',
// no '+' (the sub-address separator), no '@', no control or space.
func validUserName(u string) bool {
	if u == "" || len(u) > 64 || u[0] == '.' {
		return false
	}
	for i := 0; i < len(u); i++ {
		c := u[i]
		if c <= ' ' || c == 0x7f || c == '/' || c == '\\' || c == '+' || c == '@' || c == ':' {
			return false
		}
	}
	return true
}

func normUser(u string) string { return strings.ToLower(u) }

// splitAddr splits local@domain, lower-casing the domain. Angle brackets
// are stripped. A bare local part has an empty domain.
func splitAddr(addr string) (local, domain string) {
	addr = strings.TrimSpace(addr)
	addr = strings.TrimPrefix(addr, "<")
	addr = strings.TrimSuffix(addr, ">")
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return addr, ""
	}
	return addr[:at], strings.ToLower(strings.TrimSuffix(addr[at+1:], "."))
}

// resolve implements Store.ResolveRecipient (caller holds the lock).
func (db *userDB) resolve(addr string) (string, error) {
	local, domain := splitAddr(addr)
	if local == "" {
		return "", ErrNoSuchUser
	}
	// A bare local part ("postmaster", LMTP without domain) is local.
	if domain != "" && !db.Domains[domain] {
		return "", ErrNotLocal
	}
	lower := strings.ToLower(local)
	if domain != "" {
		if u, ok := db.Aliases[lower+"@"+domain]; ok && db.Users[u] != nil {
			return u, nil
		}
	}
	if db.Users[lower] != nil {
		return lower, nil
	}
	// RFC 5233 sub-addressing: user+detail.
	if i := strings.IndexByte(lower, '+'); i > 0 {
		base := lower[:i]
		if domain != "" {
			if u, ok := db.Aliases[base+"@"+domain]; ok && db.Users[u] != nil {
				return u, nil
			}
		}
		if db.Users[base] != nil {
			return base, nil
		}
	}
	if u, ok := db.CatchAll[domain]; ok && domain != "" && db.Users[u] != nil {
		return u, nil
	}
	return "", ErrNoSuchUser
}
