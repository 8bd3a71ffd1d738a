package students

import "testing"

// TestNormalisePhoneOverseas: students from Réunion, Mayotte, the Antilles
// and Guyane type their mobile nationally ("0692 …"), in the French
// numbering plan, but the number belongs to its own country code; an SMS
// sent to +33692… would not arrive.
func TestNormalisePhoneOverseas(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"0692 12 34 56", "+262692123456"}, // Réunion
		{"06 93 12 34 56", "+262693123456"},
		{"0639 01 23 45", "+262639012345"}, // Mayotte
		{"0690 12 34 56", "+590690123456"}, // Guadeloupe
		{"0694 12 34 56", "+594694123456"}, // Guyane
		{"0696 12 34 56", "+596696123456"}, // Martinique
		{"0262 12 34 56", "+262262123456"}, // Réunion landline
		{"+262 692 12 34 56", "+262692123456"},
		{"00262692123456", "+262692123456"},
		{"06 12 34 56 78", "+33612345678"}, // metropolitan stays +33
	}
	for _, tt := range tests {
		for name, f := range map[string]func(string, string) (string, error){"NormalisePhone": NormalisePhone, "normalisePhone": normalisePhone} {
			got, err := f(tt.in, "FR")
			if err != nil || got != tt.want {
				t.Errorf("%s(%q) = %q, %v; want %q", name, tt.in, got, err, tt.want)
			}
		}
		if got, err := NormalisePhone(tt.want, "FR"); err != nil || got != tt.want {
			t.Errorf("not idempotent: %q -> %q, %v", tt.want, got, err)
		}
	}
}
