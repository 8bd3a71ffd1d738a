package session

import "testing"

func TestShapeNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pattern, login, want string
		ok                   bool
	}{
		{"{student_id}T", "22012345T", "22012345T", true},
		{"{student_id}T", "22012345t", "22012345T", true},
		{"{student_id}T", "22012345", "22012345", false}, // the bare number
		{"{studentID}T", "22012345", "22012345", false},  // the sync's spelling
		{"{student_id}T", "jdupont", "jdupont", true},    // a staff login passes
		{"{student_id}T", "T", "T", true},
		{"e{student_id}", "E22012345", "e22012345", true},
		{"", "22012345", "22012345", true}, // no pattern, no opinion
	}
	for _, tc := range tests {
		got, ok := ParseShape(tc.pattern).Normalize(tc.login)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%q %q: %q %v, want %q %v", tc.pattern, tc.login, got, ok, tc.want, tc.ok)
		}
	}
	if s := ParseShape("{student_id}T").Suggest("22012345"); s != "22012345T" {
		t.Errorf("Suggest = %q", s)
	}
}

func FuzzShapeNormalize(f *testing.F) {
	f.Add("22012345t")
	f.Add("")
	f.Fuzz(func(t *testing.T, login string) {
		s := ParseShape("{student_id}T")
		got, _ := s.Normalize(login)
		if len(got) != len(login) {
			t.Fatalf("%q became %q", login, got)
		}
	})
}
