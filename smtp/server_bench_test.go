package smtp

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"strings"
	"testing"
)

func BenchmarkCommandParser(b *testing.B) {
	s := &Server{}
	lines := [][]byte{
		[]byte("MAIL FROM:<sender@bench.example> SIZE=1024 BODY=8BITMIME"),
		[]byte("RCPT TO:<user@bench.example>"),
		[]byte("DATA"),
	}
	c := &Conn{srv: s}
	b.ReportAllocs()
	for b.Loop() {
		for _, line := range lines {
			verb, arg := splitCommand(line)
			cmd := lookupCommand(verb)
			if cmd == nil {
				b.Fatal("unknown")
			}
			switch cmd.verb {
			case "MAIL":
				rest, _ := cutPrefixFold(arg, "FROM:")
				_, params, perr := parsePathArg(rest, false, true)
				if perr != pathOK {
					b.Fatal(perr)
				}
				var o MailOptions
				for {
					key, val, r, ok, _ := nextParam(params)
					if !ok {
						break
					}
					if equalFold(key, "SIZE") {
						o.Size, _ = parseSize(val)
					}
					params = r
				}
			case "RCPT":
				rest, _ := cutPrefixFold(arg, "TO:")
				if _, _, perr := parsePathArg(rest, false, false); perr != pathOK {
					b.Fatal(perr)
				}
			}
		}
	}
	_ = c
}

// srvDiscardBackend reads and discards bodies, like the bench server.
type srvDiscardBackend struct{}
type srvDiscardSession struct{}

func (srvDiscardBackend) NewSession(context.Context, *Conn) (Session, error) {
	return srvDiscardSession{}, nil
}
func (srvDiscardSession) Mail(context.Context, string, *MailOptions) error { return nil }
func (srvDiscardSession) Rcpt(context.Context, string, *RcptOptions) error { return nil }
func (srvDiscardSession) Data(_ context.Context, r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	return err
}
func (srvDiscardSession) Reset(context.Context)        {}
func (srvDiscardSession) Logout(context.Context) error { return nil }

// benchSession runs pipelined transactions of size-octet messages over
// loopback TCP, one per iteration.
func benchSession(b *testing.B, size int) {
	s := &Server{Backend: srvDiscardBackend{}, MaxMessageBytes: 64 << 20}
	addr := srvStart(b, s)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	w := bufio.NewWriterSize(conn, 64<<10)
	readReply := func(want string) {
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				b.Fatal(err)
			}
			if !strings.HasPrefix(line, want) {
				b.Fatalf("got %q, want %s", line, want)
			}
			if line[3] == ' ' {
				return
			}
		}
	}
	readReply("220")
	w.WriteString("EHLO bench.test\r\n")
	w.Flush()
	readReply("250")
	line := append(bytes.Repeat([]byte("x"), 76), "\r\n"...)
	body := bytes.Repeat(line, size/len(line)+1)[:size/len(line)*len(line)]
	body = append(body, ".\r\n"...)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		w.WriteString("MAIL FROM:<sender@bench.example>\r\nRCPT TO:<user@bench.example>\r\nDATA\r\n")
		w.Flush()
		readReply("250")
		readReply("250")
		readReply("354")
		w.Write(body)
		w.Flush()
		readReply("250")
	}
}

func BenchmarkServerSession1KiB(b *testing.B) { benchSession(b, 1<<10) }
func BenchmarkServerSession1MiB(b *testing.B) { benchSession(b, 1<<20) }

// BenchmarkServerDataPath measures the server's DATA path (command
// parsing, dot-unstuffing, size accounting, backend hand-off) without the
// network: one whole session of a 1 MiB message over an in-memory conn.
func BenchmarkServerDataPath(b *testing.B) {
	line := append(bytes.Repeat([]byte("y"), 76), "\r\n"...)
	body := bytes.Repeat(line, (1<<20)/len(line))
	var in bytes.Buffer
	in.WriteString("EHLO bench.test\r\nMAIL FROM:<sender@bench.example>\r\nRCPT TO:<user@bench.example>\r\nDATA\r\n")
	in.Write(body)
	in.WriteString(".\r\nQUIT\r\n")
	input := in.Bytes()
	s := &Server{Backend: srvDiscardBackend{}, MaxMessageBytes: 64 << 20}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		out := srvServeBytes(b, s, input)
		if !bytes.Contains(out, []byte("250 2.0.0 Message accepted")) {
			b.Fatalf("no 250: %q", out)
		}
	}
}
