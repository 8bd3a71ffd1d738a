package ldapsync

import (
	"slices"
	"testing"
)

func TestPackUnpack(t *testing.T) {
	t.Parallel()
	vals := [][]string{{"22012345T"}, nil, {"a", "b c"}, {""}, {"x"}, nil}
	p := pack(vals)
	for i, want := range vals {
		if len(want) == 1 && want[0] == "" {
			want = nil // an empty value reads as none
		}
		if got := unpack(p, i); !slices.Equal(got, want) {
			t.Errorf("attr %d: got %q, want %q", i, got, want)
		}
	}
	if got := unpack(p, len(vals)+3); got != nil {
		t.Errorf("past the end: %q", got)
	}
}
