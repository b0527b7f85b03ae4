package imapserver

import (
	"encoding/base64"
	"io"
	"mime/quotedprintable"
	"strconv"
	"strings"

	"github.com/mailwire/mailwire/imap"
)

// BINARY[part] and BINARY.SIZE[part] (RFC 3516, RFC 9051 §6.4.5): the
// part's content with its transfer encoding removed.
func (c *conn) writeBinarySection(b []byte, s *sectionItem, r MessageReader, ms *msgStructure) ([]byte, error) {
	var p *partNode
	if len(s.part) == 0 {
		p = ms.tree()
	} else {
		p = ms.tree().find(s.part)
	}
	if p == nil || p.multipart {
		if s.kind == sectBinarySize {
			return append(b, '0'), nil
		}
		return append(b, `""`...), nil
	}
	off, n := p.bodyOff(), p.size
	src := io.NewSectionReader(r, off, n)
	var dec io.Reader
	switch strings.ToUpper(p.encoding) {
	case "BASE64":
		dec = base64.NewDecoder(base64.StdEncoding, &base64Cleaner{r: src})
	case "QUOTED-PRINTABLE":
		dec = quotedprintable.NewReader(src)
	case "7BIT", "8BIT", "BINARY", "":
		dec = src
	default:
		// RFC 3516 §4.3: unknown encoding.
		return b, imap.ErrNo("UNKNOWN-CTE", "Unknown Content-Transfer-Encoding")
	}
	if dec == src {
		if s.kind == sectBinarySize {
			return strconv.AppendInt(b, n, 10), nil
		}
		if s.partial {
			if s.off >= n {
				return append(b, `""`...), nil
			}
			off += s.off
			n = min(n-s.off, s.n)
		}
		b = append(b, "~{"...)
		b = strconv.AppendInt(b, n, 10)
		b = append(b, "}\r\n"...)
		c.bw.Write(b)
		return b[:0], c.copySection(r, off, n)
	}
	// Decoded sizes are unknown in advance: decode into memory, bounded.
	data, err := io.ReadAll(io.LimitReader(dec, c.srv.appendLimit()))
	if err != nil {
		data = data[:0]
	}
	if s.kind == sectBinarySize {
		return strconv.AppendInt(b, int64(len(data)), 10), nil
	}
	data = partialBytes(data, s)
	b = append(b, "~{"...)
	b = strconv.AppendInt(b, int64(len(data)), 10)
	b = append(b, "}\r\n"...)
	return append(b, data...), nil
}

// base64Cleaner drops line breaks and other non-alphabet bytes.
type base64Cleaner struct{ r io.Reader }

func (bc *base64Cleaner) Read(p []byte) (int, error) {
	for {
		n, err := bc.r.Read(p)
		w := 0
		for _, ch := range p[:n] {
			if ch >= 'A' && ch <= 'Z' || ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '+' || ch == '/' || ch == '=' {
				p[w] = ch
				w++
			}
		}
		if w > 0 || err != nil {
			return w, err
		}
	}
}
