package mailbox

// The syscall package has no SYS_SYNCFS on 386 (its table is frozen).
const sysSyncfs = 344
