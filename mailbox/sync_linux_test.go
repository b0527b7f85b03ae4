package mailbox

import "testing"

func TestKernelAtLeast(t *testing.T) {
	for _, tc := range []struct {
		rel  string
		want bool
	}{
		{"6.18.44-fc-v782", true}, {"5.8.0", true}, {"5.7.19", false}, {"5.10", true},
		{"4.19.0-25-amd64", false}, {"10.0", true}, {"", false}, {"x.y", false},
	} {
		if got := kernelAtLeast(tc.rel, 5, 8); got != tc.want {
			t.Errorf("kernelAtLeast(%q) = %v", tc.rel, got)
		}
	}
}
