package sasl_test

import (
	"encoding/base64"
	"fmt"

	"github.com/mailwire/mailwire/internal/sasl"
)

// A protocol server drives a sasl.Server: base64-decoded client lines in,
// challenges out, until done.
func ExampleNewPlainServer() {
	srv := sasl.NewPlainServer(func(authzid, user, pass string) error {
		if user == "tim" && pass == "tanstaaftanstaaf" && authzid == "" {
			return nil
		}
		return sasl.ErrAuthFailed
	})
	// "AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm"
	ir, _ := base64.StdEncoding.DecodeString("AHRpbQB0YW5zdGFhZnRhbnN0YWFm")
	_, done, err := srv.Next(ir)
	_, user := srv.Identity()
	fmt.Println(done, err, user)
	// Output: true <nil> tim
}

// SCRAM-SHA-256: the store keeps only ScramCredentials, never the password.
func ExampleNewScramSHA256Server() {
	stored := sasl.NewScramCredentials("pencil", nil, 4096)
	srv := sasl.NewScramSHA256Server(func(user string) (sasl.ScramCredentials, error) {
		if user != "user" {
			return sasl.ScramCredentials{}, sasl.ErrAuthFailed
		}
		return stored, nil
	})
	cli := sasl.NewScramSHA256Client("", "user", "pencil")

	mech, resp, _ := cli.Start()
	for {
		challenge, done, err := srv.Next(resp)
		if done {
			_, user := srv.Identity()
			fmt.Println(mech, err, user)
			return
		}
		if resp, err = cli.Next(challenge); err != nil {
			fmt.Println("client:", err)
			return
		}
	}
	// Output: SCRAM-SHA-256 <nil> user
}
