package mailbox_test

import (
	"testing"

	"github.com/mailwire/mailwire/mailbox"
	"github.com/mailwire/mailwire/mailbox/storetest"
)

func TestMemoryConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) mailbox.Store { return mailbox.NewMemory(mailbox.Options{}) })
}

func TestMaildirConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) mailbox.Store {
		s, err := mailbox.OpenMaildir(t.TempDir(), mailbox.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
