package imapserver

import "testing"

// BINARY decodes with imap.DecodeTransfer (RFC 3516, RFC 2045 §6.8):
// characters outside the base64 alphabet are ignored, decoding stops at
// the padding, and an unknown encoding is NO [UNKNOWN-CTE] (RFC 3516 §4.3).
func TestBinaryDecoding(t *testing.T) {
	ts := startServer(t, nil)
	ts.b.appendMsg("INBOX", "Content-Type: multipart/mixed; boundary=B\r\n\r\n"+
		"--B\r\nContent-Transfer-Encoding: base64\r\n\r\naGVs\r\n bG8=\r\n--B\r\n"+
		"Content-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9=\r\n!\r\n--B\r\n"+
		"Content-Transfer-Encoding: x-uuencode\r\n\r\nbegin\r\n--B\r\n"+
		"Content-Transfer-Encoding: base64\r\n\r\nYQ==\r\nYg==\r\n--B\r\n"+
		"Content-Transfer-Encoding: 8bit\r\n\r\nplain\r\n--B--\r\n")
	c := ts.dial(t).login()
	c.selectBox("INBOX")
	runSteps(t, c, []step{
		{"a FETCH 1 BINARY.PEEK[1]", "OK", []string{"BINARY[1] ~{5}", "hello"}, nil},
		{"b FETCH 1 BINARY.SIZE[1]", "OK", []string{"BINARY.SIZE[1] 5"}, nil},
		{"c FETCH 1 BINARY.PEEK[2]", "OK", []string{"BINARY[2] ~{6}", "café!"}, nil},
		{"d FETCH 1 BINARY.PEEK[3]", "NO [UNKNOWN-CTE]", nil, nil},
		{"e FETCH 1 BINARY.PEEK[4]", "OK", []string{"BINARY[4] ~{1}", "a"}, nil},
		{"f FETCH 1 BINARY.PEEK[5]<1.3>", "OK", []string{"BINARY[5]<1> ~{3}", "lai"}, nil},
		{"g FETCH 1 BINARY.SIZE[5]", "OK", []string{"BINARY.SIZE[5] 5"}, nil},
	})
}
