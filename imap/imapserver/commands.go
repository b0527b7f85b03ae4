package imapserver

// command is one entry of the command table: a handler and the states in
// which the command is allowed (RFC 9051 §6).
type command struct {
	states state
	run    func(c *conn, uid bool) *status
}

var commands map[string]command

func init() {
	commands = map[string]command{
		// Any state (RFC 9051 §6.1).
		"CAPABILITY": {anyState, (*conn).cmdCapability},
		"NOOP":       {anyState, (*conn).cmdNoop},
		"LOGOUT":     {anyState, (*conn).cmdLogout},
		"ID":         {anyState, (*conn).cmdID},
		// Not authenticated (§6.2).
		"STARTTLS":     {stateNotAuthenticated, (*conn).cmdStartTLS},
		"AUTHENTICATE": {stateNotAuthenticated, (*conn).cmdAuthenticate},
		"LOGIN":        {stateNotAuthenticated, (*conn).cmdLogin},
		// Authenticated (§6.3).
		"ENABLE": {authOrSelect, (*conn).cmdEnable},
		// RFC 8437.
		"UNAUTHENTICATE": {authOrSelect, (*conn).cmdUnauthenticate},
		"SELECT":         {authOrSelect, (*conn).cmdSelect},
		"EXAMINE":        {authOrSelect, (*conn).cmdSelect},
		"CREATE":         {authOrSelect, (*conn).cmdCreate},
		"DELETE":         {authOrSelect, (*conn).cmdDelete},
		"RENAME":         {authOrSelect, (*conn).cmdRename},
		"SUBSCRIBE":      {authOrSelect, (*conn).cmdSubscribe},
		"UNSUBSCRIBE":    {authOrSelect, (*conn).cmdSubscribe},
		"LIST":           {authOrSelect, (*conn).cmdList},
		"LSUB":           {authOrSelect, (*conn).cmdList},
		"NAMESPACE":      {authOrSelect, (*conn).cmdNamespace},
		"STATUS":         {authOrSelect, (*conn).cmdStatus},
		"APPEND":         {authOrSelect, (*conn).cmdAppend},
		"IDLE":           {authOrSelect, (*conn).cmdIdle},
		// Selected (§6.4).
		"CHECK":    {stateSelected, (*conn).cmdCheck},
		"CLOSE":    {stateSelected, (*conn).cmdClose},
		"UNSELECT": {stateSelected, (*conn).cmdClose},
		"EXPUNGE":  {stateSelected, (*conn).cmdExpunge},
		"SEARCH":   {stateSelected, (*conn).cmdSearch},
		"FETCH":    {stateSelected, (*conn).cmdFetch},
		"STORE":    {stateSelected, (*conn).cmdStore},
		"COPY":     {stateSelected, (*conn).cmdCopy},
		"MOVE":     {stateSelected, (*conn).cmdCopy},
		// RFC 5256 (cmd_sort.go).
		"SORT":   {stateSelected, (*conn).cmdSort},
		"THREAD": {stateSelected, (*conn).cmdThread},
	}
	// COMPRESS, QUOTA, METADATA and MULTIAPPEND's APPEND (ext.go).
	for verb, cmd := range extCommands {
		commands[verb] = cmd
	}
}

// verbOf returns the name of the command being executed (without UID).
func (c *conn) verbOf() string { return c.verb }
