package imapclient

import (
	"net"
	"testing"
	"time"

	"github.com/mailwire/mailwire/imap"
)

// FuzzResponseDecoder feeds arbitrary server output to a client that has
// FETCH, SEARCH, LIST and SELECT commands in flight: nothing may panic or
// hang, whatever the server sends.
func FuzzResponseDecoder(f *testing.F) {
	for _, s := range []string{
		"* 1 FETCH (UID 5 FLAGS (\\Seen) ENVELOPE (NIL \"s\" ((NIL NIL \"a\" \"b\")) NIL NIL NIL NIL NIL NIL \"<x>\") BODY[] {5}\r\nhello)\r\nA1 OK\r\n",
		"* SEARCH 1 2 3\r\n* ESEARCH (TAG \"A2\") UID ALL 1:3 MIN 1\r\nA2 OK\r\n",
		"* LIST (\\HasNoChildren) \"/\" \"a&AP8-b\" (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\nA3 OK\r\n",
		"* 3 EXISTS\r\n* OK [UIDVALIDITY 1] x\r\n* FLAGS (\\Seen)\r\nA4 OK [READ-WRITE] x\r\n",
		"+ go\r\n* BYE x\r\n",
		"* 2 FETCH (BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" NIL NIL NIL \"7BIT\" 1 1)(\"MESSAGE\" \"RFC822\" NIL NIL NIL \"7BIT\" 5 (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) (\"TEXT\" \"HTML\" NIL NIL NIL \"8BIT\" 2 1) 4) \"MIXED\"))\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cconn := fuzzServer(data)
		c, err := New(cconn, &Options{CommandTimeout: 300 * time.Millisecond, MaxResponse: 1 << 16, MaxLiteral: 1 << 16,
			Handler: &UnilateralHandler{Fetch: func(*FetchMessage) {}, Exists: func(uint32) {}}})
		if err != nil {
			return
		}
		defer c.Close()
		fetch := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{UID: true}, nil)
		search := c.Search(true, &imap.SearchCriteria{}, nil)
		list := c.List("", "*", nil)
		sel := c.Select("INBOX", nil)
		fetch.Wait()
		search.Wait()
		list.Wait()
		sel.Wait()
	})
}

// fuzzServer returns the client end of a pipe whose server greets, sends
// data and closes, swallowing whatever the client writes.
func fuzzServer(data []byte) net.Conn {
	cconn, sconn := net.Pipe()
	go func() {
		sconn.Write([]byte("* OK hi\r\n"))
		go func() {
			buf := make([]byte, 4096)
			for {
				if _, err := sconn.Read(buf); err != nil {
					return
				}
			}
		}()
		sconn.Write(data)
		sconn.Close()
	}()
	return cconn
}
