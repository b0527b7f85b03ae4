package imap

// ListOptions are the LIST-EXTENDED selection and return options
// (RFC 9051 §6.3.9, RFC 5258, RFC 5819 LIST-STATUS, RFC 6154).
type ListOptions struct {
	SelectSubscribed     bool
	SelectRemote         bool
	SelectRecursiveMatch bool
	SelectSpecialUse     bool

	ReturnSubscribed bool
	ReturnChildren   bool
	ReturnSpecialUse bool
	ReturnStatus     *StatusOptions // LIST-STATUS; nil if not requested
}

// IsExtended reports whether any LIST-EXTENDED option is set.
func (o *ListOptions) IsExtended() bool {
	if o == nil {
		return false
	}
	return o.SelectSubscribed || o.SelectRemote || o.SelectRecursiveMatch || o.SelectSpecialUse ||
		o.ReturnSubscribed || o.ReturnChildren || o.ReturnSpecialUse || o.ReturnStatus != nil
}

// ListData is one LIST response (RFC 9051 §7.3.1).
type ListData struct {
	Attrs   []MailboxAttr
	Delim   rune // 0 means NIL (flat namespace)
	Mailbox string

	// Extended data items (RFC 5258 §9, RFC 9051 §7.3.1).
	ChildInfo *ListChildInfo // CHILDINFO ("SUBSCRIBED")
	OldName   string         // OLDNAME (RFC 9051 §6.3.6), empty if absent
	Status    *StatusData    // LIST-STATUS: a STATUS response follows the LIST
}

// ListChildInfo is the CHILDINFO extended data item (RFC 5258 §3.5).
type ListChildInfo struct {
	Subscribed bool
}

// HasAttr reports whether d has attribute a (case-insensitively).
func (d *ListData) HasAttr(a MailboxAttr) bool {
	for _, x := range d.Attrs {
		if Flag(x).Equal(Flag(a)) {
			return true
		}
	}
	return false
}

// NamespaceData is the NAMESPACE response (RFC 2342, RFC 9051 §6.3.10).
type NamespaceData struct {
	Personal []NamespaceDescriptor
	Other    []NamespaceDescriptor
	Shared   []NamespaceDescriptor
}

// NamespaceDescriptor is one namespace: a prefix and its delimiter.
type NamespaceDescriptor struct {
	Prefix string
	Delim  rune
}
