package imapserver

// This file lists the commands and capabilities of the extensions in
// cmd_compress.go, cmd_quota.go, cmd_metadata.go and cmd_multiappend.go (which
// replaces APPEND),
// so that the command table and CAPABILITY pick them up in one place.

// extCommands are the command-table entries of the extension files.
var extCommands = map[string]command{
	// RFC 3502: APPEND with several messages (cmd_multiappend.go).
	"APPEND": {authOrSelect, (*conn).cmdMultiAppend},
	// RFC 4978.
	"COMPRESS": {authOrSelect, (*conn).cmdCompress},
	// RFC 9208.
	"GETQUOTA":     {authOrSelect, (*conn).cmdGetQuota},
	"GETQUOTAROOT": {authOrSelect, (*conn).cmdGetQuotaRoot},
	"SETQUOTA":     {authOrSelect, (*conn).cmdSetQuota},
	// RFC 5267 (ext_context.go).
	"CANCELUPDATE": {stateSelected, (*conn).cmdCancelUpdate},
	// RFC 5464.
	"GETMETADATA": {authOrSelect, (*conn).cmdGetMetadata},
	"SETMETADATA": {authOrSelect, (*conn).cmdSetMetadata},
	// RFC 5465 (cmd_notify.go).
	"NOTIFY": {authOrSelect, (*conn).cmdNotify},
}

// extCapabilities are the CAPABILITY words of the extension files, and
// WITHIN (RFC 5032), whose OLDER and YOUNGER search keys search_parse.go
// implements, SAVEDATE (RFC 8514: fetch_ext.go, ext_search.go) and PREVIEW
// (RFC 8970: ext_preview.go).
// COMPRESS=DEFLATE is left out once compression is active (RFC 4978 §3
// forbids a second COMPRESS, so announcing it would only invite a BAD).
func (c *conn) extCapabilities() string {
	s := "SAVEDATE PREVIEW WITHIN MULTIAPPEND QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE METADATA METADATA-SERVER NOTIFY " + contextCapabilities + c.objectIDCapability()
	if !c.compressed() {
		s = compressCapability + " " + s
	}
	return s
}
