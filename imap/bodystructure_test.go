package imap

import "testing"

func TestBodyStructurePart(t *testing.T) {
	// multipart/mixed ( text/plain, message/rfc822 ( multipart/alternative ( text/plain, text/html ) ), image/png )
	inner := &BodyStructure{Type: "multipart", Subtype: "alternative", Children: []*BodyStructure{
		{Type: "text", Subtype: "plain"}, {Type: "text", Subtype: "html"}}}
	msg := &BodyStructure{Type: "message", Subtype: "rfc822", Message: inner}
	root := &BodyStructure{Type: "multipart", Subtype: "mixed", Children: []*BodyStructure{
		{Type: "text", Subtype: "plain"}, msg, {Type: "image", Subtype: "png"}}}
	cases := map[string]*BodyStructure{
		"":      root,
		"1":     root.Children[0],
		"2":     msg,
		"2.1":   inner.Children[0],
		"2.2":   inner.Children[1],
		"3":     root.Children[2],
		"3.1":   nil,
		"4":     nil,
		"2.3":   nil,
		"1.2":   nil,
		"2.1.1": nil,
	}
	for path, want := range cases {
		var p []int
		if path != "" {
			var ok bool
			p, ok = ParsePart(path)
			if !ok {
				t.Fatalf("ParsePart(%q)", path)
			}
		}
		if got := root.Part(p); got != want {
			t.Errorf("Part(%q) = %v, want %v", path, got, want)
		}
	}
	var visited []string
	root.Walk(func(path []int, b *BodyStructure) bool {
		visited = append(visited, string(appendPart(nil, path))+"="+b.Subtype)
		return true
	})
	want := "[=mixed 1=plain 2=rfc822 2.1=plain 2.2=html 3=png]"
	if got := fmtSlice(visited); got != want {
		t.Errorf("Walk = %s, want %s", got, want)
	}
}

func fmtSlice(s []string) string {
	out := "["
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out + "]"
}
