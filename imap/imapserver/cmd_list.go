package imapserver

import (
	"slices"
	"strings"
)

type listOpts struct {
	lsub           bool
	selSubscribed  bool
	selSpecialUse  bool
	recursiveMatch bool
	retSubscribed  bool
	retChildren    bool
	retSpecialUse  bool
	retStatus      *statusItems
	extended       bool
}

// cmdList implements LIST with LIST-EXTENDED (RFC 5258), LIST-STATUS
// (RFC 5819), CHILDREN (RFC 3348), SPECIAL-USE (RFC 6154), and LSUB.
func (c *conn) cmdList(bool) *status {
	var o listOpts
	o.lsub = c.verbOf() == "LSUB"
	c.expectSP()
	if !o.lsub && c.peek() == '(' {
		o.extended = true
		c.openParen()
		for c.peek() != ')' {
			switch c.atomUpper() {
			case "SUBSCRIBED":
				o.selSubscribed = true
			case "REMOTE":
			case "RECURSIVEMATCH":
				o.recursiveMatch = true
			case "SPECIAL-USE":
				o.selSpecialUse = true
			default:
				c.fail("Unknown LIST selection option")
			}
			if !c.sp() {
				break
			}
		}
		c.closeParen()
		c.expectSP()
		if o.recursiveMatch && !o.selSubscribed && !o.selSpecialUse {
			return bad("RECURSIVEMATCH needs another selection option")
		}
	}
	ref := c.mailboxName()
	c.expectSP()
	var patterns []string
	if !o.lsub && c.peek() == '(' {
		o.extended = true
		c.openParen()
		for {
			patterns = append(patterns, c.listMailbox())
			if !c.sp() {
				break
			}
		}
		c.closeParen()
	} else {
		patterns = append(patterns, c.listMailbox())
	}
	if !o.lsub && c.sp() {
		if c.atomUpper() != "RETURN" {
			c.fail("Expected RETURN")
		}
		o.extended = true
		c.expectSP()
		c.openParen()
		for c.peek() != ')' {
			switch c.atomUpper() {
			case "SUBSCRIBED":
				o.retSubscribed = true
			case "CHILDREN":
				o.retChildren = true
			case "SPECIAL-USE":
				o.retSpecialUse = true
			case "STATUS":
				c.expectSP()
				it := c.parseStatusItems()
				o.retStatus = &it
			default:
				c.fail("Unknown LIST return option")
			}
			if !c.sp() {
				break
			}
		}
		c.closeParen()
	}
	c.expectEnd()
	verb := "LIST"
	if o.lsub {
		verb = "LSUB"
	}
	if len(patterns) == 1 && patterns[0] == "" && !o.extended {
		// The hierarchy delimiter and root (RFC 9051 §6.3.9).
		c.untaggedS(verb + ` (\Noselect) "/" ""`)
		return ok(verb + " completed")
	}
	all, err := c.user.ListMailboxes(c.ctx)
	if err != nil {
		return c.backendError(verb, err)
	}
	hasInbox := false
	for _, m := range all {
		if m.Name == "INBOX" {
			hasInbox = true
		}
	}
	if !hasInbox {
		all = append([]MailboxInfo{{Name: "INBOX"}}, all...)
	}
	slices.SortFunc(all, func(a, b MailboxInfo) int { return strings.Compare(a.Name, b.Name) })
	byName := make(map[string]*MailboxInfo, len(all))
	for i := range all {
		byName[all[i].Name] = &all[i]
	}
	hasChildren := func(name string) bool {
		p := name + string(Delimiter)
		i, _ := slices.BinarySearchFunc(all, p, func(m MailboxInfo, t string) int { return strings.Compare(m.Name, t) })
		return i < len(all) && strings.HasPrefix(all[i].Name, p)
	}
	subscribedChild := func(name string) bool {
		p := name + string(Delimiter)
		for _, m := range all {
			if m.Subscribed && strings.HasPrefix(m.Name, p) {
				return true
			}
		}
		return false
	}
	// Candidate names: every mailbox plus implied parents for % matches.
	emitted := map[string]bool{}
	var b []byte
	emit := func(name string, m *MailboxInfo, childInfo bool) {
		if emitted[name] {
			return
		}
		emitted[name] = true
		var attrs []string
		if m == nil {
			if c.enabled.rev2 || o.extended {
				attrs = append(attrs, `\NonExistent`)
			} else {
				attrs = append(attrs, `\Noselect`)
			}
		} else if m.NoSelect {
			attrs = append(attrs, `\Noselect`)
		}
		if hasChildren(name) {
			attrs = append(attrs, `\HasChildren`)
		} else {
			attrs = append(attrs, `\HasNoChildren`)
		}
		if m != nil && (m.Subscribed && (o.retSubscribed || o.selSubscribed)) {
			attrs = append(attrs, `\Subscribed`)
		}
		if m != nil && !o.lsub {
			attrs = append(attrs, m.SpecialUse...)
		}
		b = append(b[:0], "* "...)
		b = append(b, verb...)
		b = append(b, " ("...)
		b = append(b, strings.Join(attrs, " ")...)
		b = append(b, `) "/" `...)
		b = appendAString(b, c.encodeMailbox(name))
		if childInfo {
			b = append(b, ` ("CHILDINFO" ("SUBSCRIBED"))`...)
		}
		b = append(b, "\r\n"...)
		c.bw.Write(b)
		if o.retStatus != nil && m != nil && !m.NoSelect {
			if err := c.writeStatusResponse(name, *o.retStatus); err != nil {
				c.log.Debug("imapserver: LIST-STATUS failed", "mailbox", name, "err", err)
			}
		}
	}
	for _, pat := range patterns {
		full := pat
		if ref != "" && !strings.HasPrefix(pat, string(Delimiter)) {
			full = ref + pat
		}
		if strings.EqualFold(full, "INBOX") {
			full = "INBOX"
		}
		for i := range all {
			m := &all[i]
			selected := true
			if (o.lsub || o.selSubscribed) && !m.Subscribed {
				selected = false
			}
			if o.selSpecialUse && len(m.SpecialUse) == 0 {
				selected = false
			}
			if matchPattern(full, m.Name) {
				if selected {
					emit(m.Name, m, false)
				} else if o.recursiveMatch && o.selSubscribed && subscribedChild(m.Name) {
					emit(m.Name, m, true)
				}
				continue
			}
			// "%" at the end also lists parents of deeper names
			// (RFC 9051 §6.3.9).
			if strings.HasSuffix(full, "%") && selected {
				parts := strings.Split(m.Name, string(Delimiter))
				for k := len(parts) - 1; k > 0; k-- {
					parent := strings.Join(parts[:k], string(Delimiter))
					if matchPattern(full, parent) {
						if pm, ok := byName[parent]; ok {
							if !o.lsub && !o.selSubscribed {
								emit(parent, pm, false)
							} else if !pm.Subscribed {
								emit(parent, nil, o.recursiveMatch)
							}
						} else {
							emit(parent, nil, false)
						}
						break
					}
				}
			}
		}
	}
	return ok(verb + " completed")
}

