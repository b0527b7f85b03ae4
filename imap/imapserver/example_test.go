package imapserver_test

import (
	"context"
	"log"
	"time"

	"github.com/mailwire/mailwire/imap/imapserver"
)

// ExampleServer shows the lifecycle every mailwire server shares. A
// Backend is usually mailbox.NewIMAPBackend(store) (see the mailbox
// package's example); any type implementing imapserver.Backend works.
func ExampleServer() {
	var backend imapserver.Backend // e.g. mailbox.NewIMAPBackend(store)
	srv := &imapserver.Server{
		Addr:    "127.0.0.1:1143",
		Backend: backend,
		// TLSConfig enables STARTTLS; without it (or AllowInsecureAuth)
		// LOGIN is refused on cleartext connections.
	}
	go func() {
		if err := srv.ListenAndServe(); err != imapserver.ErrServerClosed {
			log.Print(err)
		}
	}()
	// ... later: let sessions finish their command, then close.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
}
