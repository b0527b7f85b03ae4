// Command benchserver serves mailwire's protocols from one process for the
// whole-server benchmarks in ../shared/bench (see its README): each
// protocol listens on its own address and the process runs until SIGTERM
// or SIGINT.
//
//	benchserver -data DIR [-smtp 127.0.0.1:30040] [-smtp-stats 127.0.0.1:30080] ...
//
// # Adding a protocol
//
// Each protocol lives in its own file, cmd/benchserver/<proto>.go, and
// registers itself from an init function:
//
//	var imapAddr = flag.String("imap", "127.0.0.1:30041", "IMAP listen address (empty: off)")
//
//	func init() {
//		register(service{name: "imap", addr: imapAddr, start: startIMAP})
//	}
//
//	func startIMAP(ctx context.Context, dataDir, addr string) (stop func(), err error)
//
// start must listen before it returns (so the harness sees the port open)
// and serve in the background; stop shuts the service down. An empty
// address disables the service.
package main

import (
	"context"
	"flag"
	"log"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

// service is one protocol the bench server runs.
type service struct {
	name  string
	addr  *string // listen address flag; "" disables the service
	start func(ctx context.Context, dataDir, addr string) (stop func(), err error)
}

var services []service

// register adds a service; call it from an init function.
func register(s service) { services = append(services, s) }

func main() {
	dataDir := flag.String("data", "", "data directory (created if missing)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile to this file until exit")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			log.Fatal(err)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	if *dataDir == "" {
		log.Fatal("benchserver: -data DIR is required")
	}
	if err := os.MkdirAll(*dataDir, 0o700); err != nil {
		log.Fatal(err)
	}
	ctx, cancel := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer cancel()

	var stops []func()
	for _, s := range services {
		if *s.addr == "" {
			continue
		}
		stop, err := s.start(ctx, *dataDir, *s.addr)
		if err != nil {
			log.Fatalf("benchserver: %s on %s: %v", s.name, *s.addr, err)
		}
		log.Printf("benchserver: %s listening on %s", s.name, *s.addr)
		stops = append(stops, stop)
	}
	if len(stops) == 0 {
		log.Fatal("benchserver: no service enabled")
	}
	<-ctx.Done()
	for i := len(stops) - 1; i >= 0; i-- {
		stops[i]()
	}
	// Close the store like a real server's shutdown does: pending flag
	// renames, the sync marker and the index checkpoint of big mailboxes
	// are written now, so a restart opens them as an operator's would.
	if benchStoreVal != nil {
		if err := benchStoreVal.Close(); err != nil {
			log.Printf("benchserver: closing the store: %v", err)
		}
	}
}
