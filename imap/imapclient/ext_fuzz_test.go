package imapclient

import (
	"testing"
	"time"
)

// FuzzExtResponses feeds arbitrary server output to a client with QUOTA
// and METADATA commands in flight: nothing may panic or hang.
func FuzzExtResponses(f *testing.F) {
	for _, s := range []string{
		"* QUOTAROOT INBOX \"\" \"#user/alice\"\r\n* QUOTA \"\" (STORAGE 10 512 MESSAGE 1 100)\r\nA1 OK\r\n",
		"* QUOTA \"!partition/sda4\" (STORAGE 104 10923847)\r\nA2 OK\r\n",
		"* METADATA \"\" (/shared/comment \"hi\" /private/x NIL /private/y {5}\r\nab\r\nc)\r\nA3 OK [METADATA LONGENTRIES 70]\r\n",
		"* METADATA INBOX /shared/comment /private/x\r\nA3 OK\r\n",
		"* QUOTA \"\" (STORAGE 99999999999999999999 1)\r\nA1 NO [OVERQUOTA] x\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cconn := fuzzServer(data)
		c, err := New(cconn, &Options{CommandTimeout: 300 * time.Millisecond, MaxResponse: 1 << 16, MaxLiteral: 1 << 16})
		if err != nil {
			return
		}
		defer c.Close()
		q := c.GetQuotaRoot("INBOX")
		m := c.GetMetadata("", []string{"/shared/comment"}, &MetadataOptions{MaxSize: 10, Depth: 1})
		q.Wait()
		m.Wait()
		m.LongEntries()
	})
}
