package textwire_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/mailwire/mailwire/internal/textwire"
)

// A server reads commands with ReadLine and answers an over-long line
// without losing its place.
func ExampleReadLine() {
	r := bufio.NewReader(strings.NewReader("NOOP\r\n" + strings.Repeat("x", 600) + "\r\nQUIT\r\n"))
	for {
		line, err := textwire.ReadLine(r, 510) // RFC 5321 §4.5.3.1.4: 512 with CRLF
		if errors.Is(err, textwire.ErrLineTooLong) {
			fmt.Println("500 5.5.2 Line too long")
			continue
		}
		if err != nil {
			return
		}
		fmt.Printf("command %q\n", line)
	}
	// Output:
	// command "NOOP"
	// 500 5.5.2 Line too long
	// command "QUIT"
}

// A server receives SMTP DATA: strict end of data, a size limit, and a
// drain that keeps the connection usable after a rejected message.
func ExampleNewDotReader() {
	conn := bufio.NewReader(strings.NewReader("Subject: hi\r\n\r\n..dot\r\n.\r\nQUIT\r\n"))
	body := textwire.NewDotReader(conn, textwire.DotReaderOptions{MaxSize: 10 << 20})
	var msg strings.Builder // a real server streams to its backend
	_, err := io.Copy(&msg, body)
	switch {
	case err == nil:
		fmt.Printf("%q\n", msg.String())
		fmt.Println("250 2.0.0 OK")
	case errors.Is(err, textwire.ErrTooLarge), errors.Is(err, textwire.ErrBareLineEnding):
		if body.Drain() != nil {
			return // out of step with the client: close the connection
		}
		fmt.Println("552 or 554")
	}
	next, _ := textwire.ReadLine(conn, 0)
	fmt.Printf("next command %q\n", next)
	// Output:
	// "Subject: hi\r\n\r\n.dot\r\n"
	// 250 2.0.0 OK
	// next command "QUIT"
}

// A client sends a message body with dot-stuffing and the terminator.
func ExampleNewDotWriter() {
	var wire strings.Builder // a real client writes to a bufio.Writer on the connection
	w := bufio.NewWriter(&wire)
	dw := textwire.NewDotWriter(w)
	io.WriteString(dw, "Subject: hi\n\n.leading dot\nno final newline")
	dw.Close()
	w.Flush()
	fmt.Printf("%q\n", wire.String())
	// Output:
	// "Subject: hi\r\n\r\n..leading dot\r\nno final newline\r\n.\r\n"
}
