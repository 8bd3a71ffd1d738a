package students

import "testing"

func TestNormaliseINE(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want, format string
	}{
		{"123456789AB", "123456789AB", "RNIE"},
		{"123456789ab", "123456789AB", "RNIE"},
		{" 1234 5678 9AB ", "123456789AB", "RNIE"},
		{"1234567890A", "1234567890A", "BEA"},
		{"1234A56789B", "1234A56789B", "SIFA"},
		{"1234D56789B", "1234D56789B", "provisional"},
		{"0A1B2C3D4E5", "0A1B2C3D4E5", "base36"},
		{"123456789AI", "", ""},  // I is not a RNIE key letter
		{"1234567890O", "", ""},  // O excluded from BEA keys
		{"12345", "", ""},        // too short
		{"123456789ABC", "", ""}, // too long
		{"12345678éAB", "", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		got, format, err := NormaliseINE(tt.in)
		if got != tt.want || format != tt.format || (err != nil) != (tt.want == "") {
			t.Errorf("NormaliseINE(%q) = %q, %q, %v; want %q, %q", tt.in, got, format, err, tt.want, tt.format)
		}
	}
}

func FuzzNormaliseINE(f *testing.F) {
	for _, s := range []string{"123456789AB", "1234A56789B", " 0a1b2c3d4e5 ", "é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, _, err := NormaliseINE(s)
		if err != nil {
			return
		}
		if len(got) != 11 {
			t.Fatalf("accepted %q as %q (len %d)", s, got, len(got))
		}
		if again, _, err := NormaliseINE(got); err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, got, again)
		}
	})
}
