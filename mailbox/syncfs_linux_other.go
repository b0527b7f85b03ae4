//go:build linux && !amd64 && !386

package mailbox

import "syscall"

const sysSyncfs = syscall.SYS_SYNCFS
