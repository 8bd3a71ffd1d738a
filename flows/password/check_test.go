package password

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

var student = Context{StudentID: "22012345", INE: "0A1B2C3D4E5", FirstName: "Jean-Éric",
	LastName: "Le Goff", BirthDate: time.Date(2006, 3, 7, 0, 0, 0, 0, time.UTC)}

// failures returns the failed rules with their args, for comparison.
func failures(r Result) map[Rule][]any {
	m := map[Rule][]any{}
	for _, f := range r.Failed {
		m[f.Rule] = f.Args
	}
	return m
}

func TestCheckRules(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	tests := []struct {
		name, pw string
		want     map[Rule][]any // exactly these failures
	}{
		{"strong passphrase", "correct-horse-battery-9", map[Rule][]any{}},
		{"random", "x7#kQ9!m2Lp", map[Rule][]any{}},
		{"space is printable ASCII", "vague lent 7 jours", map[Rule][]any{}},
		{"too short", "a7#kQ9", map[Rule][]any{RuleLength: {8, 128}}},
		{"exactly 8", "a7#kQ9zW", map[Rule][]any{}},
		// ASVS 5.0 V6.2.9: at least 64 characters must be accepted.
		{"64 characters", strings.Repeat("a7#kQ9zW", 8), map[Rule][]any{}},
		{"exactly 128", strings.Repeat("a7#kQ9zW", 16), map[Rule][]any{}},
		{"too long", strings.Repeat("a7#kQ9zW", 17), map[Rule][]any{RuleLength: {8, 128}}},
		{"no digit", "xq#kQv!mzLp", map[Rule][]any{RuleDigit: nil}},
		{"accents", "Élan-vital-9à-é", map[Rule][]any{RuleASCII: {"É, à, é"}}},
		{"refused list capped", "9" + strings.Repeat("é", 3) + "ÀÁÂÃÄÅÆÇÈÉÊËÌÍÎÏÐÑÒÓ", map[Rule][]any{
			RuleASCII: {"é, À, Á, Â, Ã, Ä, Å, Æ, Ç, È, É, Ê, Ë, Ì, Í, Î"}}},
		{"tab shown as code point", "xq#k\tQ9!mzLp", map[Rule][]any{RuleASCII: {"U+0009"}}},
		{"common password", "password1", map[Rule][]any{RuleDictionary: nil}},
		{"context word", "Ma-Seuil-Cle-2026", map[Rule][]any{RuleContext: nil}},
		{"context word accented", "Université-Loire-97", map[Rule][]any{RuleASCII: {"é"}, RuleContext: nil}},
		{"context word in l33t", "vive-p3g4s3-2026", map[Rule][]any{RuleContext: nil}},
		{"french password", "motdepasse1", map[Rule][]any{RuleDictionary: nil}},
		{"word with year and symbol", "Bonjour2024!", map[Rule][]any{RuleDictionary: nil}},
		{"leading digits", "2024!!Bonjour", map[Rule][]any{RuleDictionary: nil}},
		{"town and year", "Tours2026", map[Rule][]any{RuleDictionary: nil}},
		{"l33t", "P@ssw0rd!", map[Rule][]any{RuleDictionary: nil}},
		{"l33t whole word", "4dm1n1str4t10n", map[Rule][]any{RuleDictionary: nil}},
		{"french word without accents", "Ecole2026!", map[Rule][]any{RuleDictionary: nil}},
		{"upper case", "SOLEIL2024", map[Rule][]any{RuleDictionary: nil}},
		{"first name", "Julien2005!", map[Rule][]any{RuleDictionary: nil}},
		{"short word not counted", "9le7421986", map[Rule][]any{}},
		{"student id", "ab22012345cd", map[Rule][]any{RulePersonal: {KindStudentID}}},
		{"ine without key", "x0a1b2c3d4e!", map[Rule][]any{RulePersonal: {KindINE}}},
		{"first name part", "zz-eric-9-qw", map[Rule][]any{RulePersonal: {KindName}}},
		{"last name joined", "legoff#9Qw", map[Rule][]any{RulePersonal: {KindName}}},
		{"name l33t", "j3an#9Qwxz", map[Rule][]any{RulePersonal: {KindName}}},
		{"birth DDMMYYYY", "qz07032006", map[Rule][]any{RulePersonal: {KindBirthDate}}},
		{"birth YYYYMMDD", "qz20060307", map[Rule][]any{RulePersonal: {KindBirthDate}}},
		{"birth DDMMYY", "qz#070306x", map[Rule][]any{RulePersonal: {KindBirthDate}}},
		{"birth ISO", "qz2006-03-07", map[Rule][]any{RulePersonal: {KindBirthDate}}},
		{"birth slashes", "qz07/03/2006", map[Rule][]any{RulePersonal: {KindBirthDate}}},
		{"several kinds in order", "jean22012345", map[Rule][]any{RuleDictionary: nil,
			RulePersonal: {KindStudentID, KindName}}},
		{"accented name", "Éric#9Qwxz", map[Rule][]any{RuleASCII: {"É"},
			RulePersonal: {KindName}}},
		{"everything wrong", "Été", map[Rule][]any{RuleLength: {8, 128}, RuleDigit: nil,
			RuleASCII: {"É, é"}, RuleDictionary: nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := p.Check(tt.pw, student)
			if got := failures(r); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Check(%q) failures = %v, want %v", tt.pw, got, tt.want)
			}
			if r.OK() != (len(tt.want) == 0) {
				t.Errorf("OK() = %v with failures %v", r.OK(), r.Failed)
			}
		})
	}
}

