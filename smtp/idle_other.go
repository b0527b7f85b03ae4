//go:build !linux

package smtp

import "errors"

const idleWaitSupported = false

var errWouldBlock = errors.New("would block")

func readFD(fd uintptr, b []byte) (int, error) { return 0, errWouldBlock }
