package password

import (
	"strings"
	"testing"
)

func TestScore(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pw       string
		min, max int
	}{
		{"password1", 0, 0},
		{"azerty123", 0, 1},
		{"motdepasse", 0, 1},
		{"Tours2026", 0, 2},
		{"Bonjour2024!", 0, 2}, // plain zxcvbn, without the French list, says 3
		{"soleil2024", 0, 2},
		{"jetaime123", 0, 2},
		{"Tr0ub4dour&3", 0, 2},
		{"correct-horse-battery-9", 4, 4},
		{"x7#kQ9!m2Lp", 4, 4},
		{"vague lent 7 jours", 3, 4},
		{"MaisonBleue2031", 0, 3},              // a year counts as a year, not 4 random digits
		{strings.Repeat("password", 32), 0, 1}, // repeated chunks count once
		{"correct-horse-battery-9" + strings.Repeat("!", 40), 4, 4},
	}
	for _, tt := range tests {
		if got := score(tt.pw, nil); got < tt.min || got > tt.max {
			t.Errorf("score(%q) = %d, want %d..%d", tt.pw, got, tt.min, tt.max)
		}
	}
}

func TestScorePersonalInputs(t *testing.T) {
	t.Parallel()
	pw := "Legoff22012345"
	without, with := score(pw, nil), score(pw, personalTokens(student).inputs())
	if with >= without {
		t.Errorf("score(%q) = %d with the student's data, %d without: want lower", pw, with, without)
	}
}

func TestScoreDeterministic(t *testing.T) {
	t.Parallel()
	for _, pw := range []string{"Bonjour2024!", "correct-horse-battery-9", "P@ssw0rd!"} {
		first := score(pw, nil)
		for range 5 {
			if got := score(pw, nil); got != first {
				t.Fatalf("score(%q) varies: %d then %d", pw, first, got)
			}
		}
	}
}

func TestSeuilWordsL33t(t *testing.T) {
	t.Parallel()
	const pw = "xxM0tDePasse"
	s := newSearch(pw)
	defer searches.Put(s)
	s.spans.seuilWords()
	rank, _, ok := words().lookup("motdepasse")
	if !ok {
		t.Fatal("motdepasse is not listed")
	}
	// "M0tDePasse": three capitals among nine letters, C(9,1) + C(9,2)
	// + C(9,3) = 129 ways; the "0" is the only "o", fully substituted,
	// which doubles the guesses.
	want := float64(rank) * 129 * 2
	if got := s.spans.best[2*len(pw)+11]; got != want {
		t.Errorf("guesses of motdepasse read in %q = %v, want %v", pw, got, want)
	}
}
