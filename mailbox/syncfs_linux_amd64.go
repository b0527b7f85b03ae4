package mailbox

// The syscall package has no SYS_SYNCFS on amd64 (its table is frozen).
const sysSyncfs = 306
