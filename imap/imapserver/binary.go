package imapserver

import (
	"io"
	"strconv"

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
	dec, err := imap.DecodeTransfer(src, p.encoding)
	if err != nil {
		// RFC 3516 §4.3: unknown encoding.
		return b, imap.ErrNo("UNKNOWN-CTE", "Unknown Content-Transfer-Encoding")
	}
	if dec == io.Reader(src) { // 7bit, 8bit, binary: sizes are known
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
