package mailbox_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"time"

	"github.com/mailwire/mailwire/mailbox"
)

// Create a user, deliver a message to the INBOX and read it back.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "mailwire-example")
	defer os.RemoveAll(dir)

	store, err := mailbox.OpenMaildir(dir, mailbox.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer store.Close()
	if err := store.CreateUser(ctx, "alice", "correct horse"); err != nil {
		log.Fatal(err)
	}
	store.AddDomain(ctx, "example.org")

	// Delivery: resolve the address, append to the INBOX (durable on return).
	user, err := store.ResolveRecipient(ctx, "alice+lists@example.org")
	if err != nil {
		log.Fatal(err)
	}
	uid, err := store.Append(ctx, user, "INBOX", strings.NewReader("Subject: hello\r\n\r\nHi Alice!\r\n"), nil, time.Time{})
	if err != nil {
		log.Fatal(err)
	}

	// Reading: list the mailbox, open a message.
	list, _ := store.List(ctx, "alice", "INBOX")
	m, err := store.Open(ctx, "alice", "INBOX", uid)
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	body, _ := io.ReadAll(m)
	fmt.Println(len(list), "message, UID", list[0].UID, "size", m.Size())
	fmt.Printf("%q\n", body)
	// Output:
	// 1 message, UID 1 size 29
	// "Subject: hello\r\n\r\nHi Alice!\r\n"
}

// Flags, MODSEQs and the change feed.
func ExampleStore_StoreFlags() {
	ctx := context.Background()
	store := mailbox.NewMemory(mailbox.Options{})
	store.CreateUser(ctx, "bob", "secret")
	uid, _ := store.Append(ctx, "bob", "INBOX", strings.NewReader("Subject: x\r\n\r\n"), nil, time.Time{})

	sub, _ := store.Watch(ctx, "bob", "INBOX")
	defer sub.Close()
	up, _ := store.StoreFlags(ctx, "bob", "INBOX", []uint32{uid}, mailbox.FlagsAdd, []string{`\Seen`, "$Important"}, 0)
	fmt.Println(up[0].Flags, up[0].Changed)

	<-sub.Ready()
	for _, ev := range sub.Drain(nil) {
		fmt.Println(ev.Kind, ev.UID, ev.Flags)
	}
	st, _ := store.Status(ctx, "bob", "INBOX")
	fmt.Println("unseen:", st.Unseen, "highest modseq:", st.HighestModSeq == up[0].ModSeq)
	// Output:
	// [\Seen $Important] true
	// flags 1 [\Seen $Important]
	// unseen: 0 highest modseq: true
}

// Verify a password (PLAIN/LOGIN) without the store ever keeping it.
func ExampleStore_VerifyPassword() {
	ctx := context.Background()
	store := mailbox.NewMemory(mailbox.Options{})
	store.CreateUser(ctx, "carol", "pencil")
	fmt.Println(store.VerifyPassword(ctx, "carol", "pencil"))
	fmt.Println(store.VerifyPassword(ctx, "carol", "pen"))
	// Output:
	// <nil>
	// mailbox: authentication failed
}
