package compress_test

import (
	"bufio"
	"fmt"
	"io"
	"net"

	"github.com/mailwire/mailwire/imap/internal/compress"
)

// Both ends of a connection switch to DEFLATE after COMPRESS's OK; each
// Write is flushed, so the peer reads a whole response at once.
func Example() {
	a, b := net.Pipe()
	za, _ := compress.NewConn(a, nil)
	zb, _ := compress.NewConn(b, nil)
	defer za.Close()
	defer zb.Close()
	go io.WriteString(za, "* 4 EXISTS\r\n")
	line, _ := bufio.NewReader(zb).ReadString('\n')
	fmt.Printf("%q\n", line)
	// Output: "* 4 EXISTS\r\n"
}
