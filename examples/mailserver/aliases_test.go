package main

import "github.com/mailwire/mailwire/examples/mailserver/server"

// Short names for the tests of the program.
type Instance = server.Instance

var (
	Start           = server.Start
	DefaultConfig   = server.DefaultConfig
	formatQueue     = server.FormatQueue
	errDataDirInUse = server.ErrDataDirInUse
)