// listMailbox reads a list-mailbox argument (atom with % and *, or string).
func (c *conn) listMailbox() string {
	switch c.peek() {
	case '"', '{', '~':
		return c.decodeMailboxPattern(c.str())
	}
	start := c.pos
	for c.pos < len(c.line) {
		b := c.line[c.pos]
		if isAStringChar(b) || b == '%' || b == '*' {
			c.pos++
			continue
		}
		break
	}
	if c.pos == start {
		c.fail("Expected mailbox pattern")
	}
	return c.decodeMailboxPattern(string(c.line[start:c.pos]))
}

func (c *conn) decodeMailboxPattern(s string) string {
	if !c.enabled.rev2 && !c.enabled.utf8 {
		if d, err := decodeMUTF7(s); err == nil {
			return d
		}
	}
	return s
}

// matchPattern matches a LIST pattern: "*" matches anything, "%" anything
// but the delimiter. INBOX matches case-insensitively.
func matchPattern(pat, name string) bool {
	if len(pat) >= 5 && strings.EqualFold(pat[:5], "INBOX") && (len(name) >= 5 && name[:5] == "INBOX") {
		pat = "INBOX" + pat[5:]
	}
	return matchFrom(pat, name, 0)
}

func matchFrom(pat, name string, _ int) bool {
	// Dynamic programming over (pattern, name) positions: linear memory,
	// no exponential backtracking on patterns like "*a*a*a*".
	if len(pat) > 1024 || len(name) > 4096 {
		return false
	}
	prev := make([]bool, len(name)+1)
	cur := make([]bool, len(name)+1)
	prev[0] = true
	for i := 0; i < len(pat); i++ {
		p := pat[i]
		switch p {
		case '*', '%':
			cur[0] = prev[0]
			for j := 1; j <= len(name); j++ {
				cur[j] = prev[j] || (cur[j-1] && (p == '*' || name[j-1] != byte(Delimiter)))
			}
		default:
			cur[0] = false
			for j := 1; j <= len(name); j++ {
				cur[j] = prev[j-1] && name[j-1] == p
			}
		}
		prev, cur = cur, prev
	}
	return prev[len(name)]
}