func TestCheckDisabledRules(t *testing.T) {
	t.Parallel()
	p := Policy{MinLength: 8, MaxLength: 64}
	for _, pw := range []string{"password", "bonjour!", "jean-eric", "éèàçù-xyz"} {
		if r := p.Check(pw, student); !r.OK() {
			t.Errorf("all rules off: Check(%q) = %v, want OK", pw, r.Failed)
		}
	}
}

func TestCheckOrderAndFails(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	p.MinScore = 3
	r := p.Check("jean", student)
	var got []Rule
	for _, f := range r.Failed {
		got = append(got, f.Rule)
	}
	want := []Rule{RuleLength, RuleDigit, RuleDictionary, RulePersonal, RuleStrength}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("failed rules = %v, want %v (checklist order)", got, want)
	}
	if !r.Fails(RuleDigit) || r.Fails(RuleASCII) || r.Fails(RuleHistory) {
		t.Errorf("Fails disagrees with Failed %v", r.Failed)
	}
	if f := r.Failed[len(r.Failed)-1]; !reflect.DeepEqual(f.Args, []any{3}) {
		t.Errorf("strength args = %v, want [3]", f.Args)
	}
}

func TestEmptyContext(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	// With no personal data, nothing personal can be found, even in
	// passwords made of date-like digits.
	if r := p.Check("qz07032006xx", Context{}); r.Fails(RulePersonal) {
		t.Errorf("empty context failed personal: %v", r.Failed)
	}
	short := Context{FirstName: "Li", LastName: "Ba"}
	if r := p.Check("librairie-bateau-9", short); r.Fails(RulePersonal) {
		t.Errorf("two-letter names must not be searched: %v", r.Failed)
	}
}

// TestHugeInput: a megabyte of distinct characters is judged without
// quadratic work (this would take minutes otherwise) and fails the
// length and ascii rules.
func TestHugeInput(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for r := rune(0x4e00); b.Len() < 1<<20; r++ {
		b.WriteRune(r)
		b.WriteString("a1")
	}
	r := DefaultPolicy().Check(b.String(), student)
	if !r.Fails(RuleLength) || !r.Fails(RuleASCII) || len(r.Refused) != maxRefused {
		t.Errorf("huge input: failed %v, %d refused", r.Failed, len(r.Refused))
	}
}
