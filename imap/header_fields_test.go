package imap

import (
	"fmt"
	"testing"
)

func TestForEachHeaderField(t *testing.T) {
	hdr := "Subject: a\r\n\tfolded  \r\nno colon\r\nX Bad: skipped\r\nFrom : b@example.org\r\n\r\n"
	var got []string
	ForEachHeaderField([]byte(hdr), func(name []byte, value string) {
		got = append(got, fmt.Sprintf("%s=%q", name, value))
	})
	want := []string{`Subject="a\tfolded"`, `From="b@example.org"`}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}
