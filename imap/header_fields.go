package imap

// ForEachHeaderField calls fn, in order, with the name (as written, without
// trailing blanks) and the unfolded, trimmed value of each field of a
// header block (RFC 5322 §2.2, §2.2.3). Lines without a colon and names
// that contain white space are skipped. Servers use it to match SEARCH
// HEADER keys (RFC 9051 §6.4.4) without building an envelope.
func ForEachHeaderField(hdr []byte, fn func(name []byte, value string)) {
	forEachField(hdr, func(name, value []byte) { fn(name, unfold(value)) })
}
