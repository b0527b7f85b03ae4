package mailbox

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// datasync flushes f's data and the metadata needed to read it back
// (fdatasync: the mtime is not needed for durability).
func datasync(f *os.File) error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err != syscall.EINTR {
			return err
		}
	}
}

// syncfs flushes the whole file system that holds f (syncfs(2)): every
// dirty page and inode on it, then the device cache — a superset of
// fdatasync for every file there, in one call.
func syncfs(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var errno syscall.Errno
	// Control keeps f open during the call: a concurrent Close cannot
	// hand the descriptor number to another file.
	if cerr := rc.Control(func(fd uintptr) {
		for {
			_, _, errno = syscall.Syscall(sysSyncfs, fd, 0, 0)
			if errno != syscall.EINTR {
				return
			}
		}
	}); cerr != nil {
		return cerr
	}
	if errno != 0 {
		return os.NewSyscallError("syncfs", errno)
	}
	return nil
}

// fileSystemID returns the device of the file system holding f.
func fileSystemID(f *os.File) (uint64, bool) {
	var st syscall.Stat_t
	if f == nil || syscall.Fstat(int(f.Fd()), &st) != nil {
		return 0, false
	}
	return uint64(st.Dev), true
}

// syncfsReportsErrors: syncfs returns writeback errors only since Linux
// 5.8 (before, it returned 0 even when pages failed to reach the disk), so
// older kernels flush every body with fdatasync.
var syncfsReportsErrors = sync.OnceValue(func() bool {
	var u syscall.Utsname
	if syscall.Uname(&u) != nil {
		return false
	}
	var b strings.Builder
	for _, c := range u.Release {
		if c == 0 {
			break
		}
		b.WriteByte(byte(c))
	}
	return kernelAtLeast(b.String(), 5, 8)
})

// kernelAtLeast reports whether a release string such as "6.1.0-13-amd64"
// is major.minor or later.
func kernelAtLeast(release string, major, minor int) bool {
	parts := strings.SplitN(release, ".", 3)
	if len(parts) < 2 {
		return false
	}
	num := func(s string) int {
		end := 0
		for end < len(s) && s[end] >= '0' && s[end] <= '9' {
			end++
		}
		n, err := strconv.Atoi(s[:end])
		if err != nil {
			return -1
		}
		return n
	}
	maj, mnr := num(parts[0]), num(parts[1])
	return maj > major || maj == major && mnr >= minor
}

// isNoSys reports an error that means syncfs is unavailable here (old
// kernel, or a seccomp filter that refuses it).
func isNoSys(err error) bool {
	return errors.Is(err, syscall.ENOSYS) || errors.Is(err, syscall.EPERM)
}
